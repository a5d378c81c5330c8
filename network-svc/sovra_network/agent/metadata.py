"""The metadata proxy: guests reach ``http://169.254.169.254`` in their network's
DHCP namespace; the agent says who asks and relays to compute's metadata API.

In each DHCP namespace it serves (``dhcp.Dhcp``), 169.254.169.254/32 sits on the
DHCP port's interface and a listening socket is bound to 169.254.169.254:80. The
socket is made inside the namespace by a short-lived thread that enters it
(``setns``) and then ends; the socket stays in that namespace and is served by the
agent's own threads, which connect out to ``metadata_url`` from the agent's
namespace. No process per network: the proxy lives in the agent (a stopped agent
answers no metadata; a restarted one listens again at its first sync).

A request is identified by its source address and the network whose namespace it
came in by: the port of that network with that fixed IP (a server's port: not a
DHCP, router or floating IP port, and with a device_id), from the agent's last
sync. Unknown: 404, nothing relayed. Known: relayed with the headers compute's
metadata API trusts:

- ``X-Instance-ID``: the port's device_id (the server);
- ``X-Tenant-ID``: the port's project_id;
- ``X-Instance-ID-Signature``: hex HMAC-SHA256 of the instance id keyed with
  ``metadata_proxy_shared_secret``;
- ``X-Forwarded-For``: the guest's address.

Whatever the guest sent under those names is dropped first.
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import hmac
import http.client
import http.server
import logging
import os
import selectors
import socket
import threading
import urllib.parse
from collections.abc import Mapping

from sovra_network.agent import ip_lib
from sovra_network.agent import state as hs

LOG = logging.getLogger(__name__)

ADDRESS = "169.254.169.254"
CIDR = ADDRESS + "/32"
PORT = 80
#: seconds a guest or the metadata API may take
TIMEOUT = 30.0
#: requests served at once (more connections are closed unanswered)
MAX_REQUESTS = 64
#: the largest request body relayed (compute takes a 256-byte password)
MAX_BODY = 64 * 1024
#: the guest's headers never relayed (ours replace the identity ones)
DROPPED_HEADERS = frozenset({
    "x-instance-id", "x-instance-id-signature", "x-tenant-id", "x-forwarded-for",
    "connection", "keep-alive", "proxy-connection", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length"})
#: the metadata API's headers not relayed back (the proxy frames its own answer)
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "trailer",
                        "upgrade", "content-length", "server", "date"})

_CLONE_NEWNET = 0x40000000
_IP_FREEBIND = 15


@dataclasses.dataclass(frozen=True)
class Instance:
    server_id: str
    project_id: str
    port_id: str


def instances(state: hs.HostState, network_id: str) -> dict[str, Instance]:
    """``{fixed IP: Instance}`` of the servers' ports on ``network_id`` (every port
    of the network, wherever bound: ``state.network_ports``)."""
    out = {}
    for port in state.network_ports.get(network_id, ()):
        if not port.is_vm or not port.device_id or port.device_owner.startswith(
                "network:"):
            continue
        for ip in port.fixed_ips:
            out[ip.ip_address] = Instance(port.device_id, port.project_id, port.id)
    return out


def sign(secret: str, instance_id: str) -> str:
    """``X-Instance-ID-Signature``: hex HMAC-SHA256 of ``instance_id``."""
    return hmac.new(secret.encode(), instance_id.encode(), hashlib.sha256).hexdigest()


def relayed_headers(incoming: Mapping[str, str] | list[tuple[str, str]],
                    instance: Instance, source: str, secret: str) -> dict[str, str]:
    """The headers sent to the metadata API for a guest's request."""
    items = incoming.items() if isinstance(incoming, Mapping) else incoming
    out = {name: value for name, value in items
           if name.lower() not in DROPPED_HEADERS}
    out.update({"X-Instance-ID": instance.server_id,
                "X-Tenant-ID": instance.project_id,
                "X-Instance-ID-Signature": sign(secret, instance.server_id),
                "X-Forwarded-For": source})
    return out


def listen_in_namespace(namespace: str, address: str = ADDRESS,
                        port: int = PORT) -> socket.socket:
    """A TCP socket listening on ``address:port`` inside network namespace
    ``namespace`` (``/run/netns/<namespace>``), made by a thread that enters the
    namespace and ends (the caller's threads stay where they are)."""
    result: dict = {}

    def make():
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            with open(os.path.join(ip_lib.NETNS_DIR, namespace)) as ns:
                if libc.setns(ns.fileno(), _CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns {namespace}: {os.strerror(err)}")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                # bindable before the address is on the interface
                sock.setsockopt(socket.IPPROTO_IP, _IP_FREEBIND, 1)
                sock.bind((address, port))
                sock.listen(64)
            except BaseException:
                sock.close()
                raise
            result["socket"] = sock
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=make, name=f"netns-{namespace}"[:15])
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["socket"]


@dataclasses.dataclass
class _Listener:
    network_id: str
    namespace: str
    namespace_id: tuple[int, int] | None
    sock: socket.socket


class MetadataProxy:
    """Listeners per network (``serve``/``retain``), one accepting thread, a thread
    per request."""

    def __init__(self, metadata_url: str, secret: str, *, timeout: float = TIMEOUT):
        url = urllib.parse.urlsplit(metadata_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"metadata_url {metadata_url!r}: expected http(s)://host")
        self._url, self._secret, self._timeout = url, secret, timeout
        self._listeners: dict[str, _Listener] = {}
        self._tables: dict[str, dict[str, Instance]] = {}
        self._lock = threading.Lock()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._closed = False
        self._thread: threading.Thread | None = None
        self._slots = threading.BoundedSemaphore(MAX_REQUESTS)

    # --- what the DHCP layer calls ---------------------------------------------------
    def serve(self, network_id: str, namespace: str,
              table: Mapping[str, Instance]) -> None:
        """Listen in ``namespace`` for ``network_id`` (again if the namespace was
        made anew) and answer its guests from ``table`` ({fixed IP: Instance})."""
        table = dict(table)  # replaced whole: readers see the old or the new one
        current = self._listeners.get(network_id)
        ident = ip_lib.namespace_id(namespace)
        if current is not None and current.namespace == namespace and \
                current.namespace_id == ident:
            self._tables[network_id] = table
            return
        if current is not None:
            self._drop(network_id)
        sock = listen_in_namespace(namespace)
        sock.setblocking(False)
        with self._lock:
            if self._closed:
                sock.close()
                return
            self._tables[network_id] = table
            self._listeners[network_id] = _Listener(network_id, namespace, ident, sock)
            self._selector.register(sock, selectors.EVENT_READ, network_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                                name="metadata-proxy")
                self._thread.start()
        self._wake()
        LOG.info("network %s: metadata proxy on %s:%d in %s", network_id, ADDRESS,
                 PORT, namespace)

    def retain(self, network_ids) -> None:
        """Stop listening for every network not in ``network_ids``."""
        for network_id in sorted(set(self._listeners) - set(network_ids)):
            self._drop(network_id)
            LOG.info("network %s: metadata proxy removed", network_id)

    def networks(self) -> set[str]:
        return set(self._listeners)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self.retain(())
        self._wake()
        if self._thread is not None:
            self._thread.join(5)
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def _drop(self, network_id: str) -> None:
        with self._lock:
            listener = self._listeners.pop(network_id, None)
            self._tables.pop(network_id, None)
            if listener is None:
                return
            try:
                self._selector.unregister(listener.sock)
            except (KeyError, ValueError):
                pass
            listener.sock.close()  # the namespace is not held on to

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass

    # --- serving ---------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
            try:
                ready = self._selector.select(timeout=1.0)
            except (OSError, ValueError):  # a socket closed meanwhile
                continue
            for key, _ in ready:
                if key.data is None:
                    try:
                        self._wake_r.recv(512)
                    except OSError:
                        pass
                    continue
                try:
                    conn, peer = key.fileobj.accept()
                except (BlockingIOError, OSError):
                    continue
                if not self._slots.acquire(blocking=False):
                    LOG.warning("network %s: %d metadata requests at once; %s refused",
                                key.data, MAX_REQUESTS, peer[0])
                    conn.close()
                    continue
                conn.setblocking(True)
                threading.Thread(target=self._handle, args=(conn, peer, key.data),
                                 daemon=True, name="metadata-request").start()

    def _handle(self, conn: socket.socket, peer, network_id: str) -> None:
        try:
            _Request(conn, peer, _Context(self, network_id))
        except Exception:
            LOG.exception("network %s: metadata request from %s failed", network_id,
                          peer[0])
        finally:
            conn.close()
            self._slots.release()

    def lookup(self, network_id: str, source: str) -> Instance | None:
        """The instance at ``source`` on ``network_id`` (never another network's)."""
        return self._tables.get(network_id, {}).get(source)

    def relay(self, method: str, path: str, headers, body: bytes | None,
              instance: Instance, source: str) -> tuple[int, str, list, bytes]:
        """Ask the metadata API; (status, reason, headers, body)."""
        url = self._url
        kind = http.client.HTTPSConnection if url.scheme == "https" else \
            http.client.HTTPConnection
        conn = kind(url.hostname, url.port, timeout=self._timeout)
        try:
            conn.request(method, url.path.rstrip("/") + path, body=body,
                         headers=relayed_headers(headers, instance, source,
                                                 self._secret))
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.reason, resp.getheaders(), data
        finally:
            conn.close()


@dataclasses.dataclass
class _Context:
    proxy: MetadataProxy
    network_id: str


class _Request(http.server.BaseHTTPRequestHandler):
    """One guest request (HTTP/1.0: one per connection)."""

    timeout = TIMEOUT
    server_version = "sovra-metadata-proxy"

    def __init__(self, conn, peer, context: _Context):
        self.context = context
        super().__init__(conn, peer, context)

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        LOG.debug("metadata %s: " + format, self.client_address[0], *args)

    def _proxy(self):
        context = self.context
        source = self.client_address[0]
        instance = context.proxy.lookup(context.network_id, source)
        if instance is None:
            LOG.info("network %s: metadata asked by %s, no server's port there",
                     context.network_id, source)
            self._answer(404, "Not Found", [("Content-Type", "text/plain")],
                         b"404 Not Found\n\nThe resource could not be found.\n")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            status = (400, "Bad Request") if length < 0 else \
                (413, "Request Entity Too Large")
            self._answer(*status, [("Content-Type", "text/plain")], b"")
            return
        body = self.rfile.read(length) if length else None
        try:
            status, reason, headers, data = context.proxy.relay(
                self.command, self.path, self.headers.items(), body, instance, source)
        except (OSError, http.client.HTTPException) as exc:
            LOG.warning("network %s: metadata API unreachable for %s (%s): %s",
                        context.network_id, instance.server_id, source, exc)
            self._answer(502, "Bad Gateway", [("Content-Type", "text/plain")],
                         b"502 Bad Gateway\n\nThe metadata service is unreachable.\n")
            return
        self._answer(status, reason, [(k, v) for k, v in headers
                                      if k.lower() not in HOP_BY_HOP], data)

    def _answer(self, status, reason, headers, body: bytes):
        self.send_response(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _proxy

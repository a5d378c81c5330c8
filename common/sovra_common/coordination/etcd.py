"""etcd coordination backend (full mode), over etcd's v3 JSON gateway with etcd3gw.

Keys, under ``prefix`` (default ``/sovra``)::

    <prefix>/members/<group>/<member>  = data (JSON)      attached to the member's lease
    <prefix>/locks/<name>              = holder's token   attached to the holding lease

Every member registration and every lock acquisition has its own etcd lease, so
etcd itself deletes the key when a holder stops refreshing: that is what "down" and
"freed by a dead holder" mean here. One background thread per coordinator refreshes
all of them at a third of their TTL. When refreshing fails it logs (rate-limited) and
retries every second (or TTL/3 if shorter). When a member's lease turned out to have
expired meanwhile, it registers the member again; an expired lock lease is not
re-acquired (someone else may hold the lock by now): the token is marked lost.

Waiting for a lock: etcd3gw's ``Lock.acquire()`` is one try, and it grants a new
lease on every call. We do the compare-and-create transaction ourselves and, when it
fails, *watch* the lock key from the revision right after that transaction until the
next change (release, or expiry of a dead holder's lease), then try again. Starting
the watch at that revision means no release can slip between the failed try and the
watch, and a waiter wakes as soon as etcd commits the release (a few ms on loopback)
instead of after a polling period, without a stream of transactions from every
waiter. A watch is trusted for at most ``_WATCH_RECHECK`` seconds (a silently stalled
stream costs at most that), and a watch that fails early is followed by a short,
doubling back-off, so an etcd in trouble is not hammered.

The watch is read in the waiting thread itself, as one streamed HTTP request whose
read timeout is the remaining wait: etcd3gw's own ``watch_once`` starts a thread pool
per call and, on stop, closes every pooled connection of the client's session.

HTTP sessions (requests) are not shared between threads: each call borrows an etcd3gw
client from a small idle pool; the keep-alive thread has its own.
"""

import base64
import contextlib
import json
import logging
import math
import threading
import time
import warnings

import requests

with warnings.catch_warnings():
    # etcd3gw imports futurist, which imports eventlet just to see whether it is
    # there; eventlet warns on import. Sovra does not use eventlet.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import etcd3gw
    from etcd3gw import exceptions as etcd_exceptions

from sovra_common.coordination import base, exception

LOG = logging.getLogger(__name__)

DEFAULT_PORT = 2379
DEFAULT_PREFIX = "/sovra"
DEFAULT_REQUEST_TIMEOUT = 5.0

# Longest a lock waiter trusts one watch before trying the lock again anyway.
_WATCH_RECHECK = 5.0
# Back-off after a watch that ended early without an event (error, cancelled).
_BACKOFF_MIN, _BACKOFF_MAX = 0.05, 0.5
# Retry period of a failed refresh (at most; TTL/3 if that is shorter).
_RETRY_MAX = 1.0
# While refreshes keep failing, repeat the warning this often.
_WARN_EVERY = 30.0
# Idle HTTP sessions kept for reuse.
_MAX_IDLE_CLIENTS = 8


class _LeaseNotFound(Exception):
    """etcd no longer knows a lease we used (it expired)."""


class _Kept:
    """Refresh bookkeeping of one lease."""

    def __init__(self, what: str, ttl: float):
        self.what = what  # for logs: "member compute-agents/node1", "lock x"
        self.ttl = ttl  # requested
        self.lease_id: int | None = None
        self.due = 0.0  # monotonic time of the next refresh (or registration)
        self.failures = 0
        self.warned_at = 0.0

    def kept(self, granted_ttl: int) -> None:
        if self.failures:
            LOG.info("Refreshed %s again after %d failed attempts", self.what, self.failures)
        self.failures = 0
        self.due = time.monotonic() + granted_ttl / 3

    def failed(self, exc: Exception) -> None:
        self.failures += 1
        now = time.monotonic()
        retry = min(_RETRY_MAX, self.ttl / 3)
        if self.failures == 1 or now - self.warned_at >= _WARN_EVERY:
            LOG.warning("Cannot refresh %s in etcd (attempt %d, retrying every %.1f s; "
                        "it expires if this lasts its TTL of %s s): %s",
                        self.what, self.failures, retry, self.ttl, exc)
            self.warned_at = now
        self.due = now + retry


class _Registration(_Kept):
    def __init__(self, group: str, member: str, key: bytes, value: bytes, ttl: float):
        super().__init__(f"member {group}/{member}", ttl)
        self.key = key
        self.value = value


class _Holding(_Kept):
    """A lock lease: while acquiring (``acquired`` False) and while held."""

    def __init__(self, token: base.LockToken, key: bytes, ttl: float):
        super().__init__(f"lock {token.name}", ttl)
        self.token = token
        self.key = key
        self.acquired = False


class EtcdCoordinator(base.Coordinator):
    """Coordinator on an etcd cluster (v3 API, through its HTTP/JSON gateway)."""

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *,
                 protocol: str = "http", prefix: str = DEFAULT_PREFIX,
                 ca_cert: str | None = None, cert_cert: str | None = None,
                 cert_key: str | None = None,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT, **defaults):
        super().__init__(**defaults)
        if protocol not in ("http", "https"):
            raise ValueError(f"protocol must be http or https, not {protocol!r}")
        self.host, self.port, self.protocol = host, port, protocol
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self._tls = (ca_cert, cert_cert, cert_key)
        self._request_timeout = request_timeout
        self._api_path: str | None = None
        self._mutex = threading.Lock()  # guards the dicts and the idle pool; no I/O
        # Serialises changes of member registrations, I/O included.
        self._registration_lock = threading.Lock()
        self._registrations: dict[tuple[str, str], _Registration] = {}
        self._holdings: dict[str, _Holding] = {}  # by token owner
        self._idle: list[etcd3gw.Etcd3Client] = []
        self._generation = 0  # bumped on stop: clients of an older one are closed
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{self.protocol}://{self.host}:{self.port}"

    # --- lifecycle -----------------------------------------------------------------
    def _start(self) -> None:
        with self._borrowed_client() as client:
            self._call("connect", client.status)
            self._api_path = client.api_path
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(
            target=self._keepalive_loop, args=(self._stopping, self._wake),
            name=f"etcd-keepalive-{self.host}:{self.port}", daemon=True)
        self._thread.start()

    def _stop(self) -> None:
        self._end_keepalive()
        with self._registration_lock:
            registrations = list(self._registrations.values())
            self._registrations.clear()
        holdings = self._forget_holdings()
        client = self._new_client()
        try:
            for kept in registrations + holdings:
                if kept.lease_id is not None:
                    try:
                        self._revoke(client, kept.lease_id)
                    except exception.CoordinationUnavailable as exc:
                        LOG.warning("Could not remove %s on stop; it expires after its "
                                    "TTL: %s", kept.what, exc)
        finally:
            client.session.close()

    def abandon(self) -> None:
        """Die without a goodbye: stop refreshing, remove nothing.

        Members and locks of this coordinator then expire in etcd after their TTL, as
        if the process had been killed. For tests and fault drills; not part of the
        ``Coordinator`` contract.
        """
        with self._state_lock:
            if not self._started:
                return
            self._started = False
            self._end_keepalive()
            with self._registration_lock:
                self._registrations.clear()
            self._forget_holdings()

    def _end_keepalive(self) -> None:
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(self._request_timeout + 1)
            if thread.is_alive():
                LOG.warning("etcd keep-alive thread did not stop in time")
        with self._mutex:
            self._generation += 1
            idle, self._idle = self._idle, []
        for client in idle:
            client.session.close()

    def _forget_holdings(self) -> list[_Holding]:
        with self._mutex:
            holdings = list(self._holdings.values())
            self._holdings.clear()
        for holding in holdings:
            holding.token.mark_lost()
        return holdings

    # --- liveness --------------------------------------------------------------------
    def _heartbeat(self, group: str, member: str, data: str, ttl: float) -> None:
        key = self._member_key(group, member)
        value = data.encode()
        with self._registration_lock, self._borrowed_client() as client:
            old = self._registrations.get((group, member))
            if old is not None and old.ttl == ttl and old.lease_id is not None:
                try:
                    self._call("update member", client.put, key, value,
                               lease=etcd3gw.Lease(old.lease_id, client))
                    old.value = value
                    return
                except _LeaseNotFound:
                    pass  # it expired meanwhile: register it anew below
            registration = _Registration(group, member, key, value, ttl)
            self._register(client, registration)
            self._registrations[(group, member)] = registration
            if old is not None and old.lease_id is not None:
                self._revoke_quietly(client, old.lease_id)
        self._wake.set()

    def _leave(self, group: str, member: str) -> None:
        with self._registration_lock:
            registration = self._registrations.pop((group, member), None)
            if registration is None or registration.lease_id is None:
                return
            with self._borrowed_client() as client:
                self._revoke(client, registration.lease_id)

    def _members(self, group: str) -> dict[str, str]:
        prefix = self._member_key(group, "")
        with self._borrowed_client() as client:
            kvs = self._call("list members", client.get, prefix, metadata=True,
                             range_end=_range_end(prefix))
        return {meta["key"][len(prefix):].decode(): value.decode() for value, meta in kvs}

    def _is_alive(self, group: str, member: str) -> bool:
        with self._borrowed_client() as client:
            return bool(self._call("get member", client.get,
                                   self._member_key(group, member)))

    def _register(self, client, registration: _Registration) -> None:
        lease_id, granted = self._grant(client, registration.ttl)
        try:
            self._call("register member", client.put, registration.key, registration.value,
                       lease=etcd3gw.Lease(lease_id, client))
        except (exception.CoordinationUnavailable, _LeaseNotFound) as exc:
            self._revoke_quietly(client, lease_id)
            if isinstance(exc, _LeaseNotFound):
                raise exception.CoordinationUnavailable(
                    reason="lease expired before use") from exc
            raise
        registration.lease_id = lease_id
        registration.kept(granted)

    # --- locks ---------------------------------------------------------------------
    def _acquire(self, name: str, timeout: float, ttl: float) -> base.LockToken:
        deadline = time.monotonic() + timeout
        token = base.LockToken(name)
        holding = _Holding(token, self._lock_key(name), ttl)
        with self._mutex:
            self._holdings[token.owner] = holding
        backoff = _BACKOFF_MIN
        try:
            with self._borrowed_client() as client:
                while True:
                    with self._mutex:
                        if self._holdings.get(token.owner) is not holding:
                            raise exception.NotStarted()  # stopped while waiting
                        lease_id = holding.lease_id
                    if lease_id is None:  # first try, or expired while waiting
                        lease_id, granted = self._grant(client, ttl)
                        with self._mutex:
                            holding.lease_id = lease_id
                            holding.kept(granted)
                        self._wake.set()
                    try:
                        won, revision = self._try_lock(client, holding.key, token.owner,
                                                       lease_id)
                    except _LeaseNotFound:
                        with self._mutex:
                            holding.lease_id = None
                        continue
                    if won:
                        with self._mutex:
                            if self._holdings.get(token.owner) is not holding:
                                raise exception.NotStarted()  # stopped meanwhile
                            holding.acquired = True
                        return token
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise exception.LockTimeout(name=name, timeout=timeout)
                    wait = min(remaining, _WATCH_RECHECK)
                    began = time.monotonic()
                    if self._watch(client, holding.key, revision + 1, wait):
                        backoff = _BACKOFF_MIN
                    elif time.monotonic() - began < wait:  # failed early
                        time.sleep(min(backoff, max(0.0, deadline - time.monotonic())))
                        backoff = min(backoff * 2, _BACKOFF_MAX)
        except BaseException:
            with self._mutex:
                if self._holdings.get(token.owner) is holding:
                    del self._holdings[token.owner]
            if holding.lease_id is not None:
                with self._borrowed_client() as client:
                    self._revoke_quietly(client, holding.lease_id)
            raise

    def _release(self, token: base.LockToken) -> bool:
        with self._mutex:
            holding = self._holdings.pop(token.owner, None)
        if holding is None or token.lost:
            token.mark_lost()
            return False
        key = _b64(holding.key)
        txn = {"compare": [{"key": key, "result": "EQUAL", "target": "VALUE",
                            "value": _b64(token.owner.encode())}],
               "success": [{"request_delete_range": {"key": key}}],
               "failure": []}
        with self._borrowed_client() as client:
            try:
                held = bool(self._call("release lock", client.transaction, txn)
                            .get("succeeded"))
            finally:
                self._revoke_quietly(client, holding.lease_id)
        if not held:
            token.mark_lost()
        return held

    def _try_lock(self, client, key: bytes, owner: str, lease_id: int) -> tuple[bool, int]:
        """One compare-and-create; returns (won, the store revision it saw)."""
        txn = {"compare": [{"key": _b64(key), "result": "EQUAL", "target": "CREATE",
                            "create_revision": 0}],
               "success": [{"request_put": {"key": _b64(key), "value": _b64(owner.encode()),
                                            "lease": lease_id}}],
               "failure": []}
        result = self._call("acquire lock", client.transaction, txn)
        return bool(result.get("succeeded")), int(result["header"]["revision"])

    def _watch(self, client, key: bytes, start_revision: int, timeout: float) -> bool:
        """Wait up to ``timeout`` for a change of ``key`` at or after ``start_revision``.

        True on a change; False on timeout, or early on any error (the caller tries
        the lock again, which reports a real outage).
        """
        body = {"create_request": {"key": _b64(key), "start_revision": start_revision}}
        try:
            with client.session.post(client.get_url("/watch"), json=body, stream=True,
                                     timeout=(self._request_timeout, timeout)) as resp:
                if resp.status_code != 200:
                    return False
                buffered = b""
                for chunk in resp.iter_content(chunk_size=None):
                    buffered += chunk
                    *lines, buffered = buffered.split(b"\n")
                    for line in lines:
                        if not line.strip():
                            continue
                        result = json.loads(line).get("result", {})
                        if result.get("events"):
                            return True
                        if result.get("canceled"):  # e.g. revision compacted
                            return False
        except (requests.RequestException, ValueError):
            pass
        return False

    # --- keep-alive thread ------------------------------------------------------------
    def _keepalive_loop(self, stopping: threading.Event, wake: threading.Event) -> None:
        client = self._new_client()
        try:
            while not stopping.is_set():
                wake.clear()
                self._keep_all(client, stopping)
                wake.wait(self._seconds_to_next_due())
        except Exception:  # a bug: say so loudly, members will be reported down
            LOG.exception("etcd keep-alive thread failed")
            raise
        finally:
            client.session.close()

    def _keep_all(self, client, stopping: threading.Event) -> None:
        now = time.monotonic()
        with self._registration_lock:
            for registration in list(self._registrations.values()):
                if stopping.is_set():
                    return
                if registration.due <= now:
                    self._keep_registration(client, registration)
        with self._mutex:
            holdings = [h for h in self._holdings.values()
                        if h.lease_id is not None and h.due <= now]
        for holding in holdings:
            if stopping.is_set():
                return
            self._keep_holding(client, holding)

    def _keep_registration(self, client, registration: _Registration) -> None:
        """Refresh; register again if etcd expired it meanwhile (caller holds the
        registration lock)."""
        try:
            if registration.lease_id is not None:
                granted = self._refresh(client, registration.lease_id)
                if granted > 0:
                    registration.kept(granted)
                    return
                LOG.warning("%s had expired in etcd (not refreshed for its TTL of %s s); "
                            "registering it again", registration.what, registration.ttl)
                registration.lease_id = None
            self._register(client, registration)
            LOG.info("Registered %s again", registration.what)
        except exception.CoordinationUnavailable as exc:
            registration.failed(exc)

    def _keep_holding(self, client, holding: _Holding) -> None:
        lease_id = holding.lease_id
        try:
            granted = self._refresh(client, lease_id)
        except exception.CoordinationUnavailable as exc:
            with self._mutex:
                holding.failed(exc)
            return
        with self._mutex:
            if self._holdings.get(holding.token.owner) is not holding \
                    or holding.lease_id != lease_id:
                return  # released or re-granted meanwhile
            if granted > 0:
                holding.kept(granted)
                return
            if not holding.acquired:
                holding.lease_id = None  # the waiter takes a new lease
                return
            del self._holdings[holding.token.owner]
        holding.token.mark_lost()
        LOG.error("Lost %s: its lease expired in etcd (not refreshed for its TTL of %s s); "
                  "another holder may have it now", holding.what, holding.ttl)

    def _seconds_to_next_due(self) -> float | None:
        with self._registration_lock:
            dues = [r.due for r in self._registrations.values()]
        with self._mutex:
            dues += [h.due for h in self._holdings.values() if h.lease_id is not None]
        return max(0.0, min(dues) - time.monotonic()) if dues else None

    # --- etcd calls ------------------------------------------------------------------
    def _grant(self, client, ttl: float) -> tuple[int, int]:
        result = self._call("grant lease", client.post, client.get_url("/lease/grant"),
                            json={"TTL": math.ceil(ttl), "ID": 0})
        return int(result["ID"]), int(result["TTL"])

    def _refresh(self, client, lease_id: int) -> int:
        """The lease's TTL after refreshing, or -1 if etcd no longer has it."""
        try:
            return self._call("refresh lease", etcd3gw.Lease(lease_id, client).refresh)
        except _LeaseNotFound:
            return -1

    def _revoke(self, client, lease_id: int) -> None:
        try:
            self._call("revoke lease", etcd3gw.Lease(lease_id, client).revoke)
        except _LeaseNotFound:
            pass  # expired already: same outcome

    def _revoke_quietly(self, client, lease_id: int) -> None:
        try:
            self._revoke(client, lease_id)
        except exception.CoordinationUnavailable as exc:
            LOG.debug("Could not revoke lease %x (it expires by itself): %s", lease_id, exc)

    def _call(self, what: str, func, *args, **kwargs):
        """Call etcd3gw; failures become CoordinationUnavailable (or _LeaseNotFound)."""
        try:
            return func(*args, **kwargs)
        except etcd_exceptions.Etcd3Exception as exc:
            detail = exc.detail_text or ""
            if "lease not found" in detail:
                raise _LeaseNotFound(detail) from exc
            reason = f"{what} at {self.url}: {type(exc).__name__} {detail}".strip()
            raise exception.CoordinationUnavailable(reason=reason) from exc
        except (requests.RequestException, ValueError) as exc:
            reason = f"{what} at {self.url}: {type(exc).__name__}: {exc}"
            raise exception.CoordinationUnavailable(reason=reason) from exc

    # --- clients ---------------------------------------------------------------------
    def _new_client(self) -> etcd3gw.Etcd3Client:
        session = requests.Session()
        session.trust_env = False  # etcd is reached directly, never through a proxy
        ca_cert, cert_cert, cert_key = self._tls
        if ca_cert:
            session.verify = ca_cert
        if cert_cert and cert_key:
            session.cert = (cert_cert, cert_key)
        return etcd3gw.Etcd3Client(host=self.host, port=self.port, protocol=self.protocol,
                                   timeout=self._request_timeout, api_path=self._api_path,
                                   session=session)

    @contextlib.contextmanager
    def _borrowed_client(self):
        """An etcd3gw client (own HTTP session) for this thread for a while."""
        with self._mutex:
            client = self._idle.pop() if self._idle else None
            generation = self._generation
        if client is None:
            client = self._new_client()
        try:
            yield client
        finally:
            with self._mutex:
                keep = generation == self._generation and len(self._idle) < _MAX_IDLE_CLIENTS
                if keep:
                    self._idle.append(client)
            if not keep:
                client.session.close()

    def _member_key(self, group: str, member: str) -> bytes:
        return f"{self.prefix}/members/{group}/{member}".encode()

    def _lock_key(self, name: str) -> bytes:
        return f"{self.prefix}/locks/{name}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _range_end(prefix: bytes) -> bytes:
    """The end of the key range of every key that starts with ``prefix``."""
    # Every prefix used here ends with "/", so the last byte never is 0xff.
    return prefix[:-1] + bytes([prefix[-1] + 1])

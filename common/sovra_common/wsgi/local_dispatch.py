"""A process's calls to an API it serves itself, handed to that API's app directly.

In lite mode one process serves every API, and a service calling another (compute
to placement and to the image service, an API to identity) would send each
request through requests' connection pool, a loopback socket, and cheroot's parser
and thread pool, and its answer back the same way: about as much CPU as the call's
own work, and a connection churned whenever more threads called at once than the
pool keeps. ``ApiServer.start()`` registers its app under the address it listens
on; the service sessions (:mod:`sovra_common.auth.sessions`) mount
:class:`LocalDispatchAdapter`, which gives a request for a registered address to
that app in the calling thread. The app is the one the socket reaches, with every
layer: request id, token validation, microversions, policy. What is skipped is
only the transport. Any other address (another process's API, an ``https``
endpoint behind a TLS proxy) goes over HTTP as before.

The call runs in a copy of the caller's :mod:`contextvars` context, with oslo's
per-thread "current request context" put back afterwards, so that the callee's
request (its Flask contexts, its database transaction, its context for log lines)
does not leak into the caller's, nor the caller's into it. A body the app streams
is read through the same copied context. ``timeout`` is not enforced: the call
runs in the caller's thread, as a function call would.
"""

from __future__ import annotations

import contextvars
import io
import logging
import sys
import threading
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from oslo_context import context as oslo_context
from requests import adapters
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

LOG = logging.getLogger(__name__)

# (host, port) -> WSGI app
_APPS: dict[tuple[str, int], object] = {}
_LOCK = threading.Lock()
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_ANY = frozenset({"0.0.0.0", "::", ""})


def register(host: str, port: int, app) -> None:
    """Serve calls from this process to ``http://host:port`` with ``app``."""
    with _LOCK:
        _APPS[(_host_key(host), port)] = app


def unregister(host: str, port: int) -> None:
    with _LOCK:
        _APPS.pop((_host_key(host), port), None)


def app_for(url: str):
    """The app this process serves at ``url``'s address, or None."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not _APPS:
        return None
    try:
        port = parts.port or 80
    except ValueError:
        return None
    host = _host_key(parts.hostname or "")
    app = _APPS.get((host, port))
    if app is None and host in _LOOPBACK:
        # a server bound to every address (or to another loopback name) answers
        # on loopback too; "::" is kept as "0.0.0.0" (_host_key)
        for name in ("0.0.0.0", *_LOOPBACK):
            app = _APPS.get((name, port))
            if app is not None:
                break
    return app


def _host_key(host: str) -> str:
    host = host.strip("[]").lower()
    return "0.0.0.0" if host in _ANY else host


class LocalDispatchAdapter(adapters.BaseAdapter):
    """A requests transport adapter: registered addresses in-process, the others
    through ``fallback`` (an HTTPAdapter)."""

    def __init__(self, fallback: adapters.HTTPAdapter):
        super().__init__()
        self.fallback = fallback

    def send(self, request, stream=False, timeout=None, verify=True, cert=None,
             proxies=None):
        app = app_for(request.url)
        if app is None:
            return self.fallback.send(request, stream=stream, timeout=timeout,
                                      verify=verify, cert=cert, proxies=proxies)
        return _call(app, request, self, stream)

    def close(self):
        self.fallback.close()


class LocalFirstSession(requests.Session):
    """A requests session that mounts :class:`LocalDispatchAdapter` for ``http://``
    and, for a call that adapter serves in-process, skips what requests reads
    from the environment on every request: proxies (``*_PROXY``, ``NO_PROXY``),
    ``~/.netrc`` credentials and ``REQUESTS_CA_BUNDLE``. They are about the
    network, which such a call does not cross, and reading them cost as much as a
    fifth of an in-process call. Calls to any other address get the environment
    as before."""

    def __init__(self, fallback: adapters.HTTPAdapter):
        super().__init__()
        self.mount("http://", LocalDispatchAdapter(fallback))

    def prepare_request(self, request):
        if request.auth is None and self.auth is None and app_for(request.url):
            request.auth = _no_auth  # requests would look for ~/.netrc credentials
        return super().prepare_request(request)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        if app_for(url) is None:
            return super().merge_environment_settings(url, proxies, stream, verify,
                                                      cert)
        return {"proxies": proxies or {}, "stream": stream, "verify": verify,
                "cert": cert}


def _no_auth(request):
    return request


def _call(app, request, adapter, stream: bool) -> requests.Response:
    ctx = contextvars.copy_context()
    store = oslo_context._request_store  # the thread's "current" oslo context
    saved = getattr(store, "context", None)
    started: list = []
    written: list[bytes] = []  # what the app gave WSGI's write(), before its body

    def start_response(status, headers, exc_info=None):
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return written.append

    try:
        try:
            result = ctx.run(app, _environ(request), start_response)
            body = _Body(ctx, result, b"".join(written))
            if not started:
                body.peek()  # an app may start its response on the first chunk
            if not started:
                raise RuntimeError("the app returned without starting a response")
        except Exception:
            # what a WSGI server answers when the app fails before its response
            LOG.exception("in-process call %s %s failed", request.method, request.url)
            started[:] = ["500 Internal Server Error", [("Content-Type", "text/plain")]]
            body = _Body(ctx, [b"Internal Server Error"], b"")
        response = _response(request, adapter, started[0], started[1], body)
        if not stream:
            try:
                response.content  # noqa: B018 read it all now, as HTTPAdapter does
            finally:
                body.close()
        return response
    finally:
        if saved is not None:
            store.context = saved
        elif hasattr(store, "context"):
            del store.context


def _environ(request) -> dict:
    parts = urlsplit(request.url)
    port = parts.port or 80
    body = request.body
    environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        # WSGI's PATH_INFO: the decoded path's bytes, as latin-1
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        # the input below ends where the body ends (see wsgi.server)
        "wsgi.input_terminated": True,
        "HTTP_HOST": parts.netloc,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key == "TRANSFER_ENCODING":
            continue  # the body is handed over whole, not chunked
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    if body is None:
        environ["wsgi.input"] = io.BytesIO(b"")
    elif isinstance(body, (bytes, str)):
        data = body.encode("utf-8") if isinstance(body, str) else body
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
    elif hasattr(body, "read"):
        environ["wsgi.input"] = body
    else:
        environ["wsgi.input"] = _Chunks(iter(body))
    return environ


def _response(request, adapter, status: str, headers, raw) -> requests.Response:
    response = requests.Response()
    code, _, reason = status.partition(" ")
    response.status_code = int(code)
    response.reason = reason
    response.headers = CaseInsensitiveDict(headers)
    response.encoding = get_encoding_from_headers(response.headers)
    response.raw = raw
    response.url = request.url
    response.request = request
    response.connection = adapter
    return response


class _Chunks(io.RawIOBase):
    """An iterable of byte (or text) chunks as a readable stream: a request body
    requests streams from a generator, as the ``wsgi.input`` stream."""

    def __init__(self, chunks):
        super().__init__()
        self._chunks = iter(chunks)
        self._buffer = bytearray()
        self._done = False

    def readable(self):
        return True

    def _next_chunk(self):
        return next(self._chunks, None)

    def _fill(self, size) -> None:
        while not self._done and (size is None or size < 0 or len(self._buffer) < size):
            chunk = self._next_chunk()
            if chunk is None:
                self._done = True
            else:
                self._buffer += chunk.encode("utf-8") if isinstance(chunk, str) else chunk

    def peek(self) -> None:
        self._fill(1)

    def read(self, size=-1, **_):
        self._fill(size)
        if size is None or size < 0 or size >= len(self._buffer):
            data = bytes(self._buffer)
            self._buffer.clear()
        else:
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
        return data

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class _Body(_Chunks):
    """The app's response iterable as the response's ``raw`` stream, each chunk
    pulled in the call's context; the iterable is closed (as WSGI asks) once read
    to its end, or when the response is closed."""

    def __init__(self, ctx, result, written: bytes):
        super().__init__(())
        self._buffer += written
        self._ctx = ctx
        self._result = result
        self._chunks = ctx.run(iter, result)

    def _next_chunk(self):
        try:
            chunk = self._ctx.run(next, self._chunks, None)
        except Exception as exc:
            LOG.exception("in-process response body failed")
            self._close_result()
            # what a client sees when a server drops the connection mid-body
            raise requests.exceptions.ChunkedEncodingError(exc) from exc
        if chunk is None:
            self._close_result()
        return chunk

    def _close_result(self):
        result, self._result = self._result, None
        close = getattr(result, "close", None)
        if close is not None:
            self._ctx.run(close)

    def close(self):
        self._close_result()
        super().close()

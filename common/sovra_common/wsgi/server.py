"""Serving an API over HTTP: cheroot, a threaded pure-Python WSGI server.

Why cheroot: it is production-grade (CherryPy's server, maintained), needs no C
build, and several servers run in one process, which lite mode's all-in-one
process and the functional tests both need. Full mode runs one process per API,
each with its own ``ApiServer``.

``ApiServer(app, host, port).start()`` serves in a background thread (port 0 picks
a free one: read ``.port``). Processes run it through ``sovra_common.process``.
The process's own service sessions reach a started server's app without the
socket (:mod:`sovra_common.wsgi.local_dispatch`).
"""

from __future__ import annotations

import logging
import threading

from cheroot import wsgi

from sovra_common.wsgi import local_dispatch

LOG = logging.getLogger(__name__)


def _input_terminated(app):
    """cheroot's wsgi.input always ends where the body ends (a de-chunked body, or
    Content-Length bytes), but it does not say so; without the flag werkzeug reads a
    body that has no Content-Length (chunked uploads) as empty."""
    def call(environ, start_response):
        environ["wsgi.input_terminated"] = True
        return app(environ, start_response)
    return call


#: idle keep-alive client connections a server keeps, at most
KEEP_ALIVE_CONNECTIONS = 256


class ApiServer:
    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *,
                 threads: int = 16, name: str = "sovra"):
        self.name = name
        self._app = app
        # request_queue_size: the listen backlog (cheroot's default, 5, made
        # clients connecting at once see resets and 1 s SYN retries)
        self._server = wsgi.Server((host, port), _input_terminated(app),
                                   numthreads=threads, server_name=name,
                                   request_queue_size=128)
        # idle keep-alive connections kept open (each an fd; closed after
        # wsgi.Server.timeout, 10 s, of idleness): past cheroot's default of 10
        # every answer said "Connection: close" and each further client
        # reconnected for every request
        self._server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
        self._thread: threading.Thread | None = None

    @classmethod
    def for_api(cls, app, conf, default_port: int, name: str) -> ApiServer:
        """The server of a service's REST API, as its ``[api]`` options say
        (``bind_port`` unset: ``default_port``)."""
        return cls(app, conf.api.bind_host, conf.api.bind_port or default_port,
                   threads=conf.api.threads, name=name)

    @property
    def host(self) -> str:
        return self._server.bind_addr[0]

    @property
    def port(self) -> int:
        return self._server.bind_addr[1]

    @property
    def url(self) -> str:
        host = self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def start(self) -> ApiServer:
        """Bind (raising OSError at once if the address is taken) and serve in a
        daemon thread."""
        self._server.prepare()
        self._thread = threading.Thread(target=self._server.serve, daemon=True,
                                        name=f"{self.name}-http")
        self._thread.start()
        # this process's own calls to this address skip the socket (local_dispatch)
        local_dispatch.register(self.host, self.port, self._app)
        LOG.info("%s API listening on %s", self.name, self.url)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, finish requests in flight, release the port. Idempotent."""
        if self._thread is None:
            return
        local_dispatch.unregister(self.host, self.port)
        self._server.stop()
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

"""Base of the RPC endpoints (``<X>Endpoint``) and the servers that run them.

An endpoint declares the version it implements and exposes its public methods::

    class ComputeAgentEndpoint(RPCEndpoint):
        target = oslo_messaging.Target(version="1.1")

        def build_instance(self, ctxt, instance, flavor=None):  # flavor: since 1.1
            ...

A server at 1.1 accepts calls of versions 1.0 to 1.1, so an argument added in a
minor version needs a default (older clients do not send it). Every public method
is callable over RPC; keep helpers private (leading underscore). Arguments and
return values must be JSON-serialisable.

Servers run handlers on a pool of up to [DEFAULT] executor_thread_pool_size threads
(oslo.messaging's threading executor model). ``stop()`` stops taking messages, waits
for the handlers in progress, and releases the listener.
"""

import concurrent.futures
import functools
import logging
from typing import ClassVar

import oslo_messaging

from sovra_common import exception
from sovra_common.rpc.client import parse_version
from sovra_common.rpc.notifier import NOTIFICATION_TOPIC
from sovra_common.rpc.serializer import RequestContextSerializer

LOG = logging.getLogger(__name__)


class RPCEndpoint:
    """Base of every ``<X>Endpoint``: set ``target`` to a Target with a version.

    It defines no public method, so the RPC surface of a subclass is exactly its
    own public methods (what ``fingerprint()`` pins).
    """

    target: ClassVar[oslo_messaging.Target]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        target = getattr(cls, "target", None)
        if not isinstance(target, oslo_messaging.Target) or target.version is None:
            raise TypeError(f"{cls.__name__} must set target = "
                            "oslo_messaging.Target(version='MAJOR.MINOR')")
        parse_version(target.version)


def expected_errors(*exc_types: type[BaseException]):
    """Mark an endpoint method's exceptions that are outcomes, not faults.

    They still reach the caller as themselves; the server just does not log them
    as "Exception during message handling" with a traceback. With no argument,
    every domain exception (SovraError) is expected. The wrapper keeps the
    signature, so fingerprints see through it.
    """
    expected = exc_types or (exception.SovraError,)

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except expected:
                raise oslo_messaging.ExpectedException() from None
        return wrapper
    return decorate


class _Server:
    """Start/stop around an oslo.messaging server; also a context manager."""

    def __init__(self, server):
        if server.executor_type != "threading":  # eventlet monkey-patching is not ours
            raise RuntimeError(f"expected the threading executor, got "
                               f"{server.executor_type}")
        # oslo.messaging's "threading" executor is futurist's thread pool, whose idle
        # workers notice a shutdown only when their 1 s poll times out: every stop()
        # took a second (measured), which lite mode and every test pay per server.
        # The standard library's pool has the same interface, stops at once and
        # hands work over faster. (A private attribute: if a later oslo.messaging
        # drops it, servers keep working, and stop slowly again.)
        if hasattr(server, "_executor_cls"):
            server._executor_cls = concurrent.futures.ThreadPoolExecutor
        self._server = server
        self._running = False

    def start(self):
        """Start taking messages; returns self."""
        if not self._running:
            self._server.start()
            self._running = True
        return self

    def stop(self) -> None:
        """Stop taking messages, wait for the handlers in progress, release the
        listener. Does nothing if not running, so it is safe in any teardown."""
        if not self._running:
            return
        self._running = False
        self._server.stop()
        self._server.wait()

    @property
    def running(self) -> bool:
        return self._running

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class RPCServer(_Server):
    """Serve ``endpoints`` on ``topic`` (any one of its servers) and on
    ``topic.host`` (this node only), including fanout casts to the topic."""

    def __init__(self, transport: oslo_messaging.Transport, topic: str, host: str,
                 endpoints: list[RPCEndpoint], *,
                 serializer: oslo_messaging.Serializer | None = None):
        for endpoint in endpoints:
            if not isinstance(endpoint, RPCEndpoint):
                raise TypeError(f"{type(endpoint).__name__} is not an RPCEndpoint")
        self.topic = topic
        self.host = host
        super().__init__(oslo_messaging.get_rpc_server(
            transport,
            oslo_messaging.Target(topic=topic, server=host),
            endpoints,
            serializer=serializer or RequestContextSerializer(),
            access_policy=oslo_messaging.DefaultRPCAccessPolicy))


class NotificationListener(_Server):
    """Deliver notifications to ``endpoints``: objects with a method per priority
    they want, e.g. ``info(self, ctxt, publisher_id, event_type, payload,
    metadata)``, optionally filtered by a ``filter_rule``
    (oslo_messaging.NotificationFilter).

    Listeners with the same ``pool`` share the messages (each gets some); every
    pool, and the default pool (None), gets its own copy of each notification.
    """

    def __init__(self, transport: oslo_messaging.Transport, endpoints: list, *,
                 pool: str | None = None, topics=(NOTIFICATION_TOPIC,),
                 serializer: oslo_messaging.Serializer | None = None):
        super().__init__(oslo_messaging.get_notification_listener(
            transport,
            [oslo_messaging.Target(topic=topic) for topic in topics],
            endpoints,
            serializer=serializer or RequestContextSerializer(),
            pool=pool))

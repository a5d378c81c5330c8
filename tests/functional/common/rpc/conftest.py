"""Functional tests of sovra_common.rpc: real oslo.messaging servers, in-process buses.

``bus`` gives each test a fresh bus and stops whatever the test started. Tests that
take ``any_bus`` run once per transport: ``sovra-inproc://`` (lite mode) and
oslo.messaging's own ``fake://`` (which polls every 50 ms: keep those tests few).
"""

import threading
import uuid

import pytest

from sovra_common import conf as sovra_conf
from sovra_common import context as sovra_context
from sovra_common import rpc


class Bus:
    """One bus for one test: conf, transports, and the servers started on them."""

    def __init__(self, url, **messaging_opts):
        self.conf = sovra_conf.new_conf()
        sovra_conf.load(self.conf, "sovra-test", config_files=[])
        self.conf.set_override("transport_url", url, group="messaging")
        for name, value in messaging_opts.items():
            self.conf.set_override(name, value, group="messaging")
        self.serializer = rpc.RequestContextSerializer(
            context_factory=sovra_context.RequestContext.from_dict)
        self.transport = rpc.build_rpc_transport(self.conf)
        self.notification_transport = rpc.build_notification_transport(self.conf)
        self._servers = []

    def serve(self, topic, host, *endpoints):
        server = rpc.RPCServer(self.transport, topic, host, list(endpoints),
                               serializer=self.serializer)
        self._servers.append(server)
        return server.start()

    def listen(self, *endpoints, pool=None):
        listener = rpc.NotificationListener(self.notification_transport,
                                            list(endpoints), pool=pool,
                                            serializer=self.serializer)
        self._servers.append(listener)
        return listener.start()

    def client(self, api_cls, **kwargs):
        return api_cls(self.transport, serializer=self.serializer, **kwargs)

    def notifier(self, publisher_id):
        return rpc.Notifier(self.notification_transport, publisher_id,
                            serializer=self.serializer)

    def close(self):
        for server in reversed(self._servers):
            server.stop()
        self.notification_transport.cleanup()
        self.transport.cleanup()


def inproc_url():
    return f"sovra-inproc:///test-{uuid.uuid4().hex}"


@pytest.fixture
def make_bus():
    """``make_bus(url=None, **messaging_opts)``: more buses (each with its own conf),
    closed after the test. Without a url, a new sovra-inproc:// virtual host."""
    buses = []

    def make(url=None, **messaging_opts):
        bus = Bus(url or inproc_url(), **messaging_opts)
        buses.append(bus)
        return bus

    yield make
    for bus in reversed(buses):
        bus.close()


@pytest.fixture
def bus(make_bus):
    """A sovra-inproc:// bus of this test's own."""
    return make_bus()


@pytest.fixture(params=["sovra-inproc", "fake"])
def any_bus(request):
    """The test runs once on sovra-inproc:// and once on oslo.messaging's fake://."""
    url = inproc_url() if request.param == "sovra-inproc" else "fake://"
    bus = Bus(url)
    yield bus
    bus.close()


@pytest.fixture
def topic():
    """A topic of this test's own (fake:// has one global bus)."""
    return f"widget-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def ctxt():
    return sovra_context.RequestContext(user_id="u1", project_id="p1",
                                        roles=["member"])


class Inbox:
    """Collects what arrives on other threads; wait() for a count."""

    def __init__(self):
        self.items = []
        self._cond = threading.Condition()

    def add(self, item):
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait(self, count=1, timeout=5.0):
        with self._cond:
            self._cond.wait_for(lambda: len(self.items) >= count, timeout)
            return list(self.items)


@pytest.fixture
def inbox():
    return Inbox()

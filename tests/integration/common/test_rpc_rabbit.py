"""sovra_common.rpc through a real RabbitMQ: the round trips of full mode."""

import threading
import uuid

import oslo_messaging
import pytest

from sovra_common import conf as sovra_conf
from sovra_common import context as sovra_context
from sovra_common import exception, rpc


class WidgetEndpoint(rpc.RPCEndpoint):
    target = oslo_messaging.Target(version="1.1")

    def __init__(self, name, poked=None):
        self.name = name
        self.poked = poked

    def describe(self, ctxt, widget_id, colour="grey"):
        return {"id": widget_id, "colour": colour, "served_by": self.name,
                "user_id": ctxt.user_id}

    def poke(self, ctxt, widget_id):
        self.poked.append((self.name, widget_id))
        self.poked.event.set()

    @rpc.expected_errors(exception.NotFound)
    def find(self, ctxt, widget_id):
        raise exception.NotFound(f"Widget {widget_id} could not be found.")


class WidgetAPI(rpc.RPCAPI):
    """1.0 - Initial version.
    1.1 - describe takes colour.
    """

    TOPIC = "set per test"
    VERSION = "1.1"


class Poked(list):
    def __init__(self):
        super().__init__()
        self.event = threading.Event()


@pytest.fixture
def bus(rabbitmq_url):
    conf = sovra_conf.new_conf()
    sovra_conf.load(conf, "sovra-test", config_files=[])
    conf.set_override("transport_url", rabbitmq_url, group="messaging")
    serializer = rpc.RequestContextSerializer(
        context_factory=sovra_context.RequestContext.from_dict)
    transport = rpc.build_rpc_transport(conf)
    notification_transport = rpc.build_notification_transport(conf)
    started = []

    class Bus:
        topic = f"widget-{uuid.uuid4().hex[:12]}"
        api = type("WidgetAPI", (WidgetAPI,), {"TOPIC": topic})(
            transport, serializer=serializer)

        @staticmethod
        def serve(host, endpoint):
            server = rpc.RPCServer(transport, Bus.topic, host, [endpoint],
                                   serializer=serializer)
            started.append(server)
            return server.start()

        @staticmethod
        def listen(endpoint, pool):
            listener = rpc.NotificationListener(notification_transport, [endpoint],
                                                pool=pool, serializer=serializer)
            started.append(listener)
            return listener.start()

        notifier = rpc.Notifier(notification_transport, "widget.node1",
                                serializer=serializer)

    yield Bus
    for server in reversed(started):
        server.stop()
    notification_transport.cleanup()
    transport.cleanup()


@pytest.fixture
def ctxt():
    return sovra_context.RequestContext(user_id="u1", project_id="p1", roles=["member"])


def test_call_round_trip(bus, ctxt):
    bus.serve("node1", WidgetEndpoint("node1"))
    reply = bus.api.prepare("1.1").call(ctxt, "describe", widget_id="w1", colour="blue")
    assert reply == {"id": "w1", "colour": "blue", "served_by": "node1", "user_id": "u1"}


def test_call_to_one_host(bus, ctxt):
    bus.serve("node1", WidgetEndpoint("node1"))
    bus.serve("node2", WidgetEndpoint("node2"))
    for _ in range(3):
        reply = bus.api.prepare("1.0", server="node2").call(ctxt, "describe",
                                                            widget_id="w1")
        assert reply["served_by"] == "node2"


def test_cast_round_trip(bus, ctxt):
    poked = Poked()
    bus.serve("node1", WidgetEndpoint("node1", poked))
    bus.api.prepare("1.0").cast(ctxt, "poke", widget_id="w1")
    assert poked.event.wait(10)
    assert poked == [("node1", "w1")]


def test_domain_exception_arrives_as_itself(bus, ctxt):
    bus.serve("node1", WidgetEndpoint("node1"))
    with pytest.raises(exception.NotFound) as info:
        bus.api.prepare("1.0").call(ctxt, "find", widget_id="w404")
    assert type(info.value) is exception.NotFound
    assert str(info.value) == "Widget w404 could not be found."


def test_call_timeout(bus, ctxt):
    bus.serve("node1", WidgetEndpoint("node1"))
    with pytest.raises(oslo_messaging.MessagingTimeout):
        bus.api.prepare("1.0", server="node-gone", timeout=1).call(
            ctxt, "describe", widget_id="w1")


def test_notification_reaches_a_listener(bus, ctxt):
    received = []
    arrived = threading.Event()

    class Audit:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            if payload.get("id") == widget_id:
                received.append((publisher_id, event_type, payload, ctxt.user_id))
                arrived.set()

    widget_id = uuid.uuid4().hex
    # a pool of this test's own: its queue gets a copy whoever else listens
    bus.listen(Audit(), pool=f"test-{widget_id}")
    bus.notifier.info(ctxt, "widget.widget.create.end", {"id": widget_id})
    assert arrived.wait(10)
    assert received == [("widget.node1", "widget.widget.create.end",
                         {"id": widget_id}, "u1")]

"""Call, cast, topic.host, fanout, errors, timeout, notifications, version caps:
written once, run on sovra-inproc:// and on oslo.messaging's fake://."""

import oslo_messaging
import pytest

from sovra_common import exception, rpc
from sovra_common.rpc import RPCAPI, RPCEndpoint


class WidgetBug(Exception):
    """From a module the callers do not allow: it cannot cross as itself."""


def remote_error_type(excinfo) -> str:
    """The remote exception's class name. Over a real bus (and sovra-inproc://) a
    non-allowed exception arrives as RemoteError; fake:// hands over the exception
    object itself, unserialised."""
    if isinstance(excinfo.value, oslo_messaging.RemoteError):
        return excinfo.value.exc_type
    return type(excinfo.value).__name__


class WidgetEndpoint(RPCEndpoint):
    target = oslo_messaging.Target(version="1.1")

    def __init__(self, name, inbox=None):
        self.name = name
        self.inbox = inbox

    def describe(self, ctxt, widget_id, colour="grey"):  # colour: since 1.1
        return {"id": widget_id, "colour": colour, "served_by": self.name,
                "user_id": ctxt.user_id, "context": type(ctxt).__name__}

    def poke(self, ctxt, widget_id):
        self.inbox.add((self.name, widget_id))

    @rpc.expected_errors(exception.NotFound)
    def find(self, ctxt, widget_id):
        raise exception.NotFound(f"Widget {widget_id} could not be found.",
                                 widget_id=widget_id)

    def crash(self, ctxt, builtin=False):
        if builtin:
            raise KeyError("a builtin")
        raise WidgetBug("a bug")


class OldWidgetEndpoint(RPCEndpoint):
    """The same endpoint, not yet upgraded: version 1.0, no colour."""

    target = oslo_messaging.Target(version="1.0")

    def describe(self, ctxt, widget_id):
        return {"id": widget_id, "colour": None, "served_by": "old"}


class WidgetAPI(RPCAPI):
    """Version history:

        1.0 - Initial version.
        1.1 - describe takes colour.
    """

    TOPIC = "set per test"
    VERSION = "1.1"

    def describe(self, ctxt, widget_id, colour, host=None):
        version = self.choose_version("1.1", "1.0")
        kwargs = {"widget_id": widget_id}
        if version == "1.1":
            kwargs["colour"] = colour
        return self.prepare(version, server=host).call(ctxt, "describe", **kwargs)

    def poke(self, ctxt, widget_id, host=None, fanout=False):
        self.prepare("1.0", server=host, fanout=fanout).cast(ctxt, "poke",
                                                             widget_id=widget_id)

    def find(self, ctxt, widget_id):
        return self.prepare("1.0").call(ctxt, "find", widget_id=widget_id)

    def crash(self, ctxt, builtin=False):
        return self.prepare("1.0").call(ctxt, "crash", builtin=builtin)


def api_for(bus, topic, **kwargs):
    return bus.client(type("WidgetAPI", (WidgetAPI,), {"TOPIC": topic}), **kwargs)


def test_call_returns_the_result_with_the_context_rebuilt(any_bus, topic, ctxt):
    any_bus.serve(topic, "node1", WidgetEndpoint("node1"))
    result = api_for(any_bus, topic).describe(ctxt, "w1", "blue")
    assert result == {"id": "w1", "colour": "blue", "served_by": "node1",
                      "user_id": "u1", "context": "RequestContext"}


def test_cast_runs_without_waiting(any_bus, topic, ctxt, inbox):
    any_bus.serve(topic, "node1", WidgetEndpoint("node1", inbox))
    assert api_for(any_bus, topic).poke(ctxt, "w1") is None
    assert inbox.wait(1) == [("node1", "w1")]


def test_call_to_one_host_reaches_that_host_only(any_bus, topic, ctxt):
    for host in ("node1", "node2", "node3"):
        any_bus.serve(topic, host, WidgetEndpoint(host))
    api = api_for(any_bus, topic)
    for _ in range(3):
        assert api.describe(ctxt, "w1", "red", host="node2")["served_by"] == "node2"


def test_fanout_reaches_every_host(any_bus, topic, ctxt, inbox):
    for host in ("node1", "node2"):
        any_bus.serve(topic, host, WidgetEndpoint(host, inbox))
    api_for(any_bus, topic).poke(ctxt, "w9", fanout=True)
    assert sorted(inbox.wait(2)) == [("node1", "w9"), ("node2", "w9")]


def test_domain_exception_arrives_as_itself(any_bus, topic, ctxt):
    any_bus.serve(topic, "node1", WidgetEndpoint("node1"))
    with pytest.raises(exception.NotFound) as info:
        api_for(any_bus, topic).find(ctxt, "w404")
    assert type(info.value) is exception.NotFound
    assert str(info.value) == "Widget w404 could not be found."
    assert info.value.kwargs == {"widget_id": "w404"}
    assert info.value.error_code == exception.NotFound.error_code


def test_any_other_remote_exception_is_a_remote_error(any_bus, topic, ctxt):
    any_bus.serve(topic, "node1", WidgetEndpoint("node1"))
    with pytest.raises((oslo_messaging.RemoteError, WidgetBug)) as info:
        api_for(any_bus, topic).crash(ctxt)
    assert remote_error_type(info) == "WidgetBug"


def test_builtin_exceptions_always_cross_as_themselves(any_bus, topic, ctxt):
    # oslo.messaging rebuilds builtins whatever allowed_remote_exmods says
    any_bus.serve(topic, "node1", WidgetEndpoint("node1"))
    with pytest.raises(KeyError, match="a builtin"):
        api_for(any_bus, topic).crash(ctxt, builtin=True)


def test_call_nobody_answers_times_out(any_bus, topic, ctxt):
    any_bus.serve(topic, "node1", WidgetEndpoint("node1"))
    call = api_for(any_bus, topic).prepare("1.0", server="node-gone", timeout=0.2)
    with pytest.raises(oslo_messaging.MessagingTimeout):
        call.call(ctxt, "describe", widget_id="w1")


def test_client_capped_for_an_older_peer_degrades(any_bus, topic, ctxt):
    any_bus.serve(topic, "node1", OldWidgetEndpoint())
    capped = api_for(any_bus, topic, version_cap="1.0")
    assert capped.describe(ctxt, "w1", "blue") == \
        {"id": "w1", "colour": None, "served_by": "old"}
    # uncapped, the client sends 1.1, which the old peer refuses
    with pytest.raises((oslo_messaging.RemoteError,
                        oslo_messaging.UnsupportedVersion)) as info:
        api_for(any_bus, topic).describe(ctxt, "w1", "blue")
    assert remote_error_type(info) == "UnsupportedVersion"


def test_notification_reaches_a_listener(any_bus, ctxt, inbox):
    publisher = f"widget.{id(inbox)}"

    class Audit:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            if publisher_id == publisher:  # fake:// is one bus for the whole run
                inbox.add((type(ctxt).__name__, ctxt.user_id, event_type, payload))

    any_bus.listen(Audit())
    any_bus.notifier(publisher).info(ctxt, "widget.widget.create.end",
                                     {"id": "w1", "size": 3})
    assert inbox.wait(1) == [("RequestContext", "u1", "widget.widget.create.end",
                              {"id": "w1", "size": 3})]

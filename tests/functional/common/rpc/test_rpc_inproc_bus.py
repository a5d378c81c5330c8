"""What lite mode relies on from sovra-inproc://, beyond the shared round trips."""

import threading
import time

import oslo_messaging
import pytest

from sovra_common import exception
from sovra_common.rpc import RPCAPI, RPCEndpoint


class CounterEndpoint(RPCEndpoint):
    target = oslo_messaging.Target(version="1.0")

    def __init__(self, name, inbox=None):
        self.name = name
        self.inbox = inbox

    def whoami(self, ctxt, n=0):
        return {"name": self.name, "n": n}

    def record(self, ctxt, n):
        self.inbox.add((self.name, n))

    def unserialisable(self, ctxt):
        return {"at": object()}


class CounterAPI(RPCAPI):
    """1.0 - Initial version."""

    TOPIC = "counter"
    VERSION = "1.0"


def test_servers_on_one_topic_take_turns(bus, ctxt):
    for name in ("a", "b", "c"):
        bus.serve("counter", name, CounterEndpoint(name))
    call = bus.client(CounterAPI).prepare("1.0")
    served = [call.call(ctxt, "whoami")["name"] for _ in range(6)]
    assert sorted(served) == ["a", "a", "b", "b", "c", "c"]


def test_services_with_their_own_conf_share_the_bus_by_url(bus, make_bus, ctxt):
    url = bus.conf.messaging.transport_url
    agent, api_process = make_bus(url), make_bus(url)
    agent.serve("counter", "node1", CounterEndpoint("node1"))
    reply = api_process.client(CounterAPI).prepare("1.0").call(ctxt, "whoami", n=1)
    assert reply == {"name": "node1", "n": 1}


def test_virtual_hosts_do_not_see_each_other(bus, make_bus, ctxt):
    bus.serve("counter", "node1", CounterEndpoint("node1"))
    call = make_bus().client(CounterAPI).prepare("1.0", timeout=0.1)
    with pytest.raises(oslo_messaging.MessagingTimeout):
        call.call(ctxt, "whoami")


def test_casts_wait_for_a_restarted_server(bus, ctxt, inbox):
    first = bus.serve("counter", "node1", CounterEndpoint("first", inbox))
    first.stop()
    cast = bus.client(CounterAPI).prepare("1.0")
    for n in range(3):
        cast.cast(ctxt, "record", n=n)
    bus.serve("counter", "node1", CounterEndpoint("second", inbox))
    assert sorted(inbox.wait(3)) == [("second", 0), ("second", 1), ("second", 2)]


def test_many_threads_calling_at_once_each_get_their_own_reply(bus, ctxt):
    for name in ("a", "b"):
        bus.serve("counter", name, CounterEndpoint(name))
    call = bus.client(CounterAPI).prepare("1.0")
    wrong = []

    def caller(offset):
        for n in range(offset, offset + 50):
            if call.call(ctxt, "whoami", n=n)["n"] != n:
                wrong.append(n)

    threads = [threading.Thread(target=caller, args=(i * 1000,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_arguments_that_cannot_cross_a_bus_fail_at_the_sender(bus, ctxt):
    bus.serve("counter", "node1", CounterEndpoint("node1"))
    with pytest.raises(ValueError, match="Cannot convert"):
        bus.client(CounterAPI).prepare("1.0").call(ctxt, "whoami", n=object())


def test_a_result_that_cannot_cross_fails_the_call_at_once(bus, ctxt):
    bus.serve("counter", "node1", CounterEndpoint("node1"))
    started = time.monotonic()
    with pytest.raises(ValueError, match="Cannot convert"):
        bus.client(CounterAPI).prepare("1.0", timeout=30).call(ctxt, "unserialisable")
    assert time.monotonic() - started < 5


def test_notifications_are_kept_until_a_listener_comes(bus, ctxt, inbox):
    class Audit:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            inbox.add(event_type)

    bus.notifier("widget.node1").info(ctxt, "widget.widget.create.end", {"id": "w1"})
    bus.listen(Audit())
    assert inbox.wait(1) == ["widget.widget.create.end"]


def test_notification_pools_each_get_a_copy_and_share_it_within(bus, ctxt, inbox):
    class Audit:
        def __init__(self, name):
            self.name = name

        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            inbox.add((self.name, payload["n"]))

    bus.listen(Audit("default"))
    bus.listen(Audit("pool-a-1"), pool="a")
    bus.listen(Audit("pool-a-2"), pool="a")
    notifier = bus.notifier("widget.node1")
    for n in range(4):
        notifier.info(ctxt, "widget.widget.update", {"n": n})
    got = inbox.wait(8)
    assert sorted(n for name, n in got if name == "default") == [0, 1, 2, 3]
    assert sorted(n for name, n in got if name.startswith("pool-a")) == [0, 1, 2, 3]
    assert {name for name, _ in got} == {"default", "pool-a-1", "pool-a-2"}


def test_action_sends_start_and_end_or_error(bus, ctxt, inbox):
    class Audit:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            inbox.add((event_type, payload))

        def error(self, ctxt, publisher_id, event_type, payload, metadata):
            inbox.add((event_type, payload))

    bus.listen(Audit())
    notifier = bus.notifier("widget.node1")
    with notifier.action(ctxt, "widget.widget.create", {"id": "w1"}) as payload:
        payload["status"] = "ACTIVE"
    with pytest.raises(exception.Conflict):
        with notifier.action(ctxt, "widget.widget.delete", {"id": "w1"}):
            raise exception.Conflict("Widget w1 is in use.")
    got = sorted(inbox.wait(4), key=lambda item: item[0])
    assert got == [
        ("widget.widget.create.end", {"id": "w1", "status": "ACTIVE"}),
        ("widget.widget.create.start", {"id": "w1"}),
        ("widget.widget.delete.error",
         {"id": "w1", "error": {"type": "Conflict", "message": "Widget w1 is in use."}}),
        ("widget.widget.delete.start", {"id": "w1"}),
    ]


def test_disabled_notifications_are_dropped_at_the_sender(make_bus, ctxt, inbox):
    bus = make_bus(notifications_enabled=False)

    class Audit:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            inbox.add(event_type)

    bus.listen(Audit())
    bus.notifier("widget.node1").info(ctxt, "widget.widget.create.end", {})
    assert inbox.wait(1, timeout=0.1) == []

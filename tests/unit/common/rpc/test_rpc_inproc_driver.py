"""The sovra-inproc:// bus, driven directly (no oslo.messaging server)."""

import threading
import time
import uuid

import oslo_messaging
import pytest
from oslo_config import cfg

from sovra_common.rpc import inproc_driver


@pytest.fixture
def driver():
    url = oslo_messaging.TransportURL.parse(
        cfg.ConfigOpts(), f"sovra-inproc:///unit-{uuid.uuid4().hex}")
    driver = inproc_driver.InProcDriver(cfg.ConfigOpts(), url, default_exchange="x")
    yield driver
    driver.cleanup()


def _listen(driver, topic, server="h1"):
    received = []
    listener = driver.listen(oslo_messaging.Target(topic=topic, server=server), 1, None)
    listener.start(received.extend)
    return listener, received


def test_reply_slot_times_out():
    slot = inproc_driver._ReplySlot()
    started = time.monotonic()
    assert slot.wait(0.05, None) is None
    assert time.monotonic() - started >= 0.05


def test_reply_slot_returns_the_first_reply_only():
    slot = inproc_driver._ReplySlot()
    slot.put("1", None)
    slot.put("2", None)
    assert slot.wait(0, None) == ("1", None)


def test_heartbeats_keep_a_monitored_call_alive():
    slot = inproc_driver._ReplySlot()

    def server():
        for _ in range(4):
            time.sleep(0.03)
            slot.heartbeat()
        slot.put("42", None)

    thread = threading.Thread(target=server)
    thread.start()
    # the monitor timeout (0.06 s) is shorter than the work (~0.12 s)
    assert slot.wait(5, 0.06) == ("42", None)
    thread.join()


def test_monitored_call_without_heartbeat_times_out():
    slot = inproc_driver._ReplySlot()
    assert slot.wait(5, 0.05) is None


def test_messages_are_json_copies(driver):
    listener, received = _listen(driver, "t")
    args = {"items": [1, 2], "when": (1, 2)}
    driver.send(oslo_messaging.Target(topic="t"), {"user": "u"},
                {"method": "m", "args": args})
    [incoming] = received
    assert incoming.ctxt == {"user": "u"}
    assert incoming.message == {"method": "m", "args": {"items": [1, 2], "when": [1, 2]}}
    assert incoming.message["args"] is not args
    listener.stop()


def test_unserialisable_message_fails_at_the_sender(driver):
    # as on rabbit://, where oslo_serialization.jsonutils encodes the message too
    with pytest.raises(ValueError, match="Cannot convert"):
        driver.send(oslo_messaging.Target(topic="t"), {},
                    {"method": "m", "args": {"x": object()}})


def test_topic_consumers_take_turns(driver):
    first, got_first = _listen(driver, "t", "h1")
    second, got_second = _listen(driver, "t", "h2")
    for i in range(4):
        driver.send(oslo_messaging.Target(topic="t"), {}, {"method": "m", "i": i})
    assert len(got_first) == len(got_second) == 2
    first.stop()
    second.stop()


def test_backlog_waits_for_a_consumer_and_is_capped(driver, monkeypatch, caplog):
    monkeypatch.setattr(inproc_driver, "MAX_BACKLOG", 3)
    listener, received = _listen(driver, "t")
    listener.stop()  # the topic queue stays, as a broker's would
    for i in range(5):
        driver.send(oslo_messaging.Target(topic="t"), {}, {"method": "m", "i": i})
    assert caplog.text.count("dropping the oldest") == 1  # once, not per message
    again, received = _listen(driver, "t")
    assert [m.message["i"] for m in received] == [2, 3, 4]
    again.stop()


def test_rpc_to_a_topic_nobody_listens_on_is_dropped(driver):
    driver.send(oslo_messaging.Target(topic="nobody"), {}, {"method": "m"})
    listener, received = _listen(driver, "nobody")
    assert received == []
    listener.stop()


def test_requeue_delivers_again(driver):
    listener, received = _listen(driver, "t")
    driver.send(oslo_messaging.Target(topic="t"), {}, {"method": "m"})
    received[0].requeue()
    assert len(received) == 2
    listener.stop()


def test_stopped_listener_gets_nothing_and_its_fanout_queue_goes(driver):
    listener, received = _listen(driver, "t")
    listener.stop()
    driver.send(oslo_messaging.Target(topic="t", fanout=True), {}, {"method": "m"})
    driver.send(oslo_messaging.Target(topic="t", server="h1"), {}, {"method": "m"})
    assert received == []
    assert listener.queues[2].alive is False


def test_virtual_hosts_are_separate_buses_released_on_cleanup():
    conf = cfg.ConfigOpts()
    name = f"unit-{uuid.uuid4().hex}"
    url = oslo_messaging.TransportURL.parse(conf, f"sovra-inproc:///{name}")
    other = oslo_messaging.TransportURL.parse(conf, f"sovra-inproc:///{name}-b")
    one = inproc_driver.InProcDriver(conf, url)
    two = inproc_driver.InProcDriver(conf, url)
    three = inproc_driver.InProcDriver(conf, other)
    assert one._bus is two._bus
    assert one._bus is not three._bus
    one.cleanup()
    one.cleanup()  # twice is harmless
    assert name in inproc_driver._BUSES
    two.cleanup()
    three.cleanup()
    assert name not in inproc_driver._BUSES
    assert f"{name}-b" not in inproc_driver._BUSES

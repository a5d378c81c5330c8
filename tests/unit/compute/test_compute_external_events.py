"""Compute's external-event sender, as the network and block storage APIs use it:
batches, order, retries while compute is unreachable or failing (never for a
request it refused), never blocking the caller, per-event 404s not errors."""

import logging
import threading
import time

from keystoneauth1 import exceptions as ks_exc
from oslo_config import cfg

from sovra_compute import external_events

SERVER = "5c1b7e8e-6d8b-4ad8-a0c3-1f0c1d7a1c11"


class RecordingClient:
    """compute's client as the sender sees it: answers each batch, or raises
    the next of ``failures``."""

    def __init__(self, failures=(), block=None):
        self.batches, self.failures, self.block = [], list(failures), block
        self.calls = 0
        self.delivered = threading.Event()

    def create_server_external_events(self, events):
        self.calls += 1
        if self.block is not None:
            self.block.wait(5)
        if self.failures:
            raise self.failures.pop(0)
        self.batches.append(list(events))
        self.delivered.set()
        return [{**e, "code": 404 if e["server_uuid"] == "gone" else 200}
                for e in events]


def event(n, server=SERVER):
    return {"name": "network-vif-plugged", "server_uuid": server, "tag": f"p{n}",
            "status": "completed"}


def test_events_gathered_in_an_interval_go_in_one_request_in_order():
    client = RecordingClient()
    sender = external_events.EventSender(lambda: client, interval=30)
    for n in range(3):
        sender.send(event(n))
    sender.close()  # sends what is queued without waiting for the interval
    assert client.batches == [[event(0), event(1), event(2)]]


def test_events_after_the_interval_go_in_another_request():
    client = RecordingClient()
    sender = external_events.EventSender(lambda: client, interval=0.05)
    try:
        sender.send(event(0))
        assert client.delivered.wait(5)
        client.delivered.clear()
        sender.send(event(1))
        assert client.delivered.wait(5)
    finally:
        sender.close()
    assert client.batches == [[event(0)], [event(1)]]


def test_a_batch_holds_at_most_max_batch_events():
    client = RecordingClient()
    sender = external_events.EventSender(lambda: client, interval=30)
    for n in range(external_events.MAX_BATCH + 1):
        sender.send(event(n))
    sender.close()
    assert [len(b) for b in client.batches] == [external_events.MAX_BATCH, 1]


def test_send_returns_while_compute_is_slow():
    gate = threading.Event()
    client = RecordingClient(block=gate)
    sender = external_events.EventSender(lambda: client, interval=0)
    try:
        sender.send(event(0))
        sender.send(event(1))  # the thread is stuck in the first request
        assert client.batches == []
    finally:
        gate.set()
        sender.close()
    assert [e["tag"] for b in client.batches for e in b] == ["p0", "p1"]


def test_unreachable_compute_is_retried():
    client = RecordingClient(failures=[ks_exc.ConnectFailure("refused"),
                                       ks_exc.InternalServerError()])
    sender = external_events.EventSender(lambda: client, interval=0, retry_delay=0)
    try:
        sender.send(event(0))
        assert client.delivered.wait(5)
    finally:
        sender.close()
    assert client.calls == 3
    assert client.batches == [[event(0)]]


def test_a_refused_batch_is_dropped_and_logged_and_later_ones_still_go(caplog):
    client = RecordingClient(failures=[ks_exc.Forbidden()])
    sender = external_events.EventSender(lambda: client, interval=0, retry_delay=0)
    with caplog.at_level(logging.WARNING, logger=external_events.__name__):
        sender.send(event(0))
        sender.close()
    assert client.calls == 1 and client.batches == []
    assert "compute not told of 1 events" in caplog.text


def test_retries_end_when_compute_stays_down(caplog):
    client = RecordingClient(failures=[ks_exc.ConnectFailure("refused")] * 5)
    sender = external_events.EventSender(lambda: client, interval=0, retries=2,
                                          retry_delay=0)
    with caplog.at_level(logging.WARNING, logger=external_events.__name__):
        sender.send(event(0))
        deadline = time.monotonic() + 5
        while "refused" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
        sender.close()
    assert client.calls == 3
    assert "compute not told of 1 events (network-vif-plugged): refused" in \
        caplog.text


def test_closing_ends_the_retries():
    client = RecordingClient(failures=[ks_exc.ConnectFailure("refused")] * 5)
    sender = external_events.EventSender(lambda: client, interval=0, retries=5,
                                          retry_delay=30)
    sender.send(event(0))
    started = time.monotonic()
    sender.close()
    assert time.monotonic() - started < 5
    assert client.calls == 1


def test_per_event_404_is_not_an_error(caplog):
    client = RecordingClient()
    sender = external_events.EventSender(lambda: client, interval=30)
    with caplog.at_level(logging.DEBUG, logger=external_events.__name__):
        sender.send(event(0, server="gone"))
        sender.close()
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    assert "404" in caplog.text and "gone" in caplog.text


def test_without_service_credentials_events_are_dropped_once_logged(caplog):
    attempts, tried = [], threading.Event()

    def make_client():
        attempts.append(1)
        tried.set()
        raise cfg.RequiredOptError("auth_type", cfg.OptGroup("service_auth"))

    sender = external_events.EventSender(make_client, interval=0)
    with caplog.at_level(logging.ERROR, logger=external_events.__name__):
        sender.send(event(0))
        assert tried.wait(5)
        sender.send(event(1))
        sender.send(event(2))
        sender.close()
    assert attempts == [1]
    assert caplog.text.count("compute will not be told") == 1


def test_send_all_queues_in_order():
    client = RecordingClient()
    sender = external_events.EventSender(lambda: client, interval=30)
    sender.send_all([event(0), event(1)])
    sender.send_all([])
    sender.close()
    assert client.batches == [[event(0), event(1)]]

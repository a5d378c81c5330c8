"""Block storage telling compute that attached volumes grew: the events, and the
sending thread (retries while compute is unreachable or failing, never for a
request compute refused; an API request never waits for it)."""

import threading

from keystoneauth1 import exceptions as ks_exc
from oslo_config import cfg

from sovra_block.service import compute_events


class FakeCompute:
    def __init__(self, failures=()):
        self.failures = list(failures)
        self.calls = []
        self.done = threading.Event()

    def create_server_external_events(self, events):
        self.calls.append(events)
        if self.failures:
            raise self.failures.pop(0)
        self.done.set()
        return [dict(e, code=200, status="completed") for e in events]


def test_one_event_per_server():
    assert compute_events.volume_extended_events("v1", ["s2", "s1", "s2"]) == [
        {"name": "volume-extended", "server_uuid": "s1", "tag": "v1"},
        {"name": "volume-extended", "server_uuid": "s2", "tag": "v1"}]


def test_sent_from_a_thread_and_retried_while_compute_is_unreachable():
    compute = FakeCompute([ks_exc.ConnectFailure("refused"),
                           ks_exc.InternalServerError()])
    sender = compute_events.ComputeEvents(lambda: compute, retry_delay=0.01)
    sender.volume_extended("v1", ["s1"])
    assert compute.done.wait(5)
    sender.close()
    assert compute.calls == [[{"name": "volume-extended", "server_uuid": "s1",
                               "tag": "v1"}]] * 3


def test_a_refused_request_is_not_retried_and_later_events_still_go():
    compute = FakeCompute([ks_exc.Forbidden()])
    sender = compute_events.ComputeEvents(lambda: compute, retry_delay=0.01)
    sender.volume_extended("v1", ["s1"])
    sender.volume_extended("v2", ["s1"])
    assert compute.done.wait(5)
    sender.close()
    assert [c[0]["tag"] for c in compute.calls] == ["v1", "v2"]


def test_no_service_credentials_is_logged_not_raised(caplog):
    def make_client():
        raise cfg.RequiredOptError("auth_type", cfg.OptGroup("service_auth"))
    sender = compute_events.ComputeEvents(make_client)
    sender.volume_extended("v1", ["s1"])
    sender.close()
    assert "compute not told that volume v1 grew" in caplog.text


def test_nothing_attached_sends_nothing():
    compute = FakeCompute()
    sender = compute_events.ComputeEvents(lambda: compute)
    sender.volume_extended("v1", [])
    sender.close()
    assert compute.calls == []

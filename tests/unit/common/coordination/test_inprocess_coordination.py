"""The in-process backend: the conformance suite (fake clock), plus what is its own."""

import threading
import time

import pytest
from unit.common.coordination.coordination_conformance import (
    CoordinatorConformance,
    wait_until,
)

from sovra_common.coordination import LockLost, LockTimeout, inprocess


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class InProcessHarness:
    ttl = 2
    expiry_slack = 1.0  # real time: waiters re-check a fake clock every 50 ms

    def __init__(self):
        self.clock = FakeClock()
        self.store = inprocess.InProcessStore(clock=self.clock)
        self.created = []

    def coordinator(self, start=True):
        coord = inprocess.InProcessCoordinator(self.store, heartbeat_ttl=self.ttl,
                                               lock_ttl=self.ttl, lock_timeout=5)
        self.created.append(coord)
        if start:
            coord.start()
        return coord

    def elapse(self, seconds):
        self.clock.advance(seconds)

    def crash(self, coord):
        coord.abandon()

    def close(self):
        for coord in self.created:
            coord.stop()


@pytest.fixture
def coordination_backend():
    harness = InProcessHarness()
    yield harness
    harness.close()


class TestInProcessConformance(CoordinatorConformance):
    pass


# --- in-process specifics ---------------------------------------------------------------

def test_separate_stores_do_not_see_each_other():
    one = inprocess.InProcessCoordinator()
    two = inprocess.InProcessCoordinator()
    with one, two:
        one.heartbeat("g", "node1")
        assert two.members("g") == {}
        with one.lock("x"), two.lock("x", timeout=0):
            pass


def test_expiry_follows_the_injected_clock_to_the_second():
    harness = InProcessHarness()
    agent, peer = harness.coordinator(), harness.coordinator()
    agent.heartbeat("g", "node1", ttl=10)
    harness.elapse(1000)  # a live coordinator keeps its members however long
    assert peer.is_alive("g", "node1")
    agent.abandon()
    harness.elapse(9.999)
    assert peer.is_alive("g", "node1")
    harness.elapse(0.001)
    assert not peer.is_alive("g", "node1")
    harness.close()


def test_a_waiter_sees_expiry_of_an_abandoned_holder_without_a_release():
    harness = InProcessHarness()
    holder, waiter = harness.coordinator(), harness.coordinator()
    held = holder.lock("x", ttl=5)
    held.__enter__()
    holder.abandon()
    got = threading.Event()

    def wait():
        with waiter.lock("x", timeout=10):
            got.set()

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.1)
    assert not got.is_set()
    harness.elapse(5)
    assert wait_until(got.is_set, 2)
    thread.join(5)
    with pytest.raises(LockLost):
        held.__exit__(None, None, None)
    harness.close()


def test_stop_wakes_a_waiter_of_the_same_coordinator():
    harness = InProcessHarness()
    holder, waiter = harness.coordinator(), harness.coordinator()
    errors = []

    def wait():
        try:
            with waiter.lock("x", timeout=10):
                pass
        except Exception as exc:
            errors.append(exc)

    with holder.lock("x"):
        thread = threading.Thread(target=wait)
        thread.start()
        time.sleep(0.05)
        began = time.monotonic()
        waiter.stop()
        thread.join(5)
    assert time.monotonic() - began < 1
    assert len(errors) == 1 and not isinstance(errors[0], LockTimeout)
    harness.close()


def test_defaults_come_from_the_constructor():
    harness = InProcessHarness()
    coord = inprocess.InProcessCoordinator(harness.store, heartbeat_ttl=7, lock_ttl=3,
                                           lock_timeout=0)
    holder = harness.coordinator()
    with coord:
        coord.heartbeat("g", "n")
        coord.abandon()
        harness.elapse(6.9)
        assert holder.is_alive("g", "n")
        harness.elapse(0.1)
        assert not holder.is_alive("g", "n")
    coord.start()
    with holder.lock("x"):
        began = time.monotonic()
        with pytest.raises(LockTimeout):  # default lock_timeout=0: one try
            with coord.lock("x"):
                pass
        assert time.monotonic() - began < 0.5
    coord.stop()
    harness.close()

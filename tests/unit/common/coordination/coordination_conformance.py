"""The coordination conformance suite: written once, run against every backend.

A test module runs it by subclassing ``CoordinatorConformance`` in a class named
``Test...`` and providing a ``coordination_backend`` fixture that returns a harness:

    ttl            TTL (seconds) the tests give members and locks
    expiry_slack   real seconds the backend may take, past the TTL, to drop an expired
                   member or lock
    coordinator(start=True)  a new coordinator on the shared backend (cleaned up by
                   the harness), as another process would have
    elapse(seconds)          let time pass on the backend's clock
    crash(coordinator)       make it die without a goodbye (``abandon()``)

In-process (unit tier): a fake clock, so expiry is instant. etcd (integration tier):
real time and a real server.
"""

import threading
import time

import pytest

from sovra_common.coordination import (
    CoordinationError,
    LockLost,
    LockTimeout,
    LockToken,
    NotStarted,
)

GROUP = "compute-agents"


def wait_until(predicate, timeout, interval=0.02):
    """Poll ``predicate`` in real time until true; return whether it became true."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def run_threads(targets):
    """Run callables in threads; re-raise the first exception one of them raised."""
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as exc:  # noqa: B902 - reported to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive(), "a worker thread hung"
    if errors:
        raise errors[0]


class CoordinatorConformance:
    """What every coordination backend must do (see sovra_common/coordination/base.py)."""

    # --- lifecycle -------------------------------------------------------------------
    def test_calls_before_start_raise_not_started(self, coordination_backend):
        coord = coordination_backend.coordinator(start=False)
        assert not coord.started
        with pytest.raises(NotStarted):
            coord.heartbeat(GROUP, "node1")
        with pytest.raises(NotStarted):
            coord.members(GROUP)
        with pytest.raises(NotStarted):
            coord.is_alive(GROUP, "node1")
        with pytest.raises(NotStarted):
            coord.leave(GROUP, "node1")
        with pytest.raises(NotStarted):
            with coord.lock("l"):
                pass
        assert issubclass(NotStarted, CoordinationError)

    def test_start_stop_are_idempotent_and_restartable(self, coordination_backend):
        coord = coordination_backend.coordinator(start=False)
        peer = coordination_backend.coordinator()
        coord.start()
        coord.start()
        coord.heartbeat(GROUP, "node1")
        coord.stop()
        coord.stop()
        assert not coord.started
        with pytest.raises(NotStarted):
            coord.members(GROUP)
        assert peer.members(GROUP) == {}
        coord.start()
        coord.heartbeat(GROUP, "node1", {"round": 2})
        assert peer.members(GROUP) == {"node1": {"round": 2}}
        with coord.lock("l", timeout=0):
            pass

    def test_context_manager_starts_and_stops(self, coordination_backend):
        peer = coordination_backend.coordinator()
        with coordination_backend.coordinator(start=False) as coord:
            assert coord.started
            coord.heartbeat(GROUP, "node1")
            assert peer.is_alive(GROUP, "node1")
        assert not coord.started
        assert not peer.is_alive(GROUP, "node1")

    # --- liveness --------------------------------------------------------------------
    def test_heartbeat_is_visible_to_peers_with_its_data(self, coordination_backend):
        agent = coordination_backend.coordinator()
        peer = coordination_backend.coordinator()
        data = {"version": "0.1.0", "started_at": "2026-11-21T13:00:00Z",
                "slots": 4, "tags": ["a", "b"], "nested": {"x": None, "ok": True}}
        agent.heartbeat(GROUP, "node1", data, ttl=coordination_backend.ttl)
        assert peer.members(GROUP) == {"node1": data}
        assert agent.members(GROUP) == {"node1": data}
        assert peer.is_alive(GROUP, "node1")

    def test_data_defaults_to_empty_and_round_trips_as_json(self, coordination_backend):
        agent = coordination_backend.coordinator()
        agent.heartbeat(GROUP, "node1")
        agent.heartbeat(GROUP, "node2", {"pair": (1, 2)})
        assert agent.members(GROUP) == {"node1": {}, "node2": {"pair": [1, 2]}}

    def test_unknown_group_and_member(self, coordination_backend):
        coord = coordination_backend.coordinator()
        assert coord.members("nobody-here") == {}
        assert not coord.is_alive("nobody-here", "node1")
        coord.heartbeat(GROUP, "node1")
        assert not coord.is_alive(GROUP, "node2")
        # a member name that is a prefix of another is not that other
        assert not coord.is_alive(GROUP, "node")

    def test_groups_and_members_are_separate(self, coordination_backend):
        one = coordination_backend.coordinator()
        two = coordination_backend.coordinator()
        one.heartbeat("compute-agents", "node1", {"who": "one"})
        two.heartbeat("compute-agents", "node2", {"who": "two"})
        two.heartbeat("network-agents", "node1", {"who": "two-net"})
        one.heartbeat("compute-agents-extra", "node9")  # shares a name prefix
        assert one.members("compute-agents") == {"node1": {"who": "one"},
                                                 "node2": {"who": "two"}}
        assert one.members("network-agents") == {"node1": {"who": "two-net"}}
        assert one.members("compute-agents-extra") == {"node9": {}}

    def test_names_may_be_any_unicode(self, coordination_backend):
        one = coordination_backend.coordinator()
        two = coordination_backend.coordinator()
        one.heartbeat("agents-été", "nœud 1", {"note": "ünïcode ✓"})
        assert two.members("agents-été") == {"nœud 1": {"note": "ünïcode ✓"}}
        assert two.is_alive("agents-été", "nœud 1")
        with one.lock("verrou-é ✓"):
            with pytest.raises(LockTimeout):
                with two.lock("verrou-é ✓", timeout=0):
                    pass

    def test_heartbeat_again_replaces_data_and_ttl(self, coordination_backend):
        agent = coordination_backend.coordinator()
        peer = coordination_backend.coordinator()
        agent.heartbeat(GROUP, "node1", {"version": "1"})
        agent.heartbeat(GROUP, "node1", {"version": "2"})
        assert peer.members(GROUP) == {"node1": {"version": "2"}}
        agent.heartbeat(GROUP, "node1", {"version": "3"}, ttl=coordination_backend.ttl + 1)
        assert peer.members(GROUP) == {"node1": {"version": "3"}}

    def test_leave_removes_the_member_at_once(self, coordination_backend):
        agent = coordination_backend.coordinator()
        other = coordination_backend.coordinator()
        agent.heartbeat(GROUP, "node1")
        agent.heartbeat(GROUP, "node2")
        other.heartbeat(GROUP, "node3")
        agent.leave(GROUP, "node1")
        assert other.members(GROUP).keys() == {"node2", "node3"}
        # Leaving what this coordinator did not register does nothing.
        agent.leave(GROUP, "node3")
        agent.leave(GROUP, "never-joined")
        agent.leave(GROUP, "node1")
        assert other.members(GROUP).keys() == {"node2", "node3"}

    def test_stop_removes_members_at_once(self, coordination_backend):
        agent = coordination_backend.coordinator()
        peer = coordination_backend.coordinator()
        agent.heartbeat(GROUP, "node1")
        agent.heartbeat("network-agents", "node1")
        agent.stop()
        assert peer.members(GROUP) == {}
        assert peer.members("network-agents") == {}

    def test_live_coordinator_keeps_member_and_lock_past_ttl(self, coordination_backend):
        ttl = coordination_backend.ttl
        agent = coordination_backend.coordinator()
        peer = coordination_backend.coordinator()
        agent.heartbeat(GROUP, "node1", {"v": 1}, ttl=ttl)
        with agent.lock("long-job", ttl=ttl) as token:
            coordination_backend.elapse(2 * ttl)
            assert peer.members(GROUP) == {"node1": {"v": 1}}
            with pytest.raises(LockTimeout):
                with peer.lock("long-job", timeout=0):
                    pass
            assert not token.lost

    def test_member_of_a_crashed_coordinator_expires_after_ttl(self, coordination_backend):
        ttl = coordination_backend.ttl
        agent = coordination_backend.coordinator()
        peer = coordination_backend.coordinator()
        agent.heartbeat(GROUP, "node1", ttl=ttl)
        peer.heartbeat(GROUP, "node2", ttl=ttl)
        coordination_backend.crash(agent)
        coordination_backend.elapse(ttl / 4)
        assert peer.is_alive(GROUP, "node1"), "expired before its TTL"
        coordination_backend.elapse(ttl * 3 / 4)
        assert wait_until(lambda: not peer.is_alive(GROUP, "node1"),
                          coordination_backend.expiry_slack)
        assert peer.members(GROUP) == {"node2": {}}

    def test_names_and_values_are_checked(self, coordination_backend):
        coord = coordination_backend.coordinator()
        for bad in ("", "a/b", None, 3):
            with pytest.raises(ValueError):
                coord.heartbeat(bad, "node1")
            with pytest.raises(ValueError):
                coord.heartbeat(GROUP, bad)
            with pytest.raises(ValueError):
                coord.members(bad)
        for bad in (0, 0.5, -1, "10", True):
            with pytest.raises(ValueError):
                coord.heartbeat(GROUP, "node1", ttl=bad)
        with pytest.raises(TypeError):
            coord.heartbeat(GROUP, "node1", ["not", "a", "dict"])
        with pytest.raises(TypeError):
            coord.heartbeat(GROUP, "node1", {"x": object()})
        with pytest.raises(ValueError):
            coord.heartbeat(GROUP, "node1", {"x": float("nan")})
        assert coord.members(GROUP) == {}

    # --- locks ---------------------------------------------------------------------
    def test_lock_is_exclusive_and_reacquirable(self, coordination_backend):
        one = coordination_backend.coordinator()
        two = coordination_backend.coordinator()
        with one.lock("instance-1", timeout=0) as token:
            assert isinstance(token, LockToken)
            assert token.name == "instance-1"
            assert not token.lost
            with pytest.raises(LockTimeout):
                with two.lock("instance-1", timeout=0):
                    pass
        with two.lock("instance-1", timeout=0):
            pass
        with one.lock("instance-1", timeout=0):
            pass

    def test_lock_timeout_waits_then_raises(self, coordination_backend):
        one = coordination_backend.coordinator()
        two = coordination_backend.coordinator()
        with one.lock("busy"):
            began = time.monotonic()
            with pytest.raises(LockTimeout) as info:
                with two.lock("busy", timeout=0.3):
                    pass
            waited = time.monotonic() - began
        assert 0.3 <= waited < 2.0
        assert info.value.name == "busy"
        assert info.value.timeout == 0.3
        assert info.value.error_code == "sovra.coordination.lock_timeout"
        assert "busy" in str(info.value)
        assert isinstance(info.value, CoordinationError)

    def test_lock_is_not_reentrant(self, coordination_backend):
        coord = coordination_backend.coordinator()
        with coord.lock("once"):
            with pytest.raises(LockTimeout):
                with coord.lock("once", timeout=0.1):
                    pass

    def test_different_names_are_independent(self, coordination_backend):
        one = coordination_backend.coordinator()
        two = coordination_backend.coordinator()
        with one.lock("a"), one.lock("b"), two.lock("c", timeout=0):
            with pytest.raises(LockTimeout):
                with two.lock("a", timeout=0):
                    pass

    def test_waiter_gets_the_lock_promptly_on_release(self, coordination_backend):
        holder = coordination_backend.coordinator()
        waiter = coordination_backend.coordinator()
        acquired = threading.Event()
        times = {}

        def wait_for_it():
            with waiter.lock("handoff", timeout=10):
                times["acquired"] = time.monotonic()
                acquired.set()

        with holder.lock("handoff"):
            thread = threading.Thread(target=wait_for_it)
            thread.start()
            time.sleep(0.3)
            assert not acquired.is_set()
            times["released"] = time.monotonic()
        thread.join(10)
        assert acquired.is_set()
        assert 0 <= times["acquired"] - times["released"] < 1.0

    def test_mutual_exclusion_between_threads_and_coordinators(self, coordination_backend):
        coords = [coordination_backend.coordinator(), coordination_backend.coordinator()]
        inside = []
        overlaps = []
        counter = {"value": 0}

        def worker(coord, tag):
            for _ in range(4):
                with coord.lock("counter", timeout=30):
                    inside.append(tag)
                    if len(inside) > 1:
                        overlaps.append(list(inside))
                    value = counter["value"]
                    time.sleep(0.005)
                    counter["value"] = value + 1
                    inside.remove(tag)

        run_threads([lambda c=c, t=f"{i}-{j}": worker(c, t)
                     for i, c in enumerate(coords) for j in range(2)])
        assert overlaps == []
        assert counter["value"] == 16

    def test_lock_is_released_when_the_block_raises(self, coordination_backend):
        one = coordination_backend.coordinator()
        two = coordination_backend.coordinator()
        with pytest.raises(RuntimeError):
            with one.lock("failing"):
                raise RuntimeError("boom")
        with two.lock("failing", timeout=0):
            pass

    def test_lock_of_a_crashed_holder_frees_after_ttl(self, coordination_backend):
        ttl = coordination_backend.ttl
        holder = coordination_backend.coordinator()
        other = coordination_backend.coordinator()
        held = holder.lock("orphan", ttl=ttl)
        token = held.__enter__()
        coordination_backend.crash(holder)
        coordination_backend.elapse(ttl / 4)
        with pytest.raises(LockTimeout):
            with other.lock("orphan", timeout=0):
                pass
        coordination_backend.elapse(ttl * 3 / 4)
        with other.lock("orphan", timeout=coordination_backend.expiry_slack):
            pass
        # Had the crashed holder lived on, it would learn the loss at release.
        assert token.lost
        with pytest.raises(LockLost):
            held.__exit__(None, None, None)

    def test_stop_frees_held_locks_and_the_holder_learns_it(self, coordination_backend):
        holder = coordination_backend.coordinator()
        other = coordination_backend.coordinator()
        held = holder.lock("shutdown")
        token = held.__enter__()
        holder.stop()
        assert token.lost
        with other.lock("shutdown", timeout=0):
            pass
        with pytest.raises(LockLost) as info:
            held.__exit__(None, None, None)
        assert info.value.name == "shutdown"

    def test_waiter_gets_a_lock_freed_by_expiry(self, coordination_backend):
        ttl = coordination_backend.ttl
        holder = coordination_backend.coordinator()
        waiter = coordination_backend.coordinator()
        held = holder.lock("expiring", ttl=ttl)
        held.__enter__()
        coordination_backend.crash(holder)
        got = threading.Event()

        def wait_for_it():
            with waiter.lock("expiring", timeout=ttl * 3 + coordination_backend.expiry_slack):
                got.set()

        thread = threading.Thread(target=wait_for_it)
        thread.start()
        try:
            coordination_backend.elapse(ttl)
            assert wait_until(got.is_set, coordination_backend.expiry_slack + 1)
        finally:
            thread.join(ttl * 3 + coordination_backend.expiry_slack + 1)
        with pytest.raises(LockLost):
            held.__exit__(None, None, None)

    def test_lock_arguments_are_checked(self, coordination_backend):
        coord = coordination_backend.coordinator()
        for name in ("", None, 3):
            with pytest.raises(ValueError):
                with coord.lock(name):
                    pass
        for timeout in (-1, "1", True):
            with pytest.raises(ValueError):
                with coord.lock("x", timeout=timeout):
                    pass
        for ttl in (0, 0.5, "30"):
            with pytest.raises(ValueError):
                with coord.lock("x", ttl=ttl):
                    pass
        # Lock names may hold "/", unlike group and member names.
        with coord.lock("volume/attach/1", timeout=0):
            pass

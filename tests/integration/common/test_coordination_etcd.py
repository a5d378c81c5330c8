"""The etcd coordination backend against a real etcd (the ``etcd_endpoint`` fixture).

The conformance suite, as for the in-process backend, plus: real processes contending
for one lock, the heartbeat and lock of a SIGKILLed process expiring, and a
coordinator cut off from etcd (through a relay the test can cut) being reported down
and coming back by itself.
"""

import itertools
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import etcd3gw
import pytest
from unit.common.coordination.coordination_conformance import (
    CoordinatorConformance,
    wait_until,
)

from sovra_common.coordination import (
    CoordinationUnavailable,
    LockLost,
    LockTimeout,
    coordinator_from_url,
    etcd,
)

WORKER = Path(__file__).with_name("coordination_worker.py")
# etcd grants at least 2 s with its default timing (a TTL of 1 becomes 2).
TTL = 2
# etcd revokes expired leases in a loop that runs twice a second; a margin on top.
EXPIRY_SLACK = 1.5


def _prefix():
    return f"/sovra-test/{uuid.uuid4().hex}"


def _url(endpoint, prefix):
    host, port = endpoint
    return f"etcd3+http://{host}:{port}?prefix={prefix}"


class EtcdHarness:
    ttl = TTL
    expiry_slack = EXPIRY_SLACK

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.prefix = _prefix()  # one per test: leftovers never leak into another
        self.created = []

    def coordinator(self, start=True, **overrides):
        host, port = self.endpoint
        options = dict(heartbeat_ttl=self.ttl, lock_ttl=self.ttl, lock_timeout=10)
        options.update(overrides)
        coord = etcd.EtcdCoordinator(host, port, prefix=self.prefix, **options)
        self.created.append(coord)
        if start:
            coord.start()
        return coord

    def elapse(self, seconds):
        time.sleep(seconds)

    def crash(self, coord):
        coord.abandon()

    def close(self):
        for coord in self.created:
            coord.stop()
        _delete_prefix(self.endpoint, self.prefix)


def _raw_client(endpoint):
    host, port = endpoint
    return etcd3gw.client(host=host, port=port, timeout=5)


def _delete_prefix(endpoint, prefix):
    client = _raw_client(endpoint)
    try:
        client.delete_prefix(prefix + "/")
    finally:
        client.session.close()


@pytest.fixture
def coordination_backend(etcd_endpoint):
    harness = EtcdHarness(etcd_endpoint)
    yield harness
    harness.close()


class TestEtcdConformance(CoordinatorConformance):
    pass


# --- etcd specifics ------------------------------------------------------------------

def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_start_fails_clearly_when_etcd_is_unreachable():
    coord = coordinator_from_url(f"etcd3+http://127.0.0.1:{_free_port()}")
    with pytest.raises(CoordinationUnavailable) as info:
        coord.start()
    assert "127.0.0.1" in str(info.value)
    assert not coord.started


def test_keys_live_under_the_prefix_and_prefixes_are_isolated(coordination_backend):
    harness = coordination_backend
    coord = harness.coordinator()
    coord.heartbeat("compute-agents", "node1", {"v": 1})
    with coord.lock("instance-1"):
        client = _raw_client(harness.endpoint)
        try:
            keys = sorted(meta["key"].decode()
                          for _, meta in client.get_prefix(harness.prefix + "/"))
        finally:
            client.session.close()
        assert keys == [f"{harness.prefix}/locks/instance-1",
                        f"{harness.prefix}/members/compute-agents/node1"]
        other = etcd.EtcdCoordinator(*harness.endpoint, prefix=_prefix())
        with other:
            assert other.members("compute-agents") == {}
            with other.lock("instance-1", timeout=0):
                pass


def test_ttl_below_the_etcd_minimum_is_lengthened_not_shortened(coordination_backend):
    coord = coordination_backend.coordinator()
    peer = coordination_backend.coordinator()
    coord.heartbeat("g", "n", ttl=1.2)  # asks 2 (whole seconds), etcd grants >= 2
    coordination_backend.crash(coord)
    time.sleep(1.2)
    assert peer.is_alive("g", "n")


# --- real processes -------------------------------------------------------------------

def _spawn(*args):
    return subprocess.Popen([sys.executable, str(WORKER), *map(str, args)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def _finish(proc, timeout=60):
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out.decode(errors="replace")


def test_two_processes_contend_for_one_lock(etcd_endpoint, tmp_path):
    prefix = _prefix()
    url = _url(etcd_endpoint, prefix)
    log = tmp_path / "critical-sections.log"
    go = tmp_path / "go"
    rounds = 6
    procs = [_spawn("contend", url, log, tag, rounds, 0.1, go) for tag in ("A", "B")]
    try:
        # Both connected before either starts: the rounds really overlap in time.
        both_ready = wait_until(lambda: all(Path(f"{go}.{tag}").exists() for tag in "AB"),
                                30, interval=0.05)
        go.touch()
        results = [_finish(proc) for proc in procs]
        assert both_ready, results
    finally:
        _delete_prefix(etcd_endpoint, prefix)
    for returncode, output in results:
        assert returncode == 0, output

    entries = [line.split() for line in log.read_text().splitlines()]
    assert len(entries) == 2 * 2 * rounds
    # In file order, every start is followed by the end of the same section...
    for start, end in zip(entries[::2], entries[1::2], strict=True):
        assert (start[0], end[0]) == ("start", "end")
        assert start[1:3] == end[1:3]
    # ...and by the clock, no two sections overlap.
    sections = sorted((float(s[3]), float(e[3]), s[1])
                      for s, e in zip(entries[::2], entries[1::2], strict=True))
    for (_, prev_end, _), (next_start, _, _) in itertools.pairwise(sections):
        assert next_start >= prev_end
    # Both got it, in turns: the waiter gets the lock promptly after the other's release.
    handoffs = [next_start - prev_end
                for (_, prev_end, prev_tag), (next_start, _, next_tag)
                in itertools.pairwise(sections) if prev_tag != next_tag]
    assert {tag for _, _, tag in sections} == {"A", "B"}
    assert handoffs, "the two processes never took turns"
    assert max(handoffs) < 0.5, handoffs


def test_heartbeat_and_lock_of_a_killed_process_expire(etcd_endpoint, tmp_path):
    prefix = _prefix()
    ready = tmp_path / "ready"
    proc = _spawn("hold", _url(etcd_endpoint, prefix), ready, "compute-agents", "node-k",
                  TTL)
    observer = etcd.EtcdCoordinator(*etcd_endpoint, prefix=prefix)
    try:
        assert wait_until(ready.exists, 30, interval=0.05), _finish(proc, 1)
        observer.start()
        assert observer.members("compute-agents") == {"node-k": {"pid": proc.pid}}
        with pytest.raises(LockTimeout):
            with observer.lock("held-by-victim", timeout=0):
                pass
        time.sleep(TTL)  # the victim's keep-alive works: still there after a TTL
        assert observer.is_alive("compute-agents", "node-k")

        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        killed = time.monotonic()
        assert wait_until(lambda: not observer.is_alive("compute-agents", "node-k"),
                          TTL + EXPIRY_SLACK)
        gone_after = time.monotonic() - killed
        # The last refresh came at most TTL/3 before the kill.
        assert gone_after > TTL * 2 / 3 - 0.2, gone_after
        with observer.lock("held-by-victim", timeout=EXPIRY_SLACK):
            pass
        assert observer.members("compute-agents") == {}
    finally:
        if proc.poll() is None:
            proc.kill()
        _finish(proc, 10)
        observer.stop()
        _delete_prefix(etcd_endpoint, prefix)


# --- a lost connection --------------------------------------------------------------------

class TcpRelay:
    """Forwards a loopback port to etcd; ``cut()`` drops every connection and refuses
    new ones (as a dead network would), ``restore()`` listens again."""

    def __init__(self, target):
        self.target = target
        self.port = _free_port()
        self._listener = None
        self._conns = set()
        self._lock = threading.Lock()
        self._threads = []

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.05)
        self._listener = listener
        self._start(self._accept, listener)
        return self

    def cut(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        for thread in self._threads:
            thread.join(5)
        self._threads = []

    def _start(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener):
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns.update((client, upstream))
            self._start(self._pump, client, upstream)
            self._start(self._pump, upstream, client)

    def _pump(self, src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def test_cut_off_member_is_down_after_ttl_and_comes_back_by_itself(
        etcd_endpoint, caplog):
    caplog.set_level(logging.INFO, logger="sovra_common.coordination")
    prefix = _prefix()
    relay = TcpRelay(etcd_endpoint).restore()
    cut_off = etcd.EtcdCoordinator("127.0.0.1", relay.port, prefix=prefix,
                                   heartbeat_ttl=TTL, lock_ttl=TTL, request_timeout=1)
    observer = etcd.EtcdCoordinator(*etcd_endpoint, prefix=prefix)
    try:
        cut_off.start()
        observer.start()
        cut_off.heartbeat("compute-agents", "node-c", {"v": 7})
        held = cut_off.lock("held-across-cut")
        token = held.__enter__()

        relay.cut()
        cut_at = time.monotonic()
        with pytest.raises(CoordinationUnavailable):
            cut_off.members("compute-agents")  # no answer from stale data
        assert wait_until(lambda: not observer.is_alive("compute-agents", "node-c"),
                          TTL + EXPIRY_SLACK)
        assert time.monotonic() - cut_at > TTL * 2 / 3 - 0.2
        with observer.lock("held-across-cut", timeout=EXPIRY_SLACK):
            pass
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any("Cannot refresh member compute-agents/node-c" in m for m in warnings)

        relay.restore()
        assert wait_until(lambda: observer.is_alive("compute-agents", "node-c"), 5)
        assert observer.members("compute-agents") == {"node-c": {"v": 7}}
        assert any("registering it again" in r.getMessage() for r in caplog.records)
        # The lock is not silently taken back: its holder learns it lost it.
        assert wait_until(lambda: token.lost, 5)
        with pytest.raises(LockLost):
            held.__exit__(None, None, None)
        with observer.lock("held-across-cut", timeout=0):
            pass
    finally:
        cut_off.stop()
        observer.stop()
        relay.cut()
        _delete_prefix(etcd_endpoint, prefix)

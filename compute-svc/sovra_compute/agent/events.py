"""External events an agent waits for: ``network-vif-plugged`` of each port a
build plugs (the network service reports it through the Compute API's
os-server-external-events, which casts it to the server's agent).

    waiter = registry.expect(instance_uuid, [("network-vif-plugged", port_id)])
    ...plug...                  # the event may come any time after expect()
    missing = waiter.wait(300)  # the (name, tag) pairs that never came

An event nobody expects is dropped by ``deliver`` (it returns False): it arrived
after its waiter gave up, or is news the agent does not wait for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

#: an event's status, as the API takes it (default "completed")
COMPLETED, FAILED, IN_PROGRESS = "completed", "failed", "in-progress"


class Waiter:
    """The events one operation of one instance waits for."""

    def __init__(self, registry: InstanceEvents, instance_uuid: str,
                 keys: Iterable[tuple[str, str | None]]):
        self._registry, self.instance_uuid = registry, instance_uuid
        self._pending = set(keys)
        #: (name, tag) of the events that came with status "failed"
        self.failed: set[tuple[str, str | None]] = set()
        self._done = threading.Event()
        if not self._pending:
            self._done.set()

    def _take(self, key, status) -> bool:
        if key not in self._pending or status == IN_PROGRESS:
            return False
        self._pending.discard(key)
        if status == FAILED:
            self.failed.add(key)
        if not self._pending:
            self._done.set()
        return True

    def wait(self, timeout: float | None) -> set[tuple[str, str | None]]:
        """Wait up to ``timeout`` seconds (None: forever) for every event; returns
        those that did not come (empty: all came). The waiter is then forgotten."""
        try:
            self._done.wait(timeout)
            return self._registry.pending(self)
        finally:
            self._registry.forget(self)


class InstanceEvents:
    """Waiters by instance, shared by the agent's RPC threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiters: dict[str, list[Waiter]] = {}

    def expect(self, instance_uuid: str,
               keys: Iterable[tuple[str, str | None]]) -> Waiter:
        """A waiter for the events ``keys`` ((name, tag) pairs) of the instance:
        call before whatever makes them happen, so none is missed."""
        waiter = Waiter(self, instance_uuid, keys)
        with self._lock:
            self._waiters.setdefault(instance_uuid, []).append(waiter)
        return waiter

    def deliver(self, instance_uuid: str, name: str, tag: str | None = None,
                status: str = COMPLETED) -> bool:
        """Hand an event to the waiter expecting it; False if none does."""
        with self._lock:
            for waiter in self._waiters.get(instance_uuid, ()):
                if waiter._take((name, tag), status):
                    return True
        return False

    def pending(self, waiter: Waiter) -> set[tuple[str, str | None]]:
        with self._lock:
            return set(waiter._pending)

    def forget(self, waiter: Waiter) -> None:
        with self._lock:
            waiters = self._waiters.get(waiter.instance_uuid, [])
            if waiter in waiters:
                waiters.remove(waiter)
            if not waiters:
                self._waiters.pop(waiter.instance_uuid, None)

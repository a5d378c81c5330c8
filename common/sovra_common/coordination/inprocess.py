"""In-process coordination backend, for lite mode (one all-in-one process).

Coordinators that share an ``InProcessStore`` see each other's members and contend
for the same locks; in lite mode, create one coordinator (or one store) and hand it
to every component of the process.

Keep-alive is implicit: a member or lock lives as long as its coordinator is started,
since nothing can cut a process off from its own memory. ``abandon()`` models the
death of the owner instead (the keep-alive stops without a goodbye): its members and
locks then expire ``ttl`` seconds later, measured by the store's clock. Tests inject
a fake clock there to make expiry instant; lock *waits* always use real time, since
they block a real thread.
"""

import threading
import time
from collections.abc import Callable

from sovra_common.coordination import base, exception

# Longest a lock waiter sleeps between expiry checks while the holder is an abandoned
# coordinator (expiry follows the store's clock, which may be fake and sends no signal).
# A release wakes waiters at once.
_EXPIRY_POLL = 0.05


class _Session:
    """One started period of one coordinator: what its members and locks belong to."""

    def __init__(self):
        self.abandoned_at: float | None = None


class _Entry:
    """A member registration or a lock holding."""

    def __init__(self, session: _Session, ttl: float, value):
        self.session = session
        self.ttl = ttl
        self.value = value  # JSON text for a member, the LockToken for a lock

    def expired(self, now: float) -> bool:
        abandoned_at = self.session.abandoned_at
        return abandoned_at is not None and now >= abandoned_at + self.ttl


class InProcessStore:
    """State shared by the in-process coordinators of one process. Thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.cond = threading.Condition()
        self.groups: dict[str, dict[str, _Entry]] = {}
        self.locks: dict[str, _Entry] = {}

    # Callers hold self.cond.
    def live_group(self, group: str) -> dict[str, _Entry]:
        entries = self.groups.get(group, {})
        now = self.clock()
        for member in [m for m, entry in entries.items() if entry.expired(now)]:
            del entries[member]
        return entries

    def live_lock(self, name: str) -> _Entry | None:
        entry = self.locks.get(name)
        if entry is not None and entry.expired(self.clock()):
            del self.locks[name]
            entry.value.mark_lost()
            self.cond.notify_all()
            return None
        return entry


class InProcessCoordinator(base.Coordinator):
    """A coordinator over an ``InProcessStore`` (a private one if none is given)."""

    def __init__(self, store: InProcessStore | None = None, **defaults):
        super().__init__(**defaults)
        self.store = store if store is not None else InProcessStore()
        self._session: _Session | None = None

    def _start(self) -> None:
        self._session = _Session()

    def _stop(self) -> None:
        session, self._session = self._session, None
        with self.store.cond:
            self._drop(session)

    def abandon(self) -> None:
        """Die without a goodbye: stop, leaving members and locks to expire.

        For tests and fault drills; not part of the ``Coordinator`` contract.
        """
        with self._state_lock:
            if not self._started:
                return
            self._started = False
            session, self._session = self._session, None
            with self.store.cond:
                session.abandoned_at = self.store.clock()
                self.store.cond.notify_all()

    def _drop(self, session: _Session) -> None:
        """Remove what ``session`` owns (caller holds the store's condition)."""
        store = self.store
        for entries in store.groups.values():
            for member in [m for m, e in entries.items() if e.session is session]:
                del entries[member]
        for name in [n for n, e in store.locks.items() if e.session is session]:
            store.locks.pop(name).value.mark_lost()
        store.cond.notify_all()

    # --- liveness --------------------------------------------------------------------
    def _heartbeat(self, group: str, member: str, data: str, ttl: float) -> None:
        session = self._current_session()
        with self.store.cond:
            self.store.live_group(group)
            self.store.groups.setdefault(group, {})[member] = _Entry(session, ttl, data)

    def _leave(self, group: str, member: str) -> None:
        session = self._current_session()
        with self.store.cond:
            entries = self.store.groups.get(group, {})
            entry = entries.get(member)
            if entry is not None and entry.session is session:
                del entries[member]

    def _members(self, group: str) -> dict[str, str]:
        with self.store.cond:
            return {m: e.value for m, e in self.store.live_group(group).items()}

    # --- locks ---------------------------------------------------------------------
    def _acquire(self, name: str, timeout: float, ttl: float) -> base.LockToken:
        session = self._current_session()
        deadline = time.monotonic() + timeout
        store = self.store
        with store.cond:
            while True:
                if self._session is not session:
                    raise exception.NotStarted()
                holder = store.live_lock(name)
                if holder is None:
                    token = base.LockToken(name)
                    store.locks[name] = _Entry(session, ttl, token)
                    return token
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise exception.LockTimeout(name=name, timeout=timeout)
                if holder.session.abandoned_at is not None:
                    remaining = min(remaining, _EXPIRY_POLL)
                store.cond.wait(remaining)

    def _release(self, token: base.LockToken) -> bool:
        store = self.store
        with store.cond:
            holder = store.live_lock(token.name)
            if holder is None or holder.value is not token:
                token.mark_lost()
                return False
            del store.locks[token.name]
            store.cond.notify_all()
            return True

    def _current_session(self) -> _Session:
        session = self._session
        if session is None:
            raise exception.NotStarted()
        return session

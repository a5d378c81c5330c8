"""The coordination contract: liveness of group members, and distributed locks.

A ``Coordinator`` is one process's (or, in lite mode, the whole all-in-one process's)
connection to the coordination backend: ``etcd`` in full mode, ``inprocess`` in lite
mode (see ``factory.py``). Every backend runs the same conformance suite.

Liveness
    ``heartbeat(group, member, data, ttl)`` registers ``member`` in ``group`` (e.g.
    group ``compute-agents``, member ``node1``) with ``data`` (e.g. version,
    started_at) and keeps it alive *in the background* for as long as this coordinator
    runs; the caller does not call it periodically. Peers see it in ``members(group)``
    and ``is_alive(group, member)``, on any coordinator of the same backend.

    A member is down once ``ttl`` seconds have passed without a successful refresh:
    its process died (SIGKILL, power loss) or lost the backend. It then disappears
    from ``members()``; nobody has to clean it up. The backend may notice up to about
    a second late (etcd checks lease expiry twice a second), never early.

    A lost connection does not end anything on its own: the coordinator logs and
    keeps retrying; if the backend comes back before the TTL ran out nobody notices;
    after that the member was reported down, and the coordinator registers it again
    (same data) as soon as it can, so it comes back up without the caller's help.

    ``leave()`` and ``stop()`` remove members at once (peers see them go immediately);
    if the backend cannot be reached then, the member expires after its TTL instead
    (``leave()`` raises ``CoordinationUnavailable`` to say so, ``stop()`` logs it).
    One (group, member) should have one owner; if two coordinators register the same
    one, the last registration's data shows.

Locks
    ``with coordinator.lock(name, timeout=..., ttl=...):`` blocks until the lock is
    free or ``timeout`` seconds have passed, then raises ``LockTimeout``. A free lock
    is handed to one waiter as soon as it is released (no polling period to wait out).

    The lock is held with a lease of ``ttl`` seconds that the coordinator refreshes in
    the background, so a critical section may run longer than ``ttl``; if the holder
    dies, the lock frees itself after ``ttl``.

    Locks are **not re-entrant**: asking again for a lock you hold (same thread, same
    coordinator, or another) waits like any other contender, and times out. Nor are
    they fair: when a lock frees, any waiter (or a newcomer) may get it next.

    If the lease is lost while held (the holder could not reach the backend for longer
    than ``ttl``, or the coordinator was stopped), another process may have taken the
    lock. The holder learns it at the end of the ``with`` block: ``LockLost`` is raised
    if the block itself succeeded (if the block raised, its exception propagates and
    the loss is logged). ``token.lost`` tells it earlier, for a long critical section
    that wants to check before committing. If the backend cannot be reached at release,
    this is logged and the lock frees itself after ``ttl``.

Errors
    Every backend call that cannot reach the backend raises ``CoordinationUnavailable``
    (a ``ServiceUnavailable``); ``members()`` never answers from stale data. Calls on a
    coordinator that is not started raise ``NotStarted``. Bad names or values raise
    ``ValueError``/``TypeError``.

Names: groups and members are non-empty strings without ``/``; lock names are
non-empty strings. ``data`` is a dict of JSON values and comes back as JSON
round-trips it (tuples become lists). TTLs are seconds >= 1; a backend may lengthen a
TTL (etcd rounds up to whole seconds and enforces its minimum lease TTL, 2 s with
etcd's default timing), never shorten it.

Thread safety: a coordinator may be shared by any number of threads.
"""

import abc
import contextlib
import json
import logging
import threading
import uuid
from collections.abc import Iterator, Mapping

from sovra_common.coordination import exception

LOG = logging.getLogger(__name__)


class LockToken:
    """One acquisition of a lock, yielded by ``Coordinator.lock()``."""

    def __init__(self, name: str):
        self.name = name
        # Unique per acquisition: what the backend records as the holder.
        self.owner = uuid.uuid4().hex
        self._lost = threading.Event()

    @property
    def lost(self) -> bool:
        """True once the lease behind this lock is known to have ended."""
        return self._lost.is_set()

    def mark_lost(self) -> None:
        self._lost.set()

    def __repr__(self) -> str:
        return f"<LockToken {self.name!r} owner={self.owner} lost={self.lost}>"


class Coordinator(abc.ABC):
    """Liveness and locks; see the module docstring for the contract.

    Backends implement the ``_``-prefixed abstract methods; the public methods here
    validate arguments, apply defaults and check the started state first, so the
    backends see only valid calls on a started coordinator.
    """

    def __init__(self, *, heartbeat_ttl: float = 10, lock_ttl: float = 30,
                 lock_timeout: float = 60):
        self.heartbeat_ttl = _check_ttl(heartbeat_ttl)
        self.lock_ttl = _check_ttl(lock_ttl)
        self.lock_timeout = _check_timeout(lock_timeout)
        self._state_lock = threading.Lock()
        self._started = False

    # --- lifecycle -----------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._started

    def start(self) -> None:
        """Connect to the backend and start background work.

        Raises ``CoordinationUnavailable`` if the backend cannot be reached. Starting a
        started coordinator does nothing; a stopped one may be started again.
        """
        with self._state_lock:
            if self._started:
                return
            self._start()
            self._started = True

    def stop(self) -> None:
        """Leave every group and free every lock this coordinator holds, at once.

        Best effort: what cannot be removed (backend unreachable) expires after its
        TTL. Holders still inside a ``with lock()`` block get ``LockLost`` at its end.
        Stopping a stopped coordinator does nothing.
        """
        with self._state_lock:
            if not self._started:
                return
            self._started = False
            self._stop()

    def __enter__(self) -> "Coordinator":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- liveness --------------------------------------------------------------------
    def heartbeat(self, group: str, member: str, data: Mapping | None = None,
                  ttl: float | None = None) -> None:
        """Register ``member`` in ``group`` and keep it alive in the background.

        Returns once the member is visible to every coordinator. Calling it again for
        the same member replaces its data (and TTL). ``ttl`` defaults to
        ``[coordination] heartbeat_ttl``.
        """
        _check_name("group", group)
        _check_name("member", member)
        encoded = _encode_data(data)
        ttl = self.heartbeat_ttl if ttl is None else _check_ttl(ttl)
        self._check_started()
        self._heartbeat(group, member, encoded, ttl)

    def leave(self, group: str, member: str) -> None:
        """Stop the heartbeat of ``member`` and remove it from ``group`` at once.

        Only members this coordinator registered are removed; anything else is a no-op.
        """
        _check_name("group", group)
        _check_name("member", member)
        self._check_started()
        self._leave(group, member)

    def members(self, group: str) -> dict[str, dict]:
        """The live members of ``group``: ``{member: data}`` (empty if none)."""
        _check_name("group", group)
        self._check_started()
        return {member: json.loads(raw) for member, raw in self._members(group).items()}

    def is_alive(self, group: str, member: str) -> bool:
        """Whether ``member`` of ``group`` is live right now."""
        _check_name("group", group)
        _check_name("member", member)
        self._check_started()
        return self._is_alive(group, member)

    # --- locks ---------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, name: str, timeout: float | None = None,
             ttl: float | None = None) -> Iterator[LockToken]:
        """Hold the distributed lock ``name`` for the ``with`` block.

        ``timeout``: longest wait in seconds (``0``: one try), default
        ``[coordination] lock_timeout``; then ``LockTimeout``. ``ttl``: how long the
        lock outlives a dead holder, default ``[coordination] lock_ttl``. Yields a
        ``LockToken``. Not re-entrant.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"lock name must be a non-empty string, not {name!r}")
        timeout = self.lock_timeout if timeout is None else _check_timeout(timeout)
        ttl = self.lock_ttl if ttl is None else _check_ttl(ttl)
        self._check_started()
        token = self._acquire(name, timeout, ttl)
        try:
            yield token
        except BaseException:
            if not self._release_quietly(token):
                LOG.error("Lock %s was lost while its holder was failing", name)
            raise
        if not self._release_quietly(token):
            raise exception.LockLost(name=name)

    def _release_quietly(self, token: LockToken) -> bool:
        """Release; False only if the lock is known lost (unreachable: logged)."""
        try:
            return self._release(token)
        except exception.CoordinationUnavailable as exc:
            LOG.warning("Could not release lock %s (%s); it frees itself when its "
                        "lease expires", token.name, exc)
            return True

    def _check_started(self) -> None:
        if not self._started:
            raise exception.NotStarted()

    # --- what a backend implements -------------------------------------------------
    @abc.abstractmethod
    def _start(self) -> None:
        """Connect; raise ``CoordinationUnavailable`` if the backend is unreachable."""

    @abc.abstractmethod
    def _stop(self) -> None:
        """Remove this coordinator's members and locks (best effort); end background
        work. Tokens of locks still held must be marked lost, and ``_release`` of them
        must then return False without raising."""

    @abc.abstractmethod
    def _heartbeat(self, group: str, member: str, data: str, ttl: float) -> None:
        """Register or update a member; ``data`` is JSON text. Visible on return."""

    @abc.abstractmethod
    def _leave(self, group: str, member: str) -> None:
        """Unregister a member this coordinator registered; else do nothing."""

    @abc.abstractmethod
    def _members(self, group: str) -> dict[str, str]:
        """``{member: data as JSON text}`` of the live members of ``group``."""

    def _is_alive(self, group: str, member: str) -> bool:
        return member in self._members(group)

    @abc.abstractmethod
    def _acquire(self, name: str, timeout: float, ttl: float) -> LockToken:
        """Block until held (return a new token) or raise ``LockTimeout``."""

    @abc.abstractmethod
    def _release(self, token: LockToken) -> bool:
        """Free the lock; True if ``token`` still held it, False if it was lost."""


def _check_name(kind: str, value) -> None:
    if not isinstance(value, str) or not value or "/" in value:
        raise ValueError(f"{kind} must be a non-empty string without '/', not {value!r}")


def _check_ttl(ttl) -> float:
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl >= 1:
        raise ValueError(f"ttl must be a number of seconds >= 1, not {ttl!r}")
    return ttl


def _check_timeout(timeout) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not timeout >= 0:
        raise ValueError(f"timeout must be a number of seconds >= 0, not {timeout!r}")
    return timeout


def _encode_data(data) -> str:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise TypeError(f"member data must be a mapping, not {type(data).__name__}")
    try:
        return json.dumps(dict(data), sort_keys=True, allow_nan=False)
    except ValueError as exc:
        raise ValueError(f"member data is not JSON: {exc}") from exc

"""A short-lived, per-process cache of validated tokens.

Contract:

- Keyed by the SHA-256 of the token; the raw token is never stored.
- An entry lives ``ttl`` seconds and never past the token's own ``expires_at``.
  ``ttl = 0`` disables the cache (every request asks identity).
- At most ``max_size`` entries; when full, the least recently used goes first.
- Explicit invalidation by token or audit id (a token's own audit id or its chain's),
  by user (optionally only in one project), by project, by domain, or everything.
  ``RevocationEndpoint`` (revocation.py) drives these from identity's notifications.
- A validation that was in flight while an invalidation happened is not cached
  (``generation`` / ``put(..., generation=...)``): a revocation that overtakes the
  response it revokes still wins.
- Thread-safe. ``clock`` (POSIX seconds, default ``time.time``) is injectable so tests
  move time instead of sleeping; it is a wall clock because ``expires_at`` is one.

The trade-off of ``ttl``: with notifications flowing, revocation is immediate; the TTL
bounds how long a revoked token can still be accepted when a notification is lost or
the bus is down. 30 s keeps identity's load to one validation per token per 30 s per
process, which is the point of caching at all.
"""

import collections
import hashlib
import threading
import time
from collections.abc import Callable

from sovra_common.auth.token_info import TokenInfo


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class _Entry:
    __slots__ = ("info", "deadline")

    def __init__(self, info: TokenInfo, deadline: float):
        self.info = info
        self.deadline = deadline


class TokenCache:
    def __init__(self, ttl: float = 30, max_size: int = 10000,
                 clock: Callable[[], float] = time.time):
        if ttl < 0:
            raise ValueError("ttl must be >= 0")
        if max_size < 1:
            raise ValueError("max_size must be >= 1")
        self.ttl = ttl
        self.max_size = max_size
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: collections.OrderedDict[str, _Entry] = collections.OrderedDict()
        # secondary indexes: value -> keys of the entries that carry it
        self._by_audit: dict[str, set[str]] = {}
        self._by_user: dict[str, set[str]] = {}
        self._by_project: dict[str, set[str]] = {}
        self._by_domain: dict[str, set[str]] = {}
        self._generation = 0

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    @property
    def generation(self) -> int:
        """Changes on every invalidation; pass it back to ``put``."""
        return self._generation

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> TokenInfo | None:
        if not self.enabled:
            return None
        key = token_hash(token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.deadline <= self._clock():
                self._remove(key)
                return None
            self._entries.move_to_end(key)
            return entry.info

    def put(self, token: str, info: TokenInfo, generation: int | None = None) -> bool:
        """Cache ``info`` for ``token``; False when not cached (disabled, expired or
        unknown expiry, or an invalidation since ``generation`` was read)."""
        if not self.enabled or info.expires_at is None:
            return False
        key = token_hash(token)
        with self._lock:
            if generation is not None and generation != self._generation:
                return False
            now = self._clock()
            deadline = min(now + self.ttl, info.expires_at)
            if deadline <= now:
                return False
            if key in self._entries:
                self._remove(key)
            elif len(self._entries) >= self.max_size:
                self._make_room()
            self._entries[key] = _Entry(info, deadline)
            for index, values in self._index_values(info):
                for value in values:
                    index.setdefault(value, set()).add(key)
            return True

    # -- invalidation ---------------------------------------------------------

    def invalidate_token(self, token_or_audit_id: str) -> int:
        """Drop the entry of this token, or every token carrying this audit id (its
        own, or its chain's: a rescoped token shares its parent's chain id)."""
        with self._lock:
            keys = set(self._by_audit.get(token_or_audit_id, ()))
            key = token_hash(token_or_audit_id)
            if key in self._entries:
                keys.add(key)
            return self._remove_all(keys)

    def invalidate_user(self, user_id: str, project_id: str | None = None) -> int:
        """Drop the user's tokens; only those scoped to ``project_id`` when given."""
        with self._lock:
            keys = set(self._by_user.get(user_id, ()))
            if project_id is not None:
                keys &= self._by_project.get(project_id, set())
            return self._remove_all(keys)

    def invalidate_project(self, project_id: str) -> int:
        with self._lock:
            return self._remove_all(set(self._by_project.get(project_id, ())))

    def invalidate_domain(self, domain_id: str) -> int:
        """Drop tokens whose user or project lives in the domain, or scoped to it."""
        with self._lock:
            return self._remove_all(set(self._by_domain.get(domain_id, ())))

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            for index in (self._by_audit, self._by_user, self._by_project,
                          self._by_domain):
                index.clear()
            self._generation += 1
            return count

    # -- internals (lock held) ------------------------------------------------

    def _index_values(self, info: TokenInfo):
        return ((self._by_audit, info.audit_ids),
                (self._by_user, (info.user_id,)),
                (self._by_project, (info.project_id,) if info.project_id else ()),
                (self._by_domain, info.domain_ids()))

    def _remove(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for index, values in self._index_values(entry.info):
            for value in values:
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]

    def _remove_all(self, keys: set[str]) -> int:
        self._generation += 1
        for key in keys:
            self._remove(key)
        return len(keys)

    def _make_room(self) -> None:
        # LRU order also serves expiry: get() drops an expired entry it meets, so an
        # expired entry is never moved to the recent end and leaves first.
        while len(self._entries) >= self.max_size:
            self._remove(next(iter(self._entries)))

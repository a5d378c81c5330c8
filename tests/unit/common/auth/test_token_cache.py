import hashlib

import pytest

from sovra_common.auth.token_cache import TokenCache
from sovra_common.auth.token_info import TokenInfo

T0 = 1_900_000_000.0


class FakeClock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def info(user="u1", project="p1", audit_ids=("a1",), expires_in=3600.0, **kwargs):
    return TokenInfo(user_id=user, project_id=project, audit_ids=tuple(audit_ids),
                     expires_at=T0 + expires_in, user_domain_id="d-user",
                     project_domain_id="d-proj", **kwargs)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def cache(clock):
    return TokenCache(ttl=30, max_size=100, clock=clock)


def test_hit_and_miss(cache):
    data = info()
    assert cache.put("tok-1", data)
    assert cache.get("tok-1") is data
    assert cache.get("tok-2") is None


def test_keyed_by_hash_never_raw_token(cache):
    cache.put("secret-token", info())
    keys = list(cache._entries)
    assert keys == [hashlib.sha256(b"secret-token").hexdigest()]
    assert "secret-token" not in repr(cache.__dict__)


def test_ttl_expiry(cache, clock):
    cache.put("t", info())
    clock.advance(29.9)
    assert cache.get("t") is not None
    clock.advance(0.2)
    assert cache.get("t") is None
    assert len(cache) == 0


def test_never_outlives_token_expiry(cache, clock):
    cache.put("t", info(expires_in=5))
    clock.advance(4.9)
    assert cache.get("t") is not None
    clock.advance(0.2)
    assert cache.get("t") is None


def test_expired_or_undated_token_not_cached(cache):
    assert not cache.put("t", info(expires_in=0))
    assert not cache.put("t", info(expires_in=-10))
    assert not cache.put("t", TokenInfo(user_id="u", project_id="p"))
    assert len(cache) == 0


def test_ttl_zero_disables(clock):
    cache = TokenCache(ttl=0, clock=clock)
    assert not cache.enabled
    assert not cache.put("t", info())
    assert cache.get("t") is None


def test_size_bound_evicts_least_recently_used(clock):
    cache = TokenCache(ttl=30, max_size=3, clock=clock)
    for i in range(3):
        cache.put(f"t{i}", info(user=f"u{i}", audit_ids=(f"a{i}",)))
    assert cache.get("t0") is not None          # t0 is now the most recent
    cache.put("t3", info(user="u3", audit_ids=("a3",)))
    assert len(cache) == 3
    assert cache.get("t1") is None
    assert all(cache.get(t) is not None for t in ("t0", "t2", "t3"))
    # the evicted entry left no trace in the indexes
    assert "u1" not in cache._by_user and "a1" not in cache._by_audit


def test_put_again_replaces(cache):
    cache.put("t", info(user="old"))
    cache.put("t", info(user="new"))
    assert len(cache) == 1
    assert cache.get("t").user_id == "new"
    assert cache.invalidate_user("old") == 0


def test_invalidate_by_token(cache):
    cache.put("t1", info(audit_ids=("a1",)))
    cache.put("t2", info(audit_ids=("a2",)))
    assert cache.invalidate_token("t1") == 1
    assert cache.get("t1") is None
    assert cache.get("t2") is not None


def test_invalidate_by_audit_id_and_chain(cache):
    # t2 was rescoped from t1: it carries t1's audit id as its chain id
    cache.put("t1", info(audit_ids=("a1",)))
    cache.put("t2", info(audit_ids=("a2", "a1")))
    cache.put("t3", info(audit_ids=("a3",)))
    assert cache.invalidate_token("a2") == 1
    assert cache.get("t1") is not None
    cache.put("t2", info(audit_ids=("a2", "a1")))
    assert cache.invalidate_token("a1") == 2
    assert cache.get("t1") is None and cache.get("t2") is None
    assert cache.get("t3") is not None


def test_invalidate_user(cache):
    cache.put("t1", info(user="u1", project="p1"))
    cache.put("t2", info(user="u1", project="p2"))
    cache.put("t3", info(user="u2", project="p1"))
    assert cache.invalidate_user("u1", project_id="p2") == 1
    assert cache.get("t1") is not None and cache.get("t2") is None
    assert cache.invalidate_user("u1") == 1
    assert cache.get("t1") is None
    assert cache.get("t3") is not None


def test_invalidate_project(cache):
    cache.put("t1", info(user="u1", project="p1"))
    cache.put("t2", info(user="u2", project="p1"))
    cache.put("t3", info(user="u3", project="p2"))
    assert cache.invalidate_project("p1") == 2
    assert cache.get("t3") is not None
    assert cache.invalidate_project("nope") == 0


def test_invalidate_domain(cache):
    cache.put("t1", info(user="u1"))  # user and project domains d-user / d-proj
    cache.put("t2", TokenInfo(user_id="u2", domain_id="d-scope", expires_at=T0 + 60))
    cache.put("t3", TokenInfo(user_id="u3", project_id="p3", user_domain_id="other",
                              project_domain_id="other", expires_at=T0 + 60))
    assert cache.invalidate_domain("d-proj") == 1
    assert cache.invalidate_domain("d-scope") == 1
    assert cache.get("t3") is not None


def test_clear(cache):
    cache.put("t1", info())
    cache.put("t2", info(user="u2"))
    assert cache.clear() == 2
    assert len(cache) == 0
    assert cache.get("t1") is None


def test_invalidation_during_validation_wins(cache):
    generation = cache.generation        # validation starts
    cache.invalidate_user("u1")          # revocation overtakes the response
    assert not cache.put("t", info(), generation=generation)
    assert cache.get("t") is None
    assert cache.put("t", info(), generation=cache.generation)


def test_bad_arguments():
    with pytest.raises(ValueError):
        TokenCache(ttl=-1)
    with pytest.raises(ValueError):
        TokenCache(max_size=0)

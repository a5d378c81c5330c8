import pytest

from sovra_common.auth import revocation
from sovra_common.auth.revocation import RevocationEndpoint
from sovra_common.auth.token_cache import TokenCache
from sovra_common.auth.token_info import TokenInfo

T0 = 1_900_000_000.0

TOKENS = {
    # token: (user, project, audit ids, user domain)
    "t-alice-p1": ("alice", "p1", ("a1",), "d1"),
    "t-alice-p2": ("alice", "p2", ("a2", "a1"), "d1"),   # rescoped from a1
    "t-bob-p1": ("bob", "p1", ("b1",), "d1"),
    "t-carol-p3": ("carol", "p3", ("c1",), "d2"),
}


@pytest.fixture
def cache():
    cache = TokenCache(ttl=30, clock=lambda: T0)
    for token, (user, project, audit, domain) in TOKENS.items():
        cache.put(token, TokenInfo(user_id=user, project_id=project, audit_ids=audit,
                                   user_domain_id=domain, project_domain_id=domain,
                                   expires_at=T0 + 3600))
    return cache


def _left(cache):
    return {t for t in TOKENS if cache.get(t) is not None}


def _notify(cache, event_type, payload):
    result = RevocationEndpoint(cache).info({}, "identity.host", event_type, payload,
                                            {"message_id": "m", "timestamp": "t"})
    assert result is None   # acknowledged
    return _left(cache)


ALL = set(TOKENS)


@pytest.mark.parametrize("event_type,payload,gone", [
    (revocation.TOKEN_REVOKED, {"audit_id": "b1"}, {"t-bob-p1"}),
    (revocation.TOKEN_REVOKED, {"audit_id": "a1"}, {"t-alice-p1", "t-alice-p2"}),
    (revocation.TOKEN_REVOKED, {"audit_chain_id": "a1"}, {"t-alice-p1", "t-alice-p2"}),
    (revocation.TOKEN_REVOKED, {"audit_ids": ["a2", "c1"]}, {"t-alice-p2", "t-carol-p3"}),
    (revocation.TOKEN_REVOKED, {}, ALL),
    (revocation.USER_DISABLED, {"user_id": "alice"}, {"t-alice-p1", "t-alice-p2"}),
    (revocation.USER_DELETED, {"user_id": "bob"}, {"t-bob-p1"}),
    (revocation.USER_PASSWORD_CHANGED, {"user_id": "carol"}, {"t-carol-p3"}),
    (revocation.USER_DELETED, {"resource_info": "bob"}, {"t-bob-p1"}),
    (revocation.USER_DELETED, {"user_id": 7}, ALL),
    (revocation.PROJECT_DISABLED, {"project_id": "p1"}, {"t-alice-p1", "t-bob-p1"}),
    (revocation.PROJECT_DELETED, {"project_id": "p3"}, {"t-carol-p3"}),
    (revocation.PROJECT_DELETED, {}, ALL),
    (revocation.ROLE_ASSIGNMENT_DELETED, {"user_id": "alice", "project_id": "p2"},
     {"t-alice-p2"}),
    (revocation.ROLE_ASSIGNMENT_DELETED, {"user_id": "alice", "project_id": "p2",
                                          "inherited": True},
     {"t-alice-p1", "t-alice-p2"}),
    (revocation.ROLE_ASSIGNMENT_DELETED, {"user_id": "alice", "domain_id": "d1"},
     {"t-alice-p1", "t-alice-p2"}),
    (revocation.ROLE_ASSIGNMENT_DELETED, {"group_id": "g", "project_id": "p1"},
     {"t-alice-p1", "t-bob-p1"}),
    (revocation.ROLE_ASSIGNMENT_DELETED, {"group_id": "g", "domain_id": "d1"}, ALL),
    (revocation.DOMAIN_DISABLED, {"domain_id": "d2"}, {"t-carol-p3"}),
    (revocation.DOMAIN_DELETED, {"domain_id": "d1"}, ALL - {"t-carol-p3"}),
    (revocation.ROLE_DELETED, {"role_id": "r"}, ALL),
    ("identity.project.created", {"project_id": "p1"}, set()),
    ("compute.instance.create.end", {}, set()),
])
def test_event(cache, event_type, payload, gone):
    assert _notify(cache, event_type, payload) == ALL - gone


def test_non_object_payload_clears_for_known_events_only(cache):
    assert _notify(cache, "identity.project.created", "junk") == ALL
    assert _notify(cache, revocation.USER_DELETED, "junk") == set()


def test_event_types_listed():
    endpoint = RevocationEndpoint(TokenCache())
    assert revocation.TOKEN_REVOKED in endpoint.event_types
    assert len(endpoint.event_types) == 10

import datetime

import pytest

from sovra_common.auth.token_info import TokenInfo, parse_expires_at

PROJECT_TOKEN = {"token": {
    "methods": ["password"],
    "user": {"id": "u1", "name": "alice", "password_expires_at": None,
             "domain": {"id": "default", "name": "Default"}},
    "project": {"id": "p1", "name": "demo",
                "domain": {"id": "default", "name": "Default"}},
    "roles": [{"id": "r1", "name": "member"}, {"id": "r2", "name": "reader"}],
    "audit_ids": ["own", "chain"],
    "expires_at": "2030-01-02T03:04:05.000000Z",
    "issued_at": "2030-01-02T02:04:05.000000Z",
    "is_domain": False,
}}


def test_project_scoped():
    info = TokenInfo.from_body(PROJECT_TOKEN)
    assert (info.user_id, info.user_name, info.user_domain_id) == \
        ("u1", "alice", "default")
    assert (info.project_id, info.project_name, info.project_domain_name) == \
        ("p1", "demo", "Default")
    assert info.roles == ("member", "reader") and info.role_ids == ("r1", "r2")
    assert info.audit_ids == ("own", "chain")
    assert info.methods == ("password",)
    assert info.expires_at == datetime.datetime(
        2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc).timestamp()
    assert info.is_admin_project is True      # absent -> Keystone's default
    assert info.scoped and info.system_scope is None and info.domain_id is None
    assert info.domain_ids() == {"default"}


def test_domain_system_and_unscoped():
    base = {k: v for k, v in PROJECT_TOKEN["token"].items()
            if k not in ("project", "roles")}
    info = TokenInfo.from_body({"token": dict(base, domain={"id": "d1", "name": "D"})})
    assert info.domain_id == "d1" and info.scoped
    info = TokenInfo.from_body({"token": dict(base, system={"all": True},
                                              is_admin_project=False)})
    assert info.system_scope == "all" and info.scoped
    assert info.is_admin_project is False
    info = TokenInfo.from_body({"token": base})
    assert not info.scoped and info.roles == ()


@pytest.mark.parametrize("body", [
    None, [], {}, {"token": "x"}, {"token": {}}, {"token": {"user": {}}},
    {"token": {"user": {"id": 5}}},
    {"token": {"user": {"id": "u"}, "project": "p"}},
    {"token": {"user": {"id": "u"}, "roles": "admin"}},
    {"token": {"user": {"id": "u"}, "roles": ["admin"]}},
    {"token": {"user": {"id": "u"}, "audit_ids": "a"}},
])
def test_malformed_bodies(body):
    with pytest.raises(ValueError):
        TokenInfo.from_body(body)


@pytest.mark.parametrize("value,expected", [
    ("2030-01-01T00:00:00Z", 1893456000.0),
    ("2030-01-01T00:00:00.500000Z", 1893456000.5),
    ("2030-01-01T00:00:00", 1893456000.0),          # naive means UTC
    ("2030-01-01T01:00:00+01:00", 1893456000.0),
    ("tomorrow", None), (None, None), (12, None),
])
def test_parse_expires_at(value, expected):
    assert parse_expires_at(value) == expected

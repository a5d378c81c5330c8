"""Effective roles (groups, inheritance, implied roles), revocation events, token
validation following the database, bootstrap idempotency."""

import pytest

from sovra_common.db import Database, migration
from sovra_identity.db import DATABASE, models
from sovra_identity.service import assignment, bootstrap, domain, group, project, role
from sovra_identity.service import user as user_service
from sovra_identity.service.revocation import Revoker
from sovra_identity.service.token import TokenProvider
from sovra_identity.service.user import PasswordPolicy
from sovra_identity.token import formatter, keys


class Recorder:
    def __init__(self):
        self.events = []

    def info(self, ctxt, publisher, event_type, payload, metadata):
        self.events.append((event_type, payload))


@pytest.fixture
def env(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path / 'identity.db'}")
    migration.upgrade(db, DATABASE.migrations)
    recorder = Recorder()
    revoker = Revoker(db, 3600, listeners=[recorder])
    keys.setup(str(tmp_path / "keys"))
    provider = TokenProvider(db, formatter.TokenFormatter(keys.KeyRing(
        str(tmp_path / "keys"))), revoker, 3600)
    domain.create(db, "Default", domain_id="default")
    roles = {n: role.create(db, name=n) for n in ("admin", "member", "reader", "other")}
    role.create_implied(db, roles["admin"].id, roles["member"].id)
    role.create_implied(db, roles["member"].id, roles["reader"].id)
    policy = PasswordPolicy(12)
    yield db, revoker, provider, roles, recorder, policy
    db.dispose()


def _names(db, user_id, **scope):
    with db.reader() as session:
        if "project_id" in scope:
            scope = {"project": session.get(models.Project, scope.pop("project_id"))}
        return [r.name for r in assignment.effective_roles(session, user_id, **scope)]


def test_implied_roles_and_cycles(env):
    db, revoker, provider, roles, recorder, policy = env
    p = project.create(db, name="p", domain_id="default")
    u = user_service.create(db, policy, name="u", domain_id="default")
    assignment.grant(db, "user", u.id, "project", p.id, roles["admin"].id)
    assert _names(db, u.id, project_id=p.id) == ["admin", "member", "reader"]
    with pytest.raises(Exception, match="cycle"):
        role.create_implied(db, roles["reader"].id, roles["admin"].id)


def test_group_and_inherited_assignments(env):
    db, revoker, provider, roles, recorder, policy = env
    parent = project.create(db, name="parent", domain_id="default")
    child = project.create(db, name="child", parent_id=parent.id)
    u = user_service.create(db, policy, name="u", domain_id="default")
    g = group.create(db, name="g", domain_id="default")
    group.add_user(db, g.id, u.id)
    assignment.grant(db, "group", g.id, "project", parent.id, roles["reader"].id,
                     inherited=True)
    assert _names(db, u.id, project_id=parent.id) == []
    assert _names(db, u.id, project_id=child.id) == ["reader"]
    assignment.grant(db, "user", u.id, "domain", "default", roles["other"].id,
                     inherited=True)
    assert _names(db, u.id, project_id=parent.id) == ["other"]
    assert _names(db, u.id, domain_id="default") == []
    entries = assignment.list_entries(db, effective=True, user_id=u.id)
    assert {(e.target_id, e.role_id) for e in entries} == {
        (child.id, roles["reader"].id), (parent.id, roles["other"].id),
        (child.id, roles["other"].id)}
    assert [p.name for p in assignment.projects_of_user(db, u.id)] == ["child", "parent"]
    group.remove_user(db, revoker, g.id, u.id)
    assert _names(db, u.id, project_id=child.id) == ["other"]
    assert recorder.events[-1] == ("identity.role_assignment.deleted", {"user_id": u.id})


def test_validation_follows_the_database(env):
    db, revoker, provider, roles, recorder, policy = env
    p = project.create(db, name="p", domain_id="default")
    u = user_service.create(db, policy, name="u", domain_id="default")
    assignment.grant(db, "user", u.id, "project", p.id, roles["member"].id)
    token, body = provider.issue(user_id=u.id, methods=["password"], scope="project",
                                 scope_id=p.id, include_catalog=False)
    assert provider.validate(token)["token"]["roles"] == body["token"]["roles"]
    # a role deleted: the token loses it (no other role left: invalid)
    role.delete(db, revoker, roles["reader"].id)
    assert [r["name"] for r in provider.validate(token)["token"]["roles"]] == ["member"]
    assignment.revoke(db, revoker, "user", u.id, "project", p.id, roles["member"].id)
    with pytest.raises(formatter.InvalidToken):
        provider.validate(token)
    assert recorder.events[-1] == ("identity.role_assignment.deleted",
                                   {"user_id": u.id, "project_id": p.id})
    # another project's token of the same user is not affected by that event
    q = project.create(db, name="q", domain_id="default")
    assignment.grant(db, "user", u.id, "project", q.id, roles["member"].id)
    other, _ = provider.issue(user_id=u.id, methods=["password"], scope="project",
                              scope_id=q.id)
    provider.validate(other)
    # a disabled domain ends every token of its users
    domain.update(db, revoker, "default", {"enabled": False})
    with pytest.raises(formatter.InvalidToken):
        provider.validate(other)
    domain.update(db, revoker, "default", {"enabled": True})
    with pytest.raises(formatter.InvalidToken):  # the revocation event stays
        provider.validate(other)


def test_revoke_by_audit_id_survives_a_new_provider(env, tmp_path):
    db, revoker, provider, roles, recorder, policy = env
    u = user_service.create(db, policy, name="u", domain_id="default")
    token, _ = provider.issue(user_id=u.id, methods=["password"], scope="unscoped",
                              scope_id=None)
    keep, _ = provider.issue(user_id=u.id, methods=["password"], scope="unscoped",
                             scope_id=None)
    provider.revoke(token)
    fresh = TokenProvider(db, provider.formatter, Revoker(db, 3600), 3600)  # "restart"
    with pytest.raises(formatter.InvalidToken):
        fresh.validate(token)
    fresh.validate(keep)


def test_bootstrap_is_idempotent(env):
    db, revoker, provider, roles, recorder, policy = env
    first = bootstrap.bootstrap(db, revoker, policy, admin_password="pw-1",
                                public_url="http://127.0.0.1:5000/v3")
    assert "user admin" in first.created and "endpoint identity public" in first.created
    again = bootstrap.bootstrap(db, revoker, policy, admin_password="pw-1",
                                public_url="http://127.0.0.1:5000/v3")
    assert again.created == [] and again.admin_user_id == first.admin_user_id
    names = _names(db, first.admin_user_id, project_id=first.admin_project_id)
    assert names == ["admin", "member", "reader"]
    assert _names(db, first.admin_user_id, system=True) == ["admin", "member", "reader"]

"""Who may see and change what; revocation takes effect at once."""

import uuid

import pytest
import requests


def _create(identity, kind, body):
    resp = identity.call("POST", f"/{kind}s", json={kind: body})
    assert resp.status_code == 201, resp.text
    return resp.json()[kind]


def _role_id(identity, name):
    roles = identity.call("GET", f"/roles?name={name}").json()["roles"]
    return roles[0]["id"]


@pytest.fixture(scope="module")
def tenants(identity):
    """Projects A and B, a member of A (alice), a reader of B (bob)."""
    tag = uuid.uuid4().hex[:6]
    a = _create(identity, "project", {"name": f"a-{tag}", "domain_id": "default"})
    b = _create(identity, "project", {"name": f"b-{tag}", "domain_id": "default"})
    alice = _create(identity, "user", {"name": f"alice-{tag}", "password": "alice-pw",
                                       "domain_id": "default"})
    bob = _create(identity, "user", {"name": f"bob-{tag}", "password": "bob-pw",
                                     "domain_id": "default"})
    member, reader = _role_id(identity, "member"), _role_id(identity, "reader")
    for project, user, role in ((a, alice, member), (b, bob, reader)):
        resp = identity.call("PUT", f"/projects/{project['id']}/users/{user['id']}"
                                    f"/roles/{role}")
        assert resp.status_code == 204
    return {"a": a, "b": b, "alice": alice, "bob": bob, "member": member}


def test_member_sees_only_own_project(identity, tenants):
    token, body = identity.token(tenants["alice"]["name"], "alice-pw",
                                 project=tenants["a"]["name"])
    # implied: member -> reader
    assert {r["name"] for r in body["token"]["roles"]} == {"member", "reader"}
    assert identity.call("GET", f"/projects/{tenants['a']['id']}", token).status_code == 200
    assert identity.call("GET", f"/projects/{tenants['b']['id']}", token).status_code == 403
    assert identity.call("GET", "/users", token).status_code == 403
    assert identity.call("GET", f"/users/{tenants['bob']['id']}", token).status_code == 403
    assert identity.call("GET", f"/users/{tenants['alice']['id']}", token).status_code == 200
    other = identity.call("GET", f"/role_assignments?scope.project.id={tenants['b']['id']}",
                          token)
    assert other.status_code == 403
    own = identity.call("GET", f"/role_assignments?scope.project.id={tenants['a']['id']}",
                        token)
    assert own.status_code == 200
    assert {e["scope"]["project"]["id"] for e in own.json()["role_assignments"]} == {
        tenants["a"]["id"]}
    assert identity.call("POST", "/projects", token,
                         json={"project": {"name": "x"}}).status_code == 403


def test_reader_cannot_write(identity, tenants):
    token, _ = identity.token(tenants["bob"]["name"], "bob-pw", project=tenants["b"]["name"])
    assert identity.call("PATCH", f"/projects/{tenants['b']['id']}", token,
                         json={"project": {"description": "mine"}}).status_code == 403
    assert identity.call("POST", "/users", token,
                         json={"user": {"name": "eve"}}).status_code == 403
    assert identity.call("PUT", f"/projects/{tenants['b']['id']}/users/"
                                f"{tenants['bob']['id']}/roles/{tenants['member']}",
                         token).status_code == 403


def test_revoked_token_is_refused_at_once(identity, tenants):
    token, _ = identity.token(tenants["alice"]["name"], "alice-pw",
                              project=tenants["a"]["name"])
    path = f"/projects/{tenants['a']['id']}"
    assert identity.call("GET", path, token).status_code == 200  # now cached
    resp = identity.call("DELETE", "/auth/tokens", token, headers={"X-Subject-Token": token})
    assert resp.status_code == 204
    assert identity.call("GET", path, token).status_code == 401
    assert identity.call("GET", "/auth/tokens",
                         headers={"X-Subject-Token": token}).status_code == 404


def test_removed_assignment_and_disabled_user_end_tokens(identity, tenants):
    tag = uuid.uuid4().hex[:6]
    carol = _create(identity, "user", {"name": f"carol-{tag}", "password": "carol-pw"})
    grant = (f"/projects/{tenants['a']['id']}/users/{carol['id']}/roles/"
             f"{tenants['member']}")
    assert identity.call("PUT", grant).status_code == 204
    assert identity.call("HEAD", grant).status_code == 204
    token, _ = identity.token(carol["name"], "carol-pw", project=tenants["a"]["name"])
    path = f"/projects/{tenants['a']['id']}"
    assert identity.call("GET", path, token).status_code == 200
    assert identity.call("DELETE", grant).status_code == 204
    assert identity.call("GET", path, token).status_code == 401
    # granted again: a new token works, the old one stays revoked
    assert identity.call("PUT", grant).status_code == 204
    token2, _ = identity.token(carol["name"], "carol-pw", project=tenants["a"]["name"])
    assert identity.call("GET", path, token2).status_code == 200
    assert identity.call("GET", path, token).status_code == 401
    # disabling the user ends the new one
    assert identity.call("PATCH", f"/users/{carol['id']}",
                         json={"user": {"enabled": False}}).status_code == 200
    assert identity.call("GET", path, token2).status_code == 401
    assert identity.call("GET", "/auth/tokens",
                         headers={"X-Subject-Token": token2}).status_code == 404


def test_password_change_revokes_and_checks_original(identity):
    user = _create(identity, "user", {"name": f"dave-{uuid.uuid4().hex[:6]}",
                                      "password": "old-pw"})
    token, _ = identity.token(user["name"], "old-pw")  # unscoped; not needed to change
    path = f"/users/{user['id']}/password"
    wrong = identity.call("POST", path, token, json={"user": {
        "original_password": "bad", "password": "new-pw"}})
    assert wrong.status_code == 401
    ok = identity.call("POST", path, token, json={"user": {
        "original_password": "old-pw", "password": "new-pw"}})
    assert ok.status_code == 204
    assert identity.call("GET", "/auth/projects", token).status_code == 401
    identity.token(user["name"], "new-pw")


def test_disabled_project_ends_tokens(identity, tenants):
    project = _create(identity, "project", {"name": f"p-{uuid.uuid4().hex[:6]}"})
    admin_role = _role_id(identity, "admin")
    who = identity.call("GET", "/users?name=admin").json()["users"][0]
    assert identity.call("PUT", f"/projects/{project['id']}/users/{who['id']}/roles/"
                                f"{admin_role}").status_code == 204
    token, _ = identity.token("admin", identity.admin_password, project=project["name"])
    assert identity.call("GET", "/projects", token).status_code == 200
    assert identity.call("PATCH", f"/projects/{project['id']}",
                         json={"project": {"enabled": False}}).status_code == 200
    assert identity.call("GET", "/projects", token).status_code == 401


def test_none_in_a_filter_is_not_a_wildcard(identity, tenants):
    """oslo.policy compares strings: "None" must not match a token's missing
    domain."""
    token, _ = identity.token(tenants["alice"]["name"], "alice-pw",
                              project=tenants["a"]["name"])
    assert identity.call("GET", "/users?domain_id=None", token).status_code == 403
    assert identity.call("GET", "/role_assignments?scope.domain.id=None",
                         token).status_code == 403


def test_member_cannot_change_another_projects_users_or_assignments(identity, tenants):
    """Alice (member of A) against Bob and project B: every write refused, and
    nothing changed."""
    token, _ = identity.token(tenants["alice"]["name"], "alice-pw",
                              project=tenants["a"]["name"])
    bob, b = tenants["bob"], tenants["b"]
    grant = f"/projects/{b['id']}/users/{bob['id']}/roles/{tenants['member']}"
    own_grant = f"/projects/{b['id']}/users/{tenants['alice']['id']}/roles/" \
                f"{tenants['member']}"
    refused = {
        ("PATCH", f"/users/{bob['id']}"): {"user": {"enabled": False}},
        ("DELETE", f"/users/{bob['id']}"): None,
        # (the password change needs Bob's password, not a token: as Keystone)
        ("POST", f"/users/{bob['id']}/password"): {"user": {
            "original_password": "alice-pw", "password": "stolen"}},
        ("PUT", grant): None,          # grant Bob more on B
        ("PUT", own_grant): None,      # or herself a role on B
        ("DELETE", f"/projects/{b['id']}/users/{bob['id']}/roles/"
                   f"{_role_id(identity, 'reader')}"): None,
        ("PATCH", f"/projects/{b['id']}"): {"project": {"enabled": False}},
        ("DELETE", f"/projects/{b['id']}"): None,
    }
    for (method, path), body in refused.items():
        resp = identity.call(method, path, token, json=body)
        assert resp.status_code in (401, 403), (method, path, resp.status_code)
    # nor can she read B's assignments another way
    for path in (f"/projects/{b['id']}/users/{bob['id']}/roles",
                 f"/role_assignments?user.id={bob['id']}",
                 f"/users/{bob['id']}/projects",
                 f"/users/{bob['id']}/groups"):
        assert identity.call("GET", path, token).status_code == 403, path
    # Bob, B and his reader role there are as they were
    assert identity.call("GET", f"/users/{bob['id']}").json()["user"]["enabled"] is True
    assert identity.call("GET", f"/projects/{b['id']}").json()["project"]["enabled"]
    roles = identity.call("GET", f"/projects/{b['id']}/users/{bob['id']}/roles").json()
    assert [r["name"] for r in roles["roles"]] == ["reader"]
    assert identity.call("HEAD", own_grant).status_code == 404
    identity.token(bob["name"], "bob-pw", project=b["name"])  # password unchanged


def test_failed_logins_all_look_the_same(identity, tenants):
    """Wrong password, unknown user, wrong domain, disabled user (right password):
    the same 401 body, naming none of them."""
    erin = _create(identity, "user", {"name": f"erin-{uuid.uuid4().hex[:6]}",
                                      "password": "erin-pw", "enabled": False})

    def login(name, password, domain="default"):
        resp = requests.post(f"{identity.auth_url}/auth/tokens", timeout=10, json={
            "auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": name, "domain": {"id": domain}, "password": password}}}}})
        assert resp.status_code == 401 and "X-Subject-Token" not in resp.headers
        return resp.json()

    alice = tenants["alice"]["name"]
    bodies = [login(alice, "wrong-pw"), login("no-such-user", "alice-pw"),
              login(alice, "alice-pw", domain="no-such-domain"),
              login(erin["name"], "erin-pw")]
    assert all(body == bodies[0] for body in bodies), bodies
    message = bodies[0]["error"]["message"].lower()
    for hint in ("password", "user", "domain", "disabled", "not found", "exist"):
        assert hint not in message, message

"""The identity API over HTTP with plain requests: discovery, tokens, errors."""

import datetime

import requests

from sovra_identity.token import formatter


def test_version_discovery(identity):
    root = requests.get(identity.url + "/", timeout=5)
    assert root.status_code == 300
    (v3,) = root.json()["versions"]["values"]
    assert v3["id"].startswith("v3") and v3["status"] == "stable"
    assert v3["links"][0]["href"] == identity.url + "/v3/"
    one = requests.get(identity.url + "/v3", timeout=5)
    assert one.status_code == 200 and one.json()["version"]["id"] == v3["id"]


def test_admin_token_body(identity):
    token, body = identity.token("admin", identity.admin_password, project="admin")
    assert len(token) < 255
    t = body["token"]
    assert t["methods"] == ["password"] and t["user"]["name"] == "admin"
    assert t["project"]["name"] == "admin"
    assert {r["name"] for r in t["roles"]} >= {"admin", "member", "reader"}
    assert "catalog" not in t  # ?nocatalog
    resp = identity.call("GET", "/auth/tokens", token,
                         headers={"X-Subject-Token": token})
    assert resp.status_code == 200 and resp.headers["X-Subject-Token"] == token
    (svc,) = [s for s in resp.json()["token"]["catalog"] if s["type"] == "identity"]
    assert {e["interface"] for e in svc["endpoints"]} == {"public", "internal", "admin"}
    assert identity.call("HEAD", "/auth/tokens", token,
                         headers={"X-Subject-Token": token}).status_code == 200


def test_wrong_password_and_unknown_user_look_the_same(identity):
    def login(name, password):
        return requests.post(f"{identity.auth_url}/auth/tokens", json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": name, "domain": {"id": "default"}, "password": password}}}}},
            timeout=10)
    wrong, unknown = login("admin", "nope"), login("nobody", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "X-Subject-Token" not in wrong.headers


def test_invalid_subject_token_is_404(identity):
    resp = identity.call("GET", "/auth/tokens", headers={"X-Subject-Token": "garbage"})
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == 404


def test_no_token_is_401(identity):
    resp = requests.get(f"{identity.auth_url}/projects", timeout=5)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Keystone")
    bad = requests.get(f"{identity.auth_url}/projects", headers={"X-Auth-Token": "x" * 100},
                       timeout=5)
    assert bad.status_code == 401


def test_malformed_and_oversized_bodies(identity):
    url = f"{identity.auth_url}/auth/tokens"
    resp = requests.post(url, data=b"{not json", timeout=5,
                         headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == 400
    resp = requests.post(url, json={"auth": {"identity": {"methods": "password"}}},
                         timeout=5)
    assert resp.status_code == 400
    resp = requests.post(url, data=b"{" + b" " * 200_000 + b"}", timeout=5,
                         headers={"Content-Type": "application/json"})
    assert resp.status_code == 413
    resp = identity.call("POST", "/projects", data=b"[1,", headers={
        "Content-Type": "application/json"})
    assert resp.status_code == 400
    resp = identity.call("PATCH", "/projects/x", json={"project": {"name": 5}})
    assert resp.status_code in (400, 404)


def test_unscoped_token_lists_own_projects(identity):
    token, body = identity.token("admin", identity.admin_password)
    assert "project" not in body["token"] and "roles" not in body["token"]
    projects = identity.call("GET", "/auth/projects", token)
    assert projects.status_code == 200
    assert [p["name"] for p in projects.json()["projects"]] == ["admin"]
    assert identity.call("GET", "/auth/system", token).json()["system"] == [{"all": True}]
    # an unscoped token is refused by the rest of the API
    assert identity.call("GET", "/projects", token).status_code == 401
    # rescoping it with the token method keeps the audit chain
    resp = requests.post(f"{identity.auth_url}/auth/tokens", json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": token}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}, timeout=5)
    assert resp.status_code == 201, resp.text
    rescoped = resp.json()["token"]
    assert rescoped["audit_ids"][1] == body["token"]["audit_ids"][0]
    assert set(rescoped["methods"]) == {"password", "token"}


def test_key_rotation_while_serving(identity):
    old, _ = identity.token("admin", identity.admin_password, project="admin")
    assert identity.manage("fernet", "rotate") == 0
    new, _ = identity.token("admin", identity.admin_password, project="admin")
    for token in (old, new):
        resp = identity.call("GET", "/auth/tokens", headers={"X-Subject-Token": token})
        assert resp.status_code == 200


def test_expired_token_is_refused(identity):
    """A token past its expiry (made here with the server's own keys) is refused as
    a credential (401) and as a subject (404)."""
    token, body = identity.token("admin", identity.admin_password, project="admin")
    provider = identity.app.extensions["sovra"].extras["identity"].tokens
    live = provider.formatter.parse(token)
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
    expired = provider.formatter.create(formatter.TokenPayload(
        user_id=live.user_id, methods=live.methods, scope=live.scope,
        scope_id=live.scope_id, issued_at=past - datetime.timedelta(hours=1),
        expires_at=past.replace(microsecond=0), audit_id=formatter.new_audit_id()))
    assert identity.call("GET", "/projects", expired).status_code == 401
    assert identity.call("GET", "/auth/tokens",
                         headers={"X-Subject-Token": expired}).status_code == 404

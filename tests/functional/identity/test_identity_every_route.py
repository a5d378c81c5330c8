"""Every route of the identity API (walked from its route table, so a new route is
covered by itself): a revoked or expired token gets 401 on each, and no request
body, however broken, gets a 500."""

import datetime
import re
import uuid

import pytest
import requests
from functional import route_walk

from sovra_common.wsgi import routes as common_routes
from sovra_identity.api.routes import ROUTES
from sovra_identity.token import formatter

WRITES = ("POST", "PUT", "PATCH")


def _protected():
    """(path, method) of every route that needs a token."""
    return [(path, method) for path, methods in ROUTES.items()
            for method, handler in methods.items()
            if not common_routes.is_public(handler)]


def _url(identity, path, ids):
    """``path`` with each <param> replaced by ``ids[param]`` (default: unknown id)."""
    return identity.url + re.sub(r"<([^>]+)>",
                                 lambda m: ids.get(m.group(1), uuid.uuid4().hex), path)


def _revoked_token(identity):
    token, _ = identity.token("admin", identity.admin_password, project="admin")
    resp = identity.call("DELETE", "/auth/tokens", headers={"X-Subject-Token": token})
    assert resp.status_code == 204
    return token


def _expired_token(identity):
    """An admin token past its expiry, made with the server's own keys."""
    token, _ = identity.token("admin", identity.admin_password, project="admin")
    provider = identity.app.extensions["sovra"].extras["identity"].tokens
    live = provider.formatter.parse(token)
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
    return provider.formatter.create(formatter.TokenPayload(
        user_id=live.user_id, methods=live.methods, scope=live.scope,
        scope_id=live.scope_id, issued_at=past - datetime.timedelta(hours=1),
        expires_at=past.replace(microsecond=0), audit_id=formatter.new_audit_id()))


@pytest.mark.parametrize("kind", ["revoked", "expired"])
def test_dead_token_is_401_on_every_route(identity, kind):
    token = _revoked_token(identity) if kind == "revoked" else _expired_token(identity)
    seen = []
    for path, method in _protected():
        resp = requests.request(method, _url(identity, path, {}), timeout=10, json={},
                                headers={"X-Auth-Token": token,
                                         "X-Subject-Token": token})
        if resp.status_code != 401:
            seen.append(f"{method} {path}: {resp.status_code}")
        elif method != "HEAD":
            assert resp.json()["error"]["code"] == 401
    assert not seen, seen
    assert len(_protected()) > 90  # the walk did reach the whole table
    # nor does it get a new token (rescoping it with the token method)
    resp = requests.post(f"{identity.auth_url}/auth/tokens", timeout=10, json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": token}}}})
    assert resp.status_code == 401
    assert "X-Subject-Token" not in resp.headers


@pytest.fixture(scope="module")
def resources(identity):
    """One of each resource a route names, so that writes reach their body."""
    tag = uuid.uuid4().hex[:6]

    def create(path, key, body):
        resp = identity.call("POST", path, json={key: body})
        assert resp.status_code == 201, resp.text
        return resp.json()[key]

    def create_limit(path, key, body):  # unified limits are created in lists
        resp = identity.call("POST", path, json={key: [body]})
        assert resp.status_code == 201, resp.text
        return resp.json()[key][0]

    domain = create("/domains", "domain", {"name": f"rd-{tag}"})
    project = create("/projects", "project", {"name": f"rp-{tag}"})
    user = create("/users", "user", {"name": f"ru-{tag}", "password": "ru-pw"})
    group = create("/groups", "group", {"name": f"rg-{tag}"})
    prior = create("/roles", "role", {"name": f"rr1-{tag}"})
    implied = create("/roles", "role", {"name": f"rr2-{tag}"})
    region = create("/regions", "region", {"id": f"rreg-{tag}"})
    service = create("/services", "service", {"type": f"rs-{tag}", "name": f"rs-{tag}"})
    endpoint = create("/endpoints", "endpoint", {
        "service_id": service["id"], "interface": "public", "url": "http://127.0.0.1:9"})
    credential = create("/credentials", "credential", {
        "user_id": user["id"], "project_id": project["id"], "type": "ec2",
        "blob": '{"access": "a", "secret": "s"}'})
    registered = create_limit("/registered_limits", "registered_limits", {
        "service_id": service["id"], "resource_name": f"things-{tag}",
        "default_limit": 5})
    limit = create_limit("/limits", "limits", {
        "service_id": service["id"], "project_id": project["id"],
        "resource_name": f"things-{tag}", "resource_limit": 3})
    admin_id = identity.call("GET", "/users?name=admin").json()["users"][0]["id"]
    app_cred = create(f"/users/{admin_id}/application_credentials",
                      "application_credential", {"name": f"rac-{tag}"})
    assert identity.call("PUT", f"/projects/{project['id']}/tags/t1").status_code == 201
    return {"domain_id": domain["id"], "project_id": project["id"],
            "user_id": user["id"], "group_id": group["id"], "role_id": prior["id"],
            "prior_role_id": prior["id"], "implied_role_id": implied["id"],
            "region_id": region["id"], "service_id": service["id"],
            "endpoint_id": endpoint["id"], "credential_id": credential["id"],
            "registered_limit_id": registered["id"], "limit_id": limit["id"],
            "application_credential_id": app_cred["id"], "tag": "t1",
            "admin_id": admin_id}


def _takes_body(path, method):
    """Whether the route reads a JSON body (the other PUTs name all they do in
    their path: grants, memberships, implied roles, one tag)."""
    return method in ("POST", "PATCH") or (method == "PUT" and path.endswith("/tags"))


BAD_BODIES = {
    **route_walk.BAD_BODIES,
    "wrong member types": b'{"project": [], "user": 5, "auth": "x", "tags": {}}',
}


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_bad_bodies_are_400_on_every_write(identity, resources, kind):
    data = BAD_BODIES[kind]
    wrong = []
    for path, methods in ROUTES.items():
        for method in methods:
            if method not in WRITES:
                continue
            ids = dict(resources)
            if path.startswith("/v3/users/<user_id>/application_credentials"):
                ids["user_id"] = resources["admin_id"]
            resp = requests.request(method, _url(identity, path, ids), data=data,
                                    timeout=30, headers={
                                        "X-Auth-Token": identity.admin_token,
                                        "Content-Type": "application/json"})
            if resp.status_code >= 500 or (
                    _takes_body(path, method) and resp.status_code != 400):
                wrong.append(f"{method} {path}: {resp.status_code} {resp.text[:120]}")
            elif resp.status_code == 400:
                assert resp.json()["error"]["code"] == 400
    assert not wrong, wrong


def test_oversized_bodies_are_413_on_every_write(identity, resources):
    limit = identity.conf.api.max_request_body_size
    big = b'{"x": "' + b"a" * limit + b'"}'
    wrong = []
    for path, methods in ROUTES.items():
        for method in methods:
            if method not in WRITES or not _takes_body(path, method):
                continue
            url = _url(identity, path, resources)
            headers = {"Content-Type": "application/json"}
            if not common_routes.is_public(methods[method]):
                headers["X-Auth-Token"] = identity.admin_token
            sized = requests.request(method, url, data=big, timeout=30, headers=headers)
            # chunked: no Content-Length to refuse it by
            chunked = requests.request(method, url, data=iter([big[:1000], big[1000:]]),
                                       timeout=30, headers=headers)
            for how, resp in (("sized", sized), ("chunked", chunked)):
                if resp.status_code != 413:
                    wrong.append(f"{method} {path} ({how}): {resp.status_code}")
    assert not wrong, wrong


BAD_QUERY = {"name": "*(", "enabled": "perhaps", "domain_id": "\u2603",
             "parent_id": "%", "is_domain": "maybe", "tags": ",", "tags-any": ",,",
             "not-tags": "", "user_id": "\x00", "group_id": "[", "role_id": "]",
             "scope.project.id": "\x01", "effective": "x", "include_names": "2",
             "include_subtree": "y", "subtree_as_list": "z", "parents_as_ids": "w",
             "password_expires_at": "lt:yesterday", "interface": "sideways",
             "service_id": "{", "region_id": "}", "type": "(", "limit": "many",
             "marker": "nobody", "resource_name": "\\", "nocatalog": "q",
             "allow_expired": "maybe", "unique_id": "<"}


def test_bad_query_strings_are_never_a_500(identity, resources):
    def get(path, params):
        ids = dict(resources)
        if path.startswith("/v3/users/<user_id>/application_credentials"):
            ids["user_id"] = resources["admin_id"]
        return requests.get(_url(identity, path, ids), params=params, timeout=30,
                            headers={"X-Auth-Token": identity.admin_token,
                                     "X-Subject-Token": identity.admin_token})
    assert not route_walk.server_errors_of_queries(get, ROUTES, BAD_QUERY)

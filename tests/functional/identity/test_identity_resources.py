"""CRUD, filters and error statuses of the resource APIs, as admin over HTTP."""

import uuid

import requests


def _tag():
    return uuid.uuid4().hex[:6]


def _ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def test_domains_and_domain_scope(identity):
    name = f"dom-{_tag()}"
    dom = _ok(identity.call("POST", "/domains", json={"domain": {"name": name}}), 201)
    dom = dom["domain"]
    assert identity.call("POST", "/domains",
                         json={"domain": {"name": name}}).status_code == 409
    assert [d["id"] for d in _ok(identity.call("GET", f"/domains?name={name}"))
            ["domains"]] == [dom["id"]]
    user = _ok(identity.call("POST", "/users", json={"user": {
        "name": "dadmin", "domain_id": dom["id"], "password": "dadmin-pw"}}), 201)["user"]
    reader = _ok(identity.call("GET", "/roles?name=reader"))["roles"][0]
    _ok(identity.call("PUT", f"/domains/{dom['id']}/users/{user['id']}/roles/"
                             f"{reader['id']}"), 204)
    token, body = identity.token("dadmin", "dadmin-pw", domain=name, user_domain=name)
    assert body["token"]["domain"] == {"id": dom["id"], "name": name}
    # a domain reader lists its own domain's users only, and cannot write
    users = _ok(identity.call("GET", "/users", token))["users"]
    assert [u["name"] for u in users] == ["dadmin"]
    assert identity.call("GET", "/users?domain_id=default", token).status_code == 403
    assert identity.call("POST", "/projects", token, json={"project": {
        "name": "x", "domain_id": dom["id"]}}).status_code == 403
    assert [d["name"] for d in _ok(identity.call("GET", "/auth/domains", token))
            ["domains"]] == [name]
    # an enabled domain cannot be deleted; disabling it ends its tokens
    assert identity.call("DELETE", f"/domains/{dom['id']}").status_code == 403
    _ok(identity.call("PATCH", f"/domains/{dom['id']}",
                      json={"domain": {"enabled": False}}))
    assert identity.call("GET", "/users", token).status_code == 401
    _ok(identity.call("DELETE", f"/users/{user['id']}"), 204)
    _ok(identity.call("DELETE", f"/domains/{dom['id']}"), 204)
    assert identity.call("GET", f"/domains/{dom['id']}").status_code == 404


def test_projects_hierarchy_tags_and_filters(identity):
    t = _tag()
    parent = _ok(identity.call("POST", "/projects", json={"project": {
        "name": f"par-{t}", "tags": ["blue", "big"]}}), 201)["project"]
    assert parent["domain_id"] == "default" and parent["parent_id"] == "default"
    assert parent["tags"] == ["big", "blue"]
    child = _ok(identity.call("POST", "/projects", json={"project": {
        "name": f"kid-{t}", "parent_id": parent["id"]}}), 201)["project"]
    assert child["parent_id"] == parent["id"]
    kids = _ok(identity.call("GET", f"/projects?parent_id={parent['id']}"))["projects"]
    assert [p["id"] for p in kids] == [child["id"]]
    tagged = _ok(identity.call("GET", "/projects?tags=blue,big"))["projects"]
    assert [p["id"] for p in tagged] == [parent["id"]]
    assert identity.call("POST", "/projects", json={"project": {
        "name": f"kid-{t}"}}).status_code == 409
    assert identity.call("DELETE", f"/projects/{parent['id']}").status_code == 403
    _ok(identity.call("DELETE", f"/projects/{child['id']}"), 204)
    _ok(identity.call("DELETE", f"/projects/{parent['id']}"), 204)
    assert identity.call("GET", f"/projects/{parent['id']}").status_code == 404
    err = identity.call("GET", "/projects/nope").json()["error"]
    assert err["code"] == 404 and err["title"] == "Not Found"


def test_groups_inheritance_and_role_assignments(identity):
    t = _tag()
    parent = _ok(identity.call("POST", "/projects", json={"project": {
        "name": f"gp-{t}"}}), 201)["project"]
    child = _ok(identity.call("POST", "/projects", json={"project": {
        "name": f"gc-{t}", "parent_id": parent["id"]}}), 201)["project"]
    user = _ok(identity.call("POST", "/users", json={"user": {
        "name": f"gu-{t}", "password": "gu-pw"}}), 201)["user"]
    group = _ok(identity.call("POST", "/groups", json={"group": {
        "name": f"g-{t}"}}), 201)["group"]
    _ok(identity.call("PUT", f"/groups/{group['id']}/users/{user['id']}"), 204)
    _ok(identity.call("HEAD", f"/groups/{group['id']}/users/{user['id']}"), 204)
    assert [u["id"] for u in _ok(identity.call("GET", f"/groups/{group['id']}/users"))
            ["users"]] == [user["id"]]
    member = _ok(identity.call("GET", "/roles?name=member"))["roles"][0]
    inherit = (f"/OS-INHERIT/projects/{parent['id']}/groups/{group['id']}/roles/"
               f"{member['id']}/inherited_to_projects")
    _ok(identity.call("PUT", inherit), 204)
    _ok(identity.call("HEAD", inherit), 204)
    direct = _ok(identity.call("GET", f"/role_assignments?group.id={group['id']}"))
    (entry,) = direct["role_assignments"]
    assert entry["scope"]["OS-INHERIT:inherited_to"] == "projects"
    assert entry["group"] == {"id": group["id"]}
    eff = _ok(identity.call("GET", f"/role_assignments?effective&include_names"
                                   f"&user.id={user['id']}"))["role_assignments"]
    got = {(e["scope"]["project"]["name"], e["role"]["name"]) for e in eff}
    assert got == {(child["name"], "member"), (child["name"], "reader")}
    assert all(e["user"]["domain"]["name"] == "Default" for e in eff)
    assert all("membership" in e["links"] for e in eff)
    tree = _ok(identity.call("GET", f"/role_assignments?effective&include_subtree=true"
                                    f"&scope.project.id={parent['id']}"))
    assert {e["scope"]["project"]["id"] for e in tree["role_assignments"]} == {child["id"]}
    # the user can scope to the child only, and gets member + reader there
    token, body = identity.token(user["name"], "gu-pw", project=child["name"])
    assert {r["name"] for r in body["token"]["roles"]} == {"member", "reader"}
    resp = requests.post(f"{identity.auth_url}/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "id": user["id"], "password": "gu-pw"}}},
        "scope": {"project": {"id": parent["id"]}}}}, timeout=10)
    assert resp.status_code == 401
    # leaving the group ends the token (no role left on the child)
    _ok(identity.call("DELETE", f"/groups/{group['id']}/users/{user['id']}"), 204)
    assert identity.call("GET", f"/projects/{child['id']}", token).status_code == 401


def test_implied_roles_api(identity):
    t = _tag()
    a = _ok(identity.call("POST", "/roles", json={"role": {"name": f"ra-{t}"}}), 201)["role"]
    b = _ok(identity.call("POST", "/roles", json={"role": {"name": f"rb-{t}"}}), 201)["role"]
    path = f"/roles/{a['id']}/implies/{b['id']}"
    created = _ok(identity.call("PUT", path), 201)["role_inference"]
    assert created["prior_role"]["id"] == a["id"] and created["implies"]["id"] == b["id"]
    _ok(identity.call("HEAD", path), 204)
    listed = _ok(identity.call("GET", f"/roles/{a['id']}/implies"))["role_inference"]
    assert [r["id"] for r in listed["implies"]] == [b["id"]]
    assert identity.call("PUT", f"/roles/{b['id']}/implies/{a['id']}").status_code == 409
    rules = _ok(identity.call("GET", "/role_inferences"))["role_inferences"]
    assert {(r["prior_role"]["name"], i["name"]) for r in rules for i in r["implies"]} >= {
        ("admin", "member"), ("member", "reader"), (a["name"], b["name"])}
    _ok(identity.call("DELETE", path), 204)
    _ok(identity.call("DELETE", f"/roles/{a['id']}"), 204)
    domain_role = _ok(identity.call("POST", "/roles", json={"role": {
        "name": f"rb-{t}", "domain_id": "default"}}), 201)["role"]
    assert domain_role["domain_id"] == "default"
    assert identity.call("POST", "/roles", json={"role": {
        "name": f"rb-{t}"}}).status_code == 409


def test_catalog_crud(identity):
    t = _tag()
    region = _ok(identity.call("POST", "/regions", json={"region": {
        "id": f"Reg-{t}", "description": "test"}}), 201)["region"]
    svc = _ok(identity.call("POST", "/services", json={"service": {
        "type": f"thing-{t}", "name": "thing"}}), 201)["service"]
    ep = _ok(identity.call("POST", "/endpoints", json={"endpoint": {
        "service_id": svc["id"], "interface": "public", "region_id": region["id"],
        "url": "http://127.0.0.1:9999/thing"}}), 201)["endpoint"]
    assert ep["region"] == region["id"]
    assert identity.call("POST", "/endpoints", json={"endpoint": {
        "service_id": svc["id"], "interface": "sideways",
        "url": "http://x"}}).status_code == 400
    found = _ok(identity.call("GET", f"/endpoints?service_id={svc['id']}"))["endpoints"]
    assert [e["id"] for e in found] == [ep["id"]]
    catalog = _ok(identity.call("GET", "/auth/catalog"))["catalog"]
    assert f"thing-{t}" in {c["type"] for c in catalog}
    _ok(identity.call("PATCH", f"/services/{svc['id']}",
                      json={"service": {"enabled": False}}))
    catalog = _ok(identity.call("GET", "/auth/catalog"))["catalog"]
    assert f"thing-{t}" not in {c["type"] for c in catalog}
    assert identity.call("DELETE", f"/regions/{region['id']}").status_code == 409
    _ok(identity.call("DELETE", f"/services/{svc['id']}"), 204)
    _ok(identity.call("DELETE", f"/regions/{region['id']}"), 204)
    assert identity.call("GET", f"/endpoints/{ep['id']}").status_code == 404


def test_method_not_allowed(identity):
    resp = identity.call("PUT", "/projects")
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]


def test_project_tags_api(identity):
    project = _ok(identity.call("POST", "/projects", json={"project": {
        "name": f"tags-{_tag()}"}}), 201)["project"]
    path = f"/projects/{project['id']}/tags"
    assert _ok(identity.call("PUT", path, json={"tags": ["b", "a"]}))["tags"] == ["a", "b"]
    _ok(identity.call("PUT", f"{path}/c"), 201)
    _ok(identity.call("HEAD", f"{path}/c"), 204)
    assert identity.call("GET", f"{path}/zzz").status_code == 404
    assert _ok(identity.call("GET", path))["tags"] == ["a", "b", "c"]
    assert identity.call("PUT", f"{path}/bad,tag").status_code == 400
    _ok(identity.call("DELETE", f"{path}/a"), 204)
    assert _ok(identity.call("GET", f"/projects/{project['id']}"))["project"]["tags"] == [
        "b", "c"]
    _ok(identity.call("DELETE", path), 204)
    assert _ok(identity.call("GET", path))["tags"] == []

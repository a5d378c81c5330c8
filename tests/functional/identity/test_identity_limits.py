"""Unified limits: registered limits, project limits, who sees which."""

import uuid


def _ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def test_registered_limits_and_limits(identity):
    t = uuid.uuid4().hex[:6]
    service = _ok(identity.call("POST", "/services", json={"service": {
        "type": f"quota-{t}", "name": "q"}}), 201)["service"]
    assert _ok(identity.call("GET", "/limits/model"))["model"]["name"] == "flat"
    registered = _ok(identity.call("POST", "/registered_limits", json={
        "registered_limits": [{"service_id": service["id"], "region_id": "RegionOne",
                               "resource_name": "cores", "default_limit": 10}]}),
        201)["registered_limits"][0]
    assert registered["default_limit"] == 10
    assert identity.call("POST", "/registered_limits", json={"registered_limits": [{
        "service_id": service["id"], "region_id": "RegionOne", "resource_name": "cores",
        "default_limit": 5}]}).status_code == 409
    # a limit needs its registered limit
    a = _ok(identity.call("POST", "/projects", json={"project": {
        "name": f"la-{t}"}}), 201)["project"]
    assert identity.call("POST", "/limits", json={"limits": [{
        "service_id": service["id"], "project_id": a["id"], "resource_name": "ram",
        "resource_limit": 1}]}).status_code == 403
    limit = _ok(identity.call("POST", "/limits", json={"limits": [{
        "service_id": service["id"], "region_id": "RegionOne", "project_id": a["id"],
        "resource_name": "cores", "resource_limit": 20}]}), 201)["limits"][0]
    _ok(identity.call("PATCH", f"/limits/{limit['id']}",
                      json={"limit": {"resource_limit": 30}}))
    # a member of the project sees its limit; a member of another project does not
    member = _ok(identity.call("GET", "/roles?name=member"))["roles"][0]
    b = _ok(identity.call("POST", "/projects", json={"project": {
        "name": f"lb-{t}"}}), 201)["project"]
    user = _ok(identity.call("POST", "/users", json={"user": {
        "name": f"lu-{t}", "password": "lu-pw"}}), 201)["user"]
    for project in (a, b):
        _ok(identity.call("PUT", f"/projects/{project['id']}/users/{user['id']}/roles/"
                                 f"{member['id']}"), 204)
    token_a, _ = identity.token(user["name"], "lu-pw", project=a["name"])
    token_b, _ = identity.token(user["name"], "lu-pw", project=b["name"])
    seen = _ok(identity.call("GET", "/limits", token_a))["limits"]
    assert [(x["id"], x["resource_limit"]) for x in seen] == [(limit["id"], 30)]
    assert _ok(identity.call("GET", "/limits", token_b))["limits"] == []
    assert identity.call("GET", f"/limits/{limit['id']}", token_b).status_code == 403
    assert identity.call("PATCH", f"/limits/{limit['id']}", token_a,
                         json={"limit": {"resource_limit": 99}}).status_code == 403
    assert identity.call("GET", "/registered_limits", token_b).status_code == 200
    # registered limits in use cannot be deleted
    assert identity.call("DELETE",
                         f"/registered_limits/{registered['id']}").status_code == 403
    _ok(identity.call("DELETE", f"/limits/{limit['id']}"), 204)
    _ok(identity.call("DELETE", f"/registered_limits/{registered['id']}"), 204)


def test_unknown_list_filters_are_ignored(identity):
    # (they were passed on to the service and were a 500 TypeError)
    t = uuid.uuid4().hex[:6]
    service = _ok(identity.call("POST", "/services", json={"service": {
        "type": f"quota-{t}", "name": "q"}}), 201)["service"]
    registered = _ok(identity.call("POST", "/registered_limits", json={
        "registered_limits": [{"service_id": service["id"], "resource_name": "cores",
                               "default_limit": 1}]}), 201)["registered_limits"][0]
    project = _ok(identity.call("POST", "/projects", json={"project": {
        "name": f"lf-{t}"}}), 201)["project"]
    limit = _ok(identity.call("POST", "/limits", json={"limits": [{
        "service_id": service["id"], "project_id": project["id"],
        "resource_name": "cores", "resource_limit": 2}]}), 201)["limits"][0]
    for query in ("limit=100000000000000000000", "marker=x", "bogus=1", "name=%00"):
        listed = _ok(identity.call(
            "GET", f"/registered_limits?service_id={service['id']}&{query}"))
        assert [r["id"] for r in listed["registered_limits"]] == [registered["id"]]
        listed = _ok(identity.call(
            "GET", f"/limits?project_id={project['id']}&{query}"))
        assert [r["id"] for r in listed["limits"]] == [limit["id"]]

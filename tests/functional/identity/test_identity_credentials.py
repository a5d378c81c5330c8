"""EC2-style credentials: encrypted at rest, each user sees only their own."""

import contextlib
import json
import sqlite3
import uuid


def _ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def test_credentials(identity):
    t = uuid.uuid4().hex[:6]
    project = _ok(identity.call("POST", "/projects", json={"project": {
        "name": f"cr-{t}"}}), 201)["project"]
    users = []
    for who in ("owner", "other"):
        user = _ok(identity.call("POST", "/users", json={"user": {
            "name": f"{who}-{t}", "password": f"{who}-pw"}}), 201)["user"]
        reader = _ok(identity.call("GET", "/roles?name=reader"))["roles"][0]
        _ok(identity.call("PUT", f"/projects/{project['id']}/users/{user['id']}/roles/"
                                 f"{reader['id']}"), 204)
        users.append(user)
    owner, other = users
    secret = f"s3cr3t-{t}"
    blob = json.dumps({"access": f"AK{t}", "secret": secret})
    owner_token, _ = identity.token(owner["name"], "owner-pw", project=project["name"])
    other_token, _ = identity.token(other["name"], "other-pw", project=project["name"])
    created = _ok(identity.call("POST", "/credentials", owner_token, json={"credential": {
        "user_id": owner["id"], "project_id": project["id"], "type": "ec2",
        "blob": blob}}), 201)["credential"]
    assert json.loads(created["blob"])["secret"] == secret
    assert len(created["id"]) == 64  # sha256 of the access key
    assert identity.call("POST", "/credentials", other_token, json={"credential": {
        "user_id": owner["id"], "type": "ec2", "project_id": project["id"],
        "blob": json.dumps({"access": "x", "secret": "y"})}}).status_code == 403
    mine = _ok(identity.call("GET", "/credentials", owner_token))["credentials"]
    assert [c["id"] for c in mine] == [created["id"]]
    assert _ok(identity.call("GET", "/credentials", other_token))["credentials"] == []
    assert identity.call("GET", f"/credentials/{created['id']}",
                         other_token).status_code == 403
    assert identity.call("DELETE", f"/credentials/{created['id']}",
                         other_token).status_code == 403
    # encrypted at rest
    db_path = identity.conf.database.connection.split("sqlite:///", 1)[1]
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        (stored,) = raw.execute("SELECT encrypted_blob FROM credentials WHERE id = ?",
                                (created["id"],)).fetchone()
    assert secret not in stored
    _ok(identity.call("DELETE", f"/credentials/{created['id']}", owner_token), 204)
    assert identity.call("GET", f"/credentials/{created['id']}").status_code == 404

"""Application credentials: created by a user for their project, secret shown
once, usable with keystoneauth1's plugin, limited to their roles, isolated."""

import datetime
import uuid

import requests
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from sovra_identity.db import models


def _ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def _user_on_new_project(identity, roles=("member",)):
    t = uuid.uuid4().hex[:6]
    project = _ok(identity.call("POST", "/projects", json={"project": {
        "name": f"ac-{t}"}}), 201)["project"]
    user = _ok(identity.call("POST", "/users", json={"user": {
        "name": f"acu-{t}", "password": "acu-pw"}}), 201)["user"]
    for name in roles:
        role = _ok(identity.call("GET", f"/roles?name={name}"))["roles"][0]
        _ok(identity.call("PUT", f"/projects/{project['id']}/users/{user['id']}/roles/"
                                 f"{role['id']}"), 204)
    token, _ = identity.token(user["name"], "acu-pw", project=project["name"])
    return project, user, token


def test_application_credential_life(identity):
    project, user, token = _user_on_new_project(identity)
    path = f"/users/{user['id']}/application_credentials"
    reader = _ok(identity.call("GET", "/roles?name=reader"))["roles"][0]
    created = _ok(identity.call("POST", path, token, json={"application_credential": {
        "name": "ci", "roles": [{"name": "reader"}]}}), 201)["application_credential"]
    assert created["secret"] and created["project_id"] == project["id"]
    assert [r["id"] for r in created["roles"]] == [reader["id"]]
    shown = _ok(identity.call("GET", f"{path}/{created['id']}", token))
    assert "secret" not in shown["application_credential"]
    # a role the creator does not hold is refused
    assert identity.call("POST", path, token, json={"application_credential": {
        "name": "greedy", "roles": [{"name": "admin"}]}}).status_code == 403

    sess = ks_session.Session(auth=v3.ApplicationCredential(
        auth_url=identity.auth_url, application_credential_id=created["id"],
        application_credential_secret=created["secret"]))
    access = sess.auth.get_access(sess)
    assert access.project_id == project["id"]
    assert set(access.role_names) == {"reader"}  # not member: the credential's subset
    app_token = access.auth_token
    body = _ok(identity.call("GET", "/auth/tokens", headers={"X-Subject-Token": app_token}))
    assert body["token"]["application_credential"]["id"] == created["id"]
    assert body["token"]["methods"] == ["application_credential"]
    # a restricted credential's token cannot make more credentials
    assert identity.call("POST", path, app_token, json={"application_credential": {
        "name": "again"}}).status_code == 403
    # by name + user, with a wrong secret: 401
    bad = requests.post(f"{identity.auth_url}/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"], "application_credential": {
            "name": "ci", "user": {"id": user["id"]}, "secret": "wrong"}}}}, timeout=10)
    assert bad.status_code == 401
    # deleting it ends its tokens
    _ok(identity.call("DELETE", f"{path}/{created['id']}", token), 204)
    assert identity.call("GET", f"/projects/{project['id']}", app_token).status_code == 401
    try:
        ks_session.Session(auth=v3.ApplicationCredential(
            auth_url=identity.auth_url, application_credential_id=created["id"],
            application_credential_secret=created["secret"])).get_token()
        raise AssertionError("a deleted application credential authenticated")
    except ks_exc.Unauthorized:
        pass


def test_application_credentials_are_isolated(identity):
    _, alice, alice_token = _user_on_new_project(identity)
    _, bob, bob_token = _user_on_new_project(identity)
    cred = _ok(identity.call("POST", f"/users/{bob['id']}/application_credentials",
                             bob_token, json={"application_credential": {"name": "b"}}),
               201)["application_credential"]
    bobs = f"/users/{bob['id']}/application_credentials"
    assert identity.call("GET", bobs, alice_token).status_code == 403
    assert identity.call("GET", f"{bobs}/{cred['id']}", alice_token).status_code == 403
    assert identity.call("DELETE", f"{bobs}/{cred['id']}", alice_token).status_code == 403
    assert identity.call("POST", bobs, alice_token, json={"application_credential": {
        "name": "x"}}).status_code == 403
    # alice cannot reach bob's credential through her own path either
    assert identity.call("GET", f"/users/{alice['id']}/application_credentials/"
                                f"{cred['id']}", alice_token).status_code == 404


def test_expired_application_credential(identity):
    """Its tokens live no longer than it; once past its expiry it neither
    authenticates nor keeps its tokens valid. (Time passing is played by moving
    its expiry into the past in the server's own database, as an identity write
    does, so that a loaded machine cannot race a real clock.)"""
    project, user, token = _user_on_new_project(identity)
    soon = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=120))
    cred = _ok(identity.call("POST", f"/users/{user['id']}/application_credentials", token,
                             json={"application_credential": {
                                 "name": "short", "expires_at": soon.isoformat()}}),
               201)["application_credential"]
    auth = {"auth": {"identity": {"methods": ["application_credential"],
                                  "application_credential": {
                                      "id": cred["id"], "secret": cred["secret"]}}}}
    resp = requests.post(f"{identity.auth_url}/auth/tokens", json=auth, timeout=10)
    assert resp.status_code == 201
    app_token = resp.headers["X-Subject-Token"]
    expires = datetime.datetime.fromisoformat(resp.json()["token"]["expires_at"])
    assert expires <= soon
    subject = {"X-Subject-Token": app_token}
    assert identity.call("GET", "/auth/tokens", headers=subject).status_code == 200

    db = identity.app.extensions["sovra"].extras["identity"].db
    with db.writer() as session:
        row = session.get(models.ApplicationCredential, cred["id"])
        row.expires_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    assert requests.post(f"{identity.auth_url}/auth/tokens", json=auth,
                         timeout=10).status_code == 401
    assert identity.call("GET", "/auth/tokens", headers=subject).status_code == 404
    assert identity.call("POST", f"/users/{user['id']}/application_credentials", token,
                         json={"application_credential": {
                             "name": "bad", "expires_at": "yesterday"}}).status_code == 400

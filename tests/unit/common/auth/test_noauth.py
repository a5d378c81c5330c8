import logging

import pytest
from werkzeug.test import Client

from sovra_common.auth.noauth import NoAuthMiddleware


def seen_app(environ, start_response):
    seen_app.ctx = environ["sovra.context"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@pytest.fixture
def client():
    return Client(NoAuthMiddleware(seen_app))


def test_warns_at_start(caplog):
    with caplog.at_level(logging.WARNING, logger="sovra_common.auth.noauth"):
        NoAuthMiddleware(seen_app)
    assert "Never use this in production" in caplog.text


def test_user_project_default_roles(client):
    assert client.get("/", headers={"X-Auth-Token": "alice:p1"}).status_code == 200
    ctx = seen_app.ctx
    assert (ctx.user_id, ctx.project_id, ctx.roles, ctx.is_admin) == \
        ("alice", "p1", ["member", "reader"], False)


def test_roles_from_header(client):
    client.get("/", headers={"X-Auth-Token": "alice:p1", "X-Roles": "reader, admin"})
    assert seen_app.ctx.roles == ["reader", "admin"]
    assert seen_app.ctx.is_admin


def test_token_without_project(client):
    client.get("/", headers={"X-Auth-Token": "bob"})
    assert (seen_app.ctx.user_id, seen_app.ctx.project_id) == ("bob", "bob")


def test_admin_token(client):
    client.get("/", headers={"X-Auth-Token": "admin", "X-Roles": "reader"})
    ctx = seen_app.ctx
    assert (ctx.user_id, ctx.project_id) == ("admin", "admin")
    assert ctx.roles == ["admin", "member", "reader"] and ctx.is_admin


def test_service_token(client):
    client.get("/", headers={"X-Auth-Token": "alice:p1", "X-Service-Token": "nova:svc"})
    ctx = seen_app.ctx
    assert (ctx.service_user_id, ctx.service_project_id, ctx.service_roles) == \
        ("nova", "svc", ["service"])


def test_spoofed_identity_headers_still_stripped(client):
    client.get("/", headers={"X-Auth-Token": "alice:p1", "X-User-Id": "evil",
                             "X-Project-Id": "evil", "OpenStack-System-Scope": "all"})
    assert (seen_app.ctx.user_id, seen_app.ctx.project_id) == ("alice", "p1")
    assert seen_app.ctx.system_scope is None


def test_no_token_401(client):
    resp = client.get("/")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Keystone uri=")

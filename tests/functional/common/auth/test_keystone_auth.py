"""The keystone auth middleware against a stand-in identity service over real HTTP."""

import json
import socket
import time
import uuid

import flask
import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3 as ks_v3
from werkzeug.test import Client

from sovra_common import auth
from sovra_common.auth import revocation

PUBLIC = ["/", "/v2.1"]


class FakeClock:
    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def _tiny_app():
    app = flask.Flask("tiny")

    @app.route("/", methods=["GET", "POST"])
    @app.route("/v2.1/", methods=["GET"])
    @app.route("/v2.1/whoami", methods=["GET", "HEAD"])
    def whoami():
        ctx = flask.request.environ["sovra.context"]
        return flask.jsonify({
            "context": ctx.to_dict(),
            "policy": dict(ctx.to_policy_values()),
            "headers": {k: v for k, v in flask.request.environ.items()
                        if k.startswith(("HTTP_X_", "HTTP_OPENSTACK"))},
        })

    return app


def _render_error(status, message, request_id):
    body = json.dumps({"fault": {"status": status, "message": message,
                                 "request": request_id}}).encode()
    return body, "application/vnd.test-fault+json"


class _SetRequestId:
    """Stands where the request-id middleware stands (outside auth)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ["sovra.request_id"] = "req-" + str(uuid.uuid4())
        return self.app(environ, start_response)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_mw(identity, write_conf, clock):
    built = []

    def make(identity_url=None, ttl=30, **kwargs):
        conf = write_conf(identity_url or identity.url, token_cache_ttl=ttl,
                          **kwargs.pop("auth_opts", {}))
        mw = auth.build_middleware(
            _tiny_app().wsgi_app, conf, render_error=_render_error, public=PUBLIC,
            token_cache=auth.build_token_cache(conf, clock=clock), **kwargs)
        built.append(mw)
        return mw

    yield make
    for mw in built:
        mw.close()


@pytest.fixture
def mw(make_mw):
    return make_mw()


@pytest.fixture
def client(mw):
    return Client(mw)


@pytest.fixture
def alice(identity):
    if "alice" not in identity.users:
        identity.add_user("alice", project="demo", roles=["member", "reader"])
    return identity.issue("alice")


def _get(client, token=None, path="/v2.1/whoami", **headers):
    if token is not None:
        headers["X-Auth-Token"] = token
    return client.get(path, headers=headers)


def _assert_401(resp, identity):
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{identity.url}/v3"'
    assert resp.content_type == "application/vnd.test-fault+json"
    assert resp.get_json(force=True)["fault"]["status"] == 401


def test_valid_token_reaches_app_with_identity(client, identity, alice):
    resp = _get(client, alice)
    assert resp.status_code == 200
    data = resp.get_json()
    user = identity.users["alice"]
    assert data["context"]["user"] == user["id"]
    assert data["context"]["user_name"] == "alice"
    assert data["context"]["project_id"] == "demo-id"
    assert data["context"]["roles"] == ["member", "reader"]
    assert data["context"]["is_admin"] is False
    assert data["policy"]["project_id"] == "demo-id"
    assert data["policy"]["user_domain_id"] == "default"
    assert data["headers"]["HTTP_X_IDENTITY_STATUS"] == "Confirmed"
    assert data["headers"]["HTTP_X_ROLES"] == "member,reader"
    assert data["headers"]["HTTP_X_PROJECT_NAME"] == "demo"


@pytest.mark.parametrize("token", [None, "", "not-a-token", "x" * 9000])
def test_missing_or_bad_token_is_401(client, identity, token):
    _assert_401(_get(client, token), identity)


def test_401_carries_request_id(identity, mw):
    client = Client(_SetRequestId(mw))
    resp = _get(client, "bad")
    _assert_401(resp, identity)
    assert resp.get_json(force=True)["fault"]["request"].startswith("req-")
    inbound = "req-" + str(uuid.uuid4())
    plain = Client(mw)
    resp = _get(plain, "bad", **{"X-OpenStack-Request-ID": inbound})
    assert resp.get_json(force=True)["fault"]["request"] == inbound


def test_revoked_token_is_401(client, identity, alice):
    identity.revoke(alice)
    _assert_401(_get(client, alice), identity)


def test_unscoped_token_is_401(client, identity):
    identity.add_user("unscoped-user")
    _assert_401(_get(client, identity.issue("unscoped-user", scoped=False)), identity)


def test_spoofed_identity_headers_are_ignored(client, identity, alice):
    spoof = {"X-User-Id": "evil", "X-User-Name": "evil", "X-Roles": "admin",
             "X-Project-Id": "other", "X-Tenant-Id": "other", "X-Domain-Id": "evil",
             "X-Identity-Status": "Confirmed", "X-Is-Admin-Project": "True",
             "OpenStack-System-Scope": "all", "X-Service-Roles": "service",
             "X-Service-User-Id": "evil", "X_User_Id": "evil-underscore"}
    data = _get(client, alice, **spoof).get_json()
    assert data["context"]["user"] == identity.users["alice"]["id"]
    assert data["context"]["project_id"] == "demo-id"
    assert data["context"]["roles"] == ["member", "reader"]
    assert data["context"]["is_admin"] is False
    assert data["context"]["system_scope"] is None
    assert data["context"]["service_roles"] == []
    assert data["context"]["domain"] is None
    assert "HTTP_X_TENANT_ID" not in data["headers"]
    assert "HTTP_X_SERVICE_USER_ID" not in data["headers"]
    # and without a token they do not get anyone in
    _assert_401(_get(client, None, **spoof), identity)


def test_cache_hit_within_ttl_does_not_call_identity(client, identity, alice, clock):
    assert _get(client, alice).status_code == 200
    assert identity.validation_count(alice) == 1
    clock.advance(29)
    assert _get(client, alice).status_code == 200
    assert identity.validation_count(alice) == 1


def test_revalidates_after_ttl(client, identity, alice, clock):
    assert _get(client, alice).status_code == 200
    clock.advance(31)
    assert _get(client, alice).status_code == 200
    assert identity.validation_count(alice) == 2
    # identity revoked it meanwhile: the next miss sees it
    identity.revoke(alice)
    clock.advance(31)
    _assert_401(_get(client, alice), identity)


def test_ttl_zero_always_asks_identity(make_mw, identity, alice):
    client = Client(make_mw(ttl=0))
    for _ in range(3):
        assert _get(client, alice).status_code == 200
    assert identity.validation_count(alice) == 3


def test_revocation_notification_rejects_cached_token_at_once(mw, client, identity,
                                                              alice):
    assert _get(client, alice).status_code == 200
    identity.revoke(alice)
    # still cached: this is the window the notification closes
    assert _get(client, alice).status_code == 200
    endpoint = auth.RevocationEndpoint(mw.token_cache)
    endpoint.info({}, "identity.host1", revocation.TOKEN_REVOKED,
                  {"audit_id": identity.audit_id(alice)}, {"message_id": "m1"})
    _assert_401(_get(client, alice), identity)
    assert identity.validation_count(alice) == 2


def test_user_disabled_notification_drops_cached_tokens(mw, client, identity, alice):
    assert _get(client, alice).status_code == 200
    endpoint = auth.RevocationEndpoint(mw.token_cache)
    endpoint.info({}, "identity.host1", revocation.USER_DISABLED,
                  {"user_id": identity.users["alice"]["id"]}, {})
    assert _get(client, alice).status_code == 200
    assert identity.validation_count(alice) == 2


def test_service_token_gives_service_roles(client, identity, alice):
    identity.add_user("nova", project="service", roles=["service"])
    service_token = identity.issue("nova")
    data = _get(client, alice, **{"X-Service-Token": service_token}).get_json()
    assert data["context"]["user"] == identity.users["alice"]["id"]
    assert data["context"]["roles"] == ["member", "reader"]
    assert data["context"]["service_roles"] == ["service"]
    assert data["context"]["service_user_id"] == identity.users["nova"]["id"]
    assert data["policy"]["service_roles"] == ["service"]
    assert data["policy"]["service_project_id"] == "service-id"
    assert data["headers"]["HTTP_X_SERVICE_IDENTITY_STATUS"] == "Confirmed"


def test_bad_service_token_is_401(client, identity, alice):
    _assert_401(_get(client, alice, **{"X-Service-Token": "forged"}), identity)


def test_public_path_without_token(client, identity):
    for path in ("/", "/v2.1/"):
        resp = client.get(path, headers={"X-Roles": "admin", "X-User-Id": "evil"})
        assert resp.status_code == 200
        data = resp.get_json()
        assert data["context"]["user"] is None
        assert data["context"]["roles"] == []
        assert data["context"]["is_admin"] is False
        assert data["context"]["is_admin_project"] is False
        assert data["context"]["auth_token"] is None
    # only GET/HEAD are public
    _assert_401(client.post("/"), identity)


def test_public_path_ignores_even_a_bad_token(client, identity):
    before = identity.validation_count()
    resp = _get(client, "garbage", path="/")
    assert resp.status_code == 200
    assert resp.get_json()["context"]["auth_token"] is None
    assert identity.validation_count() == before


def test_identity_error_is_503(client, identity, alice):
    identity.fail_validation_with = 500
    try:
        resp = _get(client, alice)
    finally:
        identity.fail_validation_with = None
    assert resp.status_code == 503
    assert "WWW-Authenticate" not in resp.headers
    assert resp.get_json(force=True)["fault"]["status"] == 503


def _dead_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_identity_unreachable_is_503(make_mw, identity, alice):
    mw = make_mw(identity_url=_dead_url(), auth_opts={
        "www_authenticate_uri": f"{identity.url}/v3"})
    client = Client(mw)
    resp = _get(client, alice)
    assert resp.status_code == 503
    assert resp.get_json(force=True)["fault"]["status"] == 503


def test_identity_going_down_is_503_not_a_pass(new_identity, write_conf):
    other = new_identity()
    other.add_user("bob")
    token = other.issue("bob")
    conf = write_conf(other.url, token_cache_ttl=0)
    mw = auth.build_middleware(_tiny_app().wsgi_app, conf, public=PUBLIC)
    try:
        client = Client(mw)
        assert _get(client, token).status_code == 200
        other.served.stop()
        mw.close()  # drop kept-alive connections to the stopped server
        resp = _get(client, token)
        assert resp.status_code == 503
        assert resp.content_type == "application/json"  # the default json_error
        assert resp.get_json()["error"]["code"] == 503
    finally:
        mw.close()


def test_versioned_identity_url_in_catalog(new_identity, write_conf):
    other = new_identity()
    other.catalog_suffix = "/v3"
    other.add_user("carol")
    token = other.issue("carol")
    mw = auth.build_middleware(_tiny_app().wsgi_app, write_conf(other.url))
    try:
        assert _get(Client(mw), token).status_code == 200
        assert other.validation_count(token) == 1
    finally:
        mw.close()


def test_wrong_service_credentials_is_503(identity, write_conf, alice):
    conf = write_conf(identity.url, password="wrong")
    mw = auth.build_middleware(_tiny_app().wsgi_app, conf)
    try:
        client = Client(mw)
        assert _get(client, alice).status_code == 503
    finally:
        mw.close()


def test_real_client_end_to_end(mw, serve, identity, alice):
    """keystoneauth1 as a user would use it: log in at identity, call the service."""
    served = serve(mw)
    sess = ks_session.Session(auth=ks_v3.Password(
        auth_url=f"{identity.url}/v3", username="alice", password="pw",
        user_domain_id="default", project_name="demo", project_domain_id="default"))
    try:
        resp = sess.get(f"{served.url}/v2.1/whoami")
        assert resp.json()["context"]["user_name"] == "alice"
        anonymous = sess.get(f"{served.url}/", authenticated=False)
        assert anonymous.json()["context"]["user"] is None
        resp = sess.get(f"{served.url}/v2.1/whoami", authenticated=False,
                        headers={"X-Auth-Token": "bad"}, raise_exc=False)
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{identity.url}/v3"'
    finally:
        sess.close()

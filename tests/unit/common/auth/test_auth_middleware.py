"""The middleware with a fake validator: no sockets."""

import pytest
from werkzeug.test import Client

from sovra_common import auth, exception
from sovra_common.auth.token_info import TokenInfo

T0 = 1_900_000_000.0


class FakeValidator(auth.TokenValidator):
    def __init__(self, tokens, fail=None, on_validate=None):
        self.tokens = tokens
        self.fail = fail
        self.on_validate = on_validate
        self.calls = []

    def validate(self, token):
        self.calls.append(token)
        if self.on_validate:
            self.on_validate()
        if self.fail:
            raise self.fail
        if token not in self.tokens:
            raise exception.NotAuthenticated("detail identity gave")
        return self.tokens[token]


ALICE = TokenInfo(user_id="alice", project_id="p1", roles=("member",),
                  audit_ids=("a1",), expires_at=T0 + 3600)
UNSCOPED = TokenInfo(user_id="alice", expires_at=T0 + 3600)


def seen_app(environ, start_response):
    seen_app.environ = dict(environ)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _mw(validator, **kwargs):
    cache = auth.TokenCache(ttl=30, clock=lambda: T0)
    kwargs.setdefault("www_authenticate_uri", "http://id.example/v3")
    kwargs.setdefault("is_public", auth.public_paths_predicate(["/", "/v1"]))
    return auth.AuthMiddleware(seen_app, validator, cache, **kwargs)


def test_success_sets_context_and_headers():
    client = Client(_mw(FakeValidator({"t": ALICE})))
    resp = client.get("/v1/things", headers={"X-Auth-Token": "t", "X-Roles": "admin"})
    assert resp.status_code == 200
    ctx = seen_app.environ["sovra.context"]
    assert (ctx.user_id, ctx.project_id, ctx.roles, ctx.is_admin) == \
        ("alice", "p1", ["member"], False)
    assert seen_app.environ["HTTP_X_ROLES"] == "member"


def test_cached_second_request():
    validator = FakeValidator({"t": ALICE})
    client = Client(_mw(validator))
    client.get("/x", headers={"X-Auth-Token": "t"})
    client.get("/x", headers={"X-Auth-Token": "t"})
    assert validator.calls == ["t"]


def test_401_shape():
    client = Client(_mw(FakeValidator({})))
    resp = client.get("/x", headers={"X-Auth-Token": "nope"})
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == 'Keystone uri="http://id.example/v3"'
    error = resp.get_json()["error"]
    assert error["code"] == 401 and error["title"] == "Unauthorized"
    # the message is ours, not whatever the validator said
    assert error["message"] == "The request you have made requires authentication."
    assert "request_id" not in error


def test_head_error_has_no_body():
    resp = Client(_mw(FakeValidator({}))).head("/x")
    assert resp.status_code == 401
    assert resp.data == b""


def test_unscoped_token_401():
    resp = Client(_mw(FakeValidator({"t": UNSCOPED}))).get(
        "/x", headers={"X-Auth-Token": "t"})
    assert resp.status_code == 401
    assert "not scoped" in resp.get_json()["error"]["message"]


@pytest.mark.parametrize("fail", [exception.ServiceUnavailable(), RuntimeError("bug"),
                                  KeyError("x")])
def test_validator_failure_is_503_never_a_pass(fail):
    seen_app.environ = None
    resp = Client(_mw(FakeValidator({"t": ALICE}, fail=fail))).get(
        "/x", headers={"X-Auth-Token": "t"})
    assert resp.status_code == 503
    assert "WWW-Authenticate" not in resp.headers
    assert seen_app.environ is None     # the application never saw the request


def test_injected_renderer_gets_request_id():
    calls = []

    def render(status, message, request_id):
        calls.append((status, message, request_id))
        return b"<fault/>", "application/xml"

    mw = _mw(FakeValidator({}), render_error=render)
    resp = Client(mw).get("/x", environ_overrides={"sovra.request_id": "req-own"})
    assert resp.data == b"<fault/>" and resp.content_type == "application/xml"
    assert resp.headers["Content-Length"] == "8"
    assert calls == [(401, "The request you have made requires authentication.",
                      "req-own")]


def test_public_paths_anonymous_and_stripped():
    validator = FakeValidator({"t": ALICE})
    client = Client(_mw(validator))
    for path in ("/", "/v1", "/v1/"):
        resp = client.get(path, headers={"X-Auth-Token": "t", "X-User-Id": "evil",
                                         "X-Roles": "admin"})
        assert resp.status_code == 200
        ctx = seen_app.environ["sovra.context"]
        assert ctx.user_id is None and ctx.roles == [] and not ctx.is_admin
        assert "HTTP_X_USER_ID" not in seen_app.environ
        assert "HTTP_X_AUTH_TOKEN" not in seen_app.environ
    assert validator.calls == []
    assert client.post("/v1").status_code == 401
    assert client.get("/v1/x").status_code == 401


def test_revocation_during_validation_is_not_cached():
    cache = auth.TokenCache(ttl=30, clock=lambda: T0)
    validator = FakeValidator({"t": ALICE},
                              on_validate=lambda: cache.invalidate_user("alice"))
    client = Client(auth.AuthMiddleware(seen_app, validator, cache))
    assert client.get("/x", headers={"X-Auth-Token": "t"}).status_code == 200
    assert len(cache) == 0

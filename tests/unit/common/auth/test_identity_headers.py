import pytest

from sovra_common.auth import headers
from sovra_common.auth.token_info import TokenInfo
from sovra_common.context import RequestContext

# keystonemiddleware's header contract, as WSGI environ keys, plus variants.
SPOOFABLE = [
    "HTTP_X_IDENTITY_STATUS", "HTTP_X_SERVICE_IDENTITY_STATUS",
    "HTTP_X_USER_ID", "HTTP_X_USER_NAME", "HTTP_X_USER_DOMAIN_ID",
    "HTTP_X_USER_DOMAIN_NAME", "HTTP_X_USER",
    "HTTP_X_PROJECT_ID", "HTTP_X_PROJECT_NAME", "HTTP_X_PROJECT_DOMAIN_ID",
    "HTTP_X_PROJECT_DOMAIN_NAME",
    "HTTP_X_DOMAIN_ID", "HTTP_X_DOMAIN_NAME",
    "HTTP_X_TENANT_ID", "HTTP_X_TENANT_NAME", "HTTP_X_TENANT",
    "HTTP_X_ROLES", "HTTP_X_ROLE",
    "HTTP_X_SERVICE_USER_ID", "HTTP_X_SERVICE_USER_NAME",
    "HTTP_X_SERVICE_USER_DOMAIN_ID", "HTTP_X_SERVICE_USER_DOMAIN_NAME",
    "HTTP_X_SERVICE_PROJECT_ID", "HTTP_X_SERVICE_PROJECT_NAME",
    "HTTP_X_SERVICE_PROJECT_DOMAIN_ID", "HTTP_X_SERVICE_PROJECT_DOMAIN_NAME",
    "HTTP_X_SERVICE_ROLES", "HTTP_X_SERVICE_CATALOG", "HTTP_X_SERVICE_DOMAIN_ID",
    "HTTP_X_IS_ADMIN_PROJECT", "HTTP_OPENSTACK_SYSTEM_SCOPE", "HTTP_X_SYSTEM_SCOPE",
    "HTTP_X_TRUST_ID", "HTTP_X_STORAGE_TOKEN",
]

KEPT = {
    "HTTP_X_AUTH_TOKEN": "tok", "HTTP_X_SERVICE_TOKEN": "stok",
    "HTTP_USER_AGENT": "curl", "HTTP_X_OPENSTACK_REQUEST_ID": "req-1",
    "HTTP_OPENSTACK_API_VERSION": "compute 2.90",
    "HTTP_X_OPENSTACK_NOVA_API_VERSION": "2.90", "CONTENT_TYPE": "application/json",
    "PATH_INFO": "/", "REQUEST_METHOD": "GET", "sovra.request_id": "req-2",
}


@pytest.mark.parametrize("key", SPOOFABLE)
def test_each_identity_header_is_stripped(key):
    environ = dict(KEPT, **{key: "spoofed"})
    assert headers.strip_identity_headers(environ) == [key]
    assert environ == KEPT


def test_strip_all_at_once_keeps_the_rest():
    environ = dict(KEPT, **{key: "spoofed" for key in SPOOFABLE})
    removed = headers.strip_identity_headers(environ)
    assert sorted(removed) == sorted(SPOOFABLE)
    assert environ == KEPT


def _user():
    return TokenInfo(user_id="u1", user_name="alice", user_domain_id="default",
                     user_domain_name="Default", project_id="p1", project_name="demo",
                     project_domain_id="default", project_domain_name="Default",
                     roles=("member", "reader"), is_admin_project=False)


def test_user_headers_make_the_context():
    environ = {"HTTP_X_AUTH_TOKEN": "tok"}
    headers.set_user_headers(environ, _user())
    assert environ["HTTP_X_IDENTITY_STATUS"] == "Confirmed"
    assert environ["HTTP_X_ROLES"] == "member,reader"
    assert "HTTP_X_DOMAIN_ID" not in environ          # unset fields stay absent
    ctx = RequestContext.from_environ(environ)
    assert (ctx.user_id, ctx.user_name, ctx.project_id, ctx.project_name) == \
        ("u1", "alice", "p1", "demo")
    assert (ctx.user_domain_id, ctx.project_domain_id) == ("default", "default")
    assert ctx.roles == ["member", "reader"]
    assert ctx.is_admin_project is False
    assert ctx.auth_token == "tok"
    assert ctx.system_scope is None


def test_system_and_domain_scope_headers():
    environ = {}
    headers.set_user_headers(environ, TokenInfo(user_id="u", system_scope="all",
                                                roles=("admin",)))
    ctx = RequestContext.from_environ(environ)
    assert ctx.system_scope == "all"
    assert ctx.is_admin is True
    environ = {}
    headers.set_user_headers(environ, TokenInfo(user_id="u", domain_id="d1",
                                                domain_name="D1"))
    ctx = RequestContext.from_environ(environ)
    assert (ctx.domain_id, ctx.domain_name, ctx.project_id) == ("d1", "D1", None)


def test_service_headers():
    environ = {"HTTP_X_SERVICE_TOKEN": "stok"}
    headers.set_user_headers(environ, _user())
    headers.set_service_headers(environ, TokenInfo(
        user_id="nova", user_name="nova", project_id="svc", roles=("service",)))
    ctx = RequestContext.from_environ(environ)
    assert ctx.service_user_id == "nova"
    assert ctx.service_project_id == "svc"
    assert ctx.service_roles == ["service"]
    assert ctx.service_token == "stok"
    assert ctx.is_service
    # and all of it is stripped again on the next hop
    headers.strip_identity_headers(environ)
    assert set(environ) == {"HTTP_X_SERVICE_TOKEN"}

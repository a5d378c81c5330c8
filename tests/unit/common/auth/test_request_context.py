"""sovra_common.context (tested here with the auth layer that builds it)."""

import json
import uuid

import pytest
from oslo_policy import policy as oslo_policy

from sovra_common import conf as sovra_conf
from sovra_common import context

ENVIRON = {
    "HTTP_X_AUTH_TOKEN": "tok",
    "HTTP_X_USER_ID": "u1", "HTTP_X_USER_NAME": "alice",
    "HTTP_X_USER_DOMAIN_ID": "default", "HTTP_X_USER_DOMAIN_NAME": "Default",
    "HTTP_X_PROJECT_ID": "p1", "HTTP_X_PROJECT_NAME": "demo",
    "HTTP_X_PROJECT_DOMAIN_ID": "default", "HTTP_X_PROJECT_DOMAIN_NAME": "Default",
    "HTTP_X_ROLES": "member,reader", "HTTP_X_IS_ADMIN_PROJECT": "False",
    "HTTP_X_SERVICE_TOKEN": "stok", "HTTP_X_SERVICE_USER_ID": "nova",
    "HTTP_X_SERVICE_USER_NAME": "nova", "HTTP_X_SERVICE_PROJECT_ID": "svc",
    "HTTP_X_SERVICE_ROLES": "service",
}


def _ctx(**overrides):
    return context.RequestContext.from_environ(dict(ENVIRON, **overrides))


def test_from_environ():
    ctx = _ctx()
    assert (ctx.user_id, ctx.project_id, ctx.user_name, ctx.project_name) == \
        ("u1", "p1", "alice", "demo")
    assert ctx.roles == ["member", "reader"]
    assert ctx.service_roles == ["service"]
    assert ctx.service_user_id == "nova"
    assert ctx.is_admin is False
    assert ctx.is_admin_project is False
    assert ctx.request_id.startswith("req-")


def test_request_ids_from_environ():
    own, inbound = f"req-{uuid.uuid4()}", f"req-{uuid.uuid4()}"
    ctx = context.RequestContext.from_environ({
        context.REQUEST_ID_ENVIRON_KEY: own, "HTTP_X_OPENSTACK_REQUEST_ID": inbound})
    assert (ctx.request_id, ctx.global_request_id) == (own, inbound)
    ctx = context.RequestContext.from_environ(
        {"HTTP_X_OPENSTACK_REQUEST_ID": "<script>"})
    assert ctx.global_request_id is None
    ctx = context.RequestContext.from_environ(
        {context.GLOBAL_REQUEST_ID_ENVIRON_KEY: inbound})
    assert ctx.global_request_id == inbound


@pytest.mark.parametrize("roles,admin", [("member,reader", False), ("admin", True),
                                         ("reader,Admin", True), ("", False)])
def test_is_admin_follows_admin_role(roles, admin):
    assert _ctx(HTTP_X_ROLES=roles).is_admin is admin


def test_explicit_is_admin_wins():
    assert context.RequestContext(roles=["admin"], is_admin=False).is_admin is False
    assert context.RequestContext(roles=[], is_admin=True).is_admin is True


def test_to_policy_values():
    values = _ctx(HTTP_X_DOMAIN_ID="d9").to_policy_values()
    expected = {"user_id": "u1", "user_domain_id": "default", "project_id": "p1",
                "project_domain_id": "default", "domain_id": "d9",
                "system_scope": None, "roles": ["member", "reader"],
                "is_admin_project": False, "service_user_id": "nova",
                "service_project_id": "svc", "service_roles": ["service"]}
    for key, value in expected.items():
        assert values[key] == value, key


def test_policy_values_work_with_oslo_policy():
    conf = sovra_conf.new_conf()
    sovra_conf.load(conf, "sovra-test", config_files=[])
    enforcer = oslo_policy.Enforcer(conf)
    enforcer.register_default(oslo_policy.RuleDefault(
        "widget:get", "role:reader and project_id:%(project_id)s"))
    enforcer.register_default(oslo_policy.RuleDefault(
        "widget:internal", "service_roles:service"))
    ctx = _ctx()
    assert enforcer.enforce("widget:get", {"project_id": "p1"}, ctx)
    assert not enforcer.enforce("widget:get", {"project_id": "p2"}, ctx)
    assert enforcer.enforce("widget:internal", {}, ctx)
    assert not enforcer.enforce("widget:internal", {}, _ctx(HTTP_X_SERVICE_ROLES=""))


def test_to_dict_from_dict_round_trip_through_json():
    ctx = _ctx(HTTP_OPENSTACK_SYSTEM_SCOPE="all", HTTP_X_DOMAIN_ID="d1")
    ctx.global_request_id = f"req-{uuid.uuid4()}"
    wire = json.loads(json.dumps(ctx.to_dict()))
    back = context.RequestContext.from_dict(wire)
    assert isinstance(back, context.RequestContext)
    assert back.to_dict() == ctx.to_dict()
    for attr in ("user_id", "project_id", "domain_id", "system_scope", "roles",
                 "service_roles", "service_user_id", "service_token", "user_name",
                 "project_domain_name", "request_id", "global_request_id",
                 "is_admin", "is_admin_project", "auth_token"):
        assert getattr(back, attr) == getattr(ctx, attr), attr


def test_round_trip_keeps_explicit_admin():
    ctx = context.RequestContext(user_id="u", roles=["member"]).elevated()
    back = context.RequestContext.from_dict(ctx.to_dict())
    assert back.is_admin is True and "admin" in back.roles


def test_elevated_is_a_copy():
    ctx = _ctx()
    admin = ctx.elevated()
    assert admin.is_admin is True
    assert admin.roles == ["member", "reader", "admin"]
    assert admin.user_id == "u1" and admin.request_id == ctx.request_id
    assert ctx.is_admin is False and ctx.roles == ["member", "reader"]
    admin.service_roles.append("x")
    assert ctx.service_roles == ["service"]
    assert _ctx(HTTP_X_ROLES="admin").elevated().roles == ["admin"]


def test_internal_context():
    ctx = context.get_internal_context()
    assert ctx.user_id is None and ctx.project_id is None
    assert ctx.is_admin is True
    assert ctx.roles == ["admin"] and ctx.is_service
    assert ctx.request_id.startswith("req-")
    assert context.get_internal_context(request_id="req-x").request_id == "req-x"


@pytest.mark.parametrize("value,ok", [
    ("req-" + str(uuid.uuid4()), True), ("req-123", False), (None, False),
    ("REQ-" + str(uuid.uuid4()), False)])
def test_valid_request_id(value, ok):
    assert (context.valid_request_id(value) is not None) is ok

"""/v3/users"""

from sovra_common.wsgi.routes import json_response, public
from sovra_identity.api import views
from sovra_identity.api.policies import user as policies
from sovra_identity.api.schemas import resource as schemas
from sovra_identity.service import domain as domain_service
from sovra_identity.service import user as user_service

_FIELDS = ("name", "enabled", "password", "description", "email", "default_project_id")


def list_users(req):
    query = req.query(schemas.LIST_USERS)
    domain_id = query.get("domain_id") or req.context.domain_id
    req.authorize(policies.LIST, views.target(domain_id=domain_id))
    if not req.context.is_admin and not req.context.system_scope:
        query["domain_id"] = domain_id
    rows = user_service.list_(views.backend(req).db, name=query.get("name"),
                              domain_id=query.get("domain_id"),
                              enabled=views.flag(query.get("enabled")))
    return json_response(views.collection(req, "users",
                                          [views.user(req, r) for r in rows], "users"))


def create_user(req):
    body = req.json_body(schemas.CREATE_USER)["user"]
    domain_id = (body.get("domain_id") or req.context.domain_id
                 or req.context.project_domain_id or domain_service.DEFAULT_DOMAIN_ID)
    req.authorize(policies.CREATE, views.target(domain_id=domain_id))
    b = views.backend(req)
    row = user_service.create(b.db, b.passwords, name=body["name"], domain_id=domain_id,
                              **{k: body[k] for k in _FIELDS if k in body and k != "name"})
    return json_response({"user": views.user(req, row)}, status=201)


def show_user(req, user_id):
    row = user_service.get(views.backend(req).db, user_id)
    req.authorize(policies.GET, views.target(domain_id=row.domain_id, user_id=row.id))
    return json_response({"user": views.user(req, row)})


def update_user(req, user_id):
    body = req.json_body(schemas.UPDATE_USER)["user"]
    b = views.backend(req)
    row = user_service.get(b.db, user_id)
    req.authorize(policies.UPDATE, views.target(domain_id=row.domain_id, user_id=row.id))
    row = user_service.update(b.db, b.revoker, b.passwords, user_id,
                              {k: body[k] for k in _FIELDS if k in body})
    return json_response({"user": views.user(req, row)})


def delete_user(req, user_id):
    b = views.backend(req)
    row = user_service.get(b.db, user_id)
    req.authorize(policies.DELETE, views.target(domain_id=row.domain_id, user_id=row.id))
    user_service.delete(b.db, b.revoker, user_id)
    return json_response(None, status=204)


@public
def change_password(req, user_id):
    """As Keystone: no token needed (an expired password must still be
    changeable); the original password is the credential, checked like a login."""
    body = req.json_body(schemas.CHANGE_PASSWORD)["user"]
    b = views.backend(req)
    user_service.change_password(b.db, b.revoker, b.passwords, user_id,
                                 body["original_password"], body["password"])
    return json_response(None, status=204)

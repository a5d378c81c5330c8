"""/v3/groups and group membership"""

from sovra_common.wsgi.routes import json_response
from sovra_identity.api import views
from sovra_identity.api.policies import group as policies
from sovra_identity.api.schemas import resource as schemas
from sovra_identity.service import domain as domain_service
from sovra_identity.service import group as group_service
from sovra_identity.service import user as user_service


def list_groups(req):
    query = req.query(schemas.LIST_GROUPS)
    domain_id = query.get("domain_id") or req.context.domain_id
    req.authorize(policies.LIST, views.target(domain_id=domain_id))
    if not req.context.is_admin and not req.context.system_scope:
        query["domain_id"] = domain_id
    rows = group_service.list_(views.backend(req).db, name=query.get("name"),
                               domain_id=query.get("domain_id"))
    return json_response(views.collection(req, "groups",
                                          [views.group(req, r) for r in rows], "groups"))


def create_group(req):
    body = req.json_body(schemas.CREATE_GROUP)["group"]
    domain_id = (body.get("domain_id") or req.context.domain_id
                 or req.context.project_domain_id or domain_service.DEFAULT_DOMAIN_ID)
    req.authorize(policies.CREATE, views.target(domain_id=domain_id))
    row = group_service.create(views.backend(req).db, name=body["name"],
                               domain_id=domain_id, description=body.get("description"))
    return json_response({"group": views.group(req, row)}, status=201)


def show_group(req, group_id):
    row = group_service.get(views.backend(req).db, group_id)
    req.authorize(policies.GET, views.target(domain_id=row.domain_id))
    return json_response({"group": views.group(req, row)})


def update_group(req, group_id):
    body = req.json_body(schemas.UPDATE_GROUP)["group"]
    b = views.backend(req)
    row = group_service.get(b.db, group_id)
    req.authorize(policies.UPDATE, views.target(domain_id=row.domain_id))
    row = group_service.update(b.db, group_id, {k: body[k] for k in ("name", "description")
                                                if k in body})
    return json_response({"group": views.group(req, row)})


def delete_group(req, group_id):
    b = views.backend(req)
    row = group_service.get(b.db, group_id)
    req.authorize(policies.DELETE, views.target(domain_id=row.domain_id))
    group_service.delete(b.db, b.revoker, group_id)
    return json_response(None, status=204)


def list_group_users(req, group_id):
    b = views.backend(req)
    row = group_service.get(b.db, group_id)
    req.authorize(policies.LIST_MEMBERS, views.target(domain_id=row.domain_id))
    users = group_service.members(b.db, group_id)
    return json_response(views.collection(req, "users", [views.user(req, u) for u in users],
                                          f"groups/{group_id}/users"))


def add_group_user(req, group_id, user_id):
    b = views.backend(req)
    row = group_service.get(b.db, group_id)
    req.authorize(policies.ADD_MEMBER, views.target(domain_id=row.domain_id))
    group_service.add_user(b.db, group_id, user_id)
    return json_response(None, status=204)


def check_group_user(req, group_id, user_id):
    b = views.backend(req)
    row = group_service.get(b.db, group_id)
    req.authorize(policies.CHECK_MEMBER, views.target(domain_id=row.domain_id))
    group_service.check_user(b.db, group_id, user_id)
    return json_response(None, status=204)


def remove_group_user(req, group_id, user_id):
    b = views.backend(req)
    row = group_service.get(b.db, group_id)
    req.authorize(policies.REMOVE_MEMBER, views.target(domain_id=row.domain_id))
    group_service.remove_user(b.db, b.revoker, group_id, user_id)
    return json_response(None, status=204)


def list_user_groups(req, user_id):
    b = views.backend(req)
    user = user_service.get(b.db, user_id)
    req.authorize(policies.LIST_FOR_USER, views.target(domain_id=user.domain_id,
                                                       user_id=user.id))
    rows = group_service.groups_of_user(b.db, user_id)
    return json_response(views.collection(req, "groups", [views.group(req, g) for g in rows],
                                          f"users/{user_id}/groups"))

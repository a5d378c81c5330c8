"""/v3/registered_limits, /v3/limits, /v3/limits/model (unified limits, flat)"""

from sovra_common.wsgi.routes import json_response
from sovra_identity.api import views
from sovra_identity.api.policies import limit as policies
from sovra_identity.api.schemas import limit as schemas
from sovra_identity.service import limit as limit_service
from sovra_identity.service import project as project_service

_ANY = views.target(domain_id=None, project_id=None)


def _registered(req, row):
    return {"id": row.id, "service_id": row.service_id, "region_id": row.region_id,
            "resource_name": row.resource_name, "default_limit": row.default_limit,
            "description": row.description,
            "links": views.link(req, f"registered_limits/{row.id}")}


def _limit(req, row):
    return {"id": row.id, "project_id": row.project_id, "domain_id": row.domain_id,
            "service_id": row.service_id, "region_id": row.region_id,
            "resource_name": row.resource_name, "resource_limit": row.resource_limit,
            "description": row.description, "links": views.link(req, f"limits/{row.id}")}


def _db(req):
    return views.backend(req).db


def _filters(query: dict, schema: dict) -> dict:
    """The filters ``schema`` declares; any other query parameter is ignored, as
    in keystone (it was passed on, and was a 500)."""
    return {k: v for k, v in query.items() if k in schema["properties"]}


def show_limit_model(req):
    req.authorize(policies.GET_MODEL, _ANY)
    return json_response({"model": limit_service.MODEL})


def list_registered_limits(req):
    query = req.query(schemas.LIST_REGISTERED)
    req.authorize(policies.LIST_REGISTERED, _ANY)
    rows = limit_service.list_registered(_db(req), **_filters(query, schemas.LIST_REGISTERED))
    return json_response(views.collection(req, "registered_limits",
                                          [_registered(req, r) for r in rows],
                                          "registered_limits"))


def create_registered_limits(req):
    body = req.json_body(schemas.CREATE_REGISTERED)
    req.authorize(policies.CREATE_REGISTERED, _ANY)
    rows = limit_service.create_registered(_db(req), body["registered_limits"])
    return json_response({"registered_limits": [_registered(req, r) for r in rows]},
                         status=201)


def show_registered_limit(req, registered_limit_id):
    req.authorize(policies.GET_REGISTERED, _ANY)
    row = limit_service.get_registered(_db(req), registered_limit_id)
    return json_response({"registered_limit": _registered(req, row)})


def update_registered_limit(req, registered_limit_id):
    body = req.json_body(schemas.UPDATE_REGISTERED)["registered_limit"]
    req.authorize(policies.UPDATE_REGISTERED, _ANY)
    row = limit_service.update_registered(_db(req), registered_limit_id, body)
    return json_response({"registered_limit": _registered(req, row)})


def delete_registered_limit(req, registered_limit_id):
    req.authorize(policies.DELETE_REGISTERED, _ANY)
    limit_service.delete_registered(_db(req), registered_limit_id)
    return json_response(None, status=204)


def _owner_target(req, row):
    domain_id = row.domain_id
    if row.project_id is not None:
        domain_id = project_service.get(_db(req), row.project_id).domain_id
    return views.target(domain_id=domain_id, project_id=row.project_id)


def list_limits(req):
    query = req.query(schemas.LIST)
    ctx = req.context
    if not (ctx.is_admin or ctx.system_scope):
        # readers see their own project's or domain's limits only
        if ctx.project_id:
            query["project_id"] = ctx.project_id
        else:
            query["domain_id"] = ctx.domain_id
    req.authorize(policies.LIST, views.target(
        domain_id=query.get("domain_id") or ctx.domain_id,
        project_id=query.get("project_id") or ctx.project_id))
    rows = limit_service.list_(_db(req), **_filters(query, schemas.LIST))
    return json_response(views.collection(req, "limits", [_limit(req, r) for r in rows],
                                          "limits"))


def create_limits(req):
    body = req.json_body(schemas.CREATE)
    req.authorize(policies.CREATE, _ANY)
    rows = limit_service.create(_db(req), body["limits"])
    return json_response({"limits": [_limit(req, r) for r in rows]}, status=201)


def show_limit(req, limit_id):
    row = limit_service.get(_db(req), limit_id)
    req.authorize(policies.GET, _owner_target(req, row))
    return json_response({"limit": _limit(req, row)})


def update_limit(req, limit_id):
    body = req.json_body(schemas.UPDATE)["limit"]
    row = limit_service.get(_db(req), limit_id)
    req.authorize(policies.UPDATE, _owner_target(req, row))
    row = limit_service.update(_db(req), limit_id, body)
    return json_response({"limit": _limit(req, row)})


def delete_limit(req, limit_id):
    row = limit_service.get(_db(req), limit_id)
    req.authorize(policies.DELETE, _owner_target(req, row))
    limit_service.delete(_db(req), limit_id)
    return json_response(None, status=204)

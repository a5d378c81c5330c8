"""Quota handlers: ``/v2.0/quotas`` (projects with limits set),
``/v2.0/quotas/<project_id>`` (GET, PUT, DELETE), ``.../default`` and
``.../details.json`` (limit, used, reserved)."""

from __future__ import annotations

from sovra_common import exception
from sovra_common.wsgi import validation
from sovra_common.wsgi.routes import json_response
from sovra_network.api.policies import quota as policies
from sovra_network.api.schemas import quota as schemas
from sovra_network.service import quota as quota_service


def _db(req):
    return req.state.extras["db"]


def list_quotas(req):
    req.authorize(policies.GET, {"project_id": None})
    db = _db(req)
    with db.reader() as session:
        items = [{"project_id": p, "tenant_id": p,
                  **quota_service.limits(session, req.state.conf, p)}
                 for p in quota_service.projects_with_limits(session)]
    return json_response({"quotas": items})


def show_quota(req, project_id):
    req.authorize(policies.GET, {"project_id": project_id})
    with _db(req).reader() as session:
        limits = quota_service.limits(session, req.state.conf, project_id)
    return json_response({"quota": limits})


def show_default_quota(req, project_id):
    req.authorize(policies.GET, {"project_id": project_id})
    return json_response({"quota": quota_service.default_limits(req.state.conf)})


def show_quota_details(req, project_id):
    req.authorize(policies.GET, {"project_id": project_id})
    with _db(req).reader() as session:
        limits = quota_service.limits(session, req.state.conf, project_id)
        used = quota_service.usage(session, project_id)
    return json_response({"quota": {r: {"limit": limits[r], "used": used[r],
                                        "reserved": 0} for r in limits}})


def update_quota(req, project_id):
    body = req.json_body(schemas.UPDATE)["quota"]
    req.authorize(policies.UPDATE, {"project_id": project_id})
    unknown = sorted(set(body) - set(quota_service.resources()))
    if unknown:
        raise exception.Invalid(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    values = {}
    for resource, value in body.items():
        limit = validation.integer(value, resource)  # (at most an INTEGER column's INT_MAX)
        if limit < -1:
            raise exception.Invalid(f"Invalid input for {resource}: '{value}' should "
                                    "be an integer -1 or greater.")
        values[resource] = limit
    with _db(req).writer() as session:
        quota_service.set_limits(session, project_id, values)
        limits = quota_service.limits(session, req.state.conf, project_id)
    return json_response({"quota": limits})


def delete_quota(req, project_id):
    req.authorize(policies.DELETE, {"project_id": project_id})
    with _db(req).writer() as session:
        quota_service.reset(session, project_id)
    return json_response(None, status=204)

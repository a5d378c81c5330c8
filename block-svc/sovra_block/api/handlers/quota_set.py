"""Quota set handlers: ``/v3/os-quota-sets/{project_id}`` (show, with
``?usage=true`` the limit, use, reservations of each resource; update; delete back
to the defaults) and ``.../defaults``."""

from __future__ import annotations

from sovra_block.api.policies import quota_set as policies
from sovra_block.api.schemas import common
from sovra_block.api.schemas import quota_set as schemas
from sovra_block.service import quota as quota_service
from sovra_block.service import volume_type as type_service
from sovra_common import exception
from sovra_common.wsgi.routes import json_response


def _db(req):
    return req.state.extras["db"]


def show_quota_set(req, project_id):
    query = req.query(schemas.SHOW_QUERY)
    req.authorize(policies.SHOW, {"project_id": project_id})
    with _db(req).reader() as session:
        limits = quota_service.limits(session, req.state.conf, project_id)
        used = quota_service.usages(session, project_id)
    if common.to_bool(query.get("usage", False)):
        # Usage is counted in the same transaction as the change (no separate
        # reservations), so nothing is ever reserved or allocated to children.
        values = {name: {"limit": limit, "in_use": used.get(name, 0), "reserved": 0,
                         "allocated": 0}
                  for name, limit in limits.items()}
    else:
        values = dict(limits)
    return json_response({"quota_set": {"id": project_id, **values}})


def show_quota_set_defaults(req, project_id):
    req.authorize(policies.SHOW, {"project_id": project_id})
    with _db(req).reader() as session:
        values = quota_service.defaults(req.state.conf, type_service.names(session))
    return json_response({"quota_set": {"id": project_id, **values}})


def update_quota_set(req, project_id):
    body = dict(req.json_body(schemas.UPDATE)["quota_set"])
    req.authorize(policies.UPDATE, {"project_id": project_id})
    if len(project_id) > schemas.PROJECT_ID_MAX:
        raise exception.Invalid(f"Invalid project id: longer than "
                                f"{schemas.PROJECT_ID_MAX} characters.")
    # skip_validation (default true, as the API reference has it): false refuses
    # limits below what the project uses
    check_usage = not common.to_bool(body.pop("skip_validation", True))
    values = {name: int(value) for name, value in body.items()}
    too_big = sorted(name for name, value in values.items()
                     if value > schemas.LIMIT_MAX)
    if too_big:
        raise exception.Invalid(f"Quota limit of {', '.join(too_big)} must be at most "
                                f"{schemas.LIMIT_MAX}.")
    with _db(req).writer() as session:
        quota_service.set_limits(session, req.state.conf, project_id, values,
                                 check_usage=check_usage)
        limits = quota_service.limits(session, req.state.conf, project_id)
    return json_response({"quota_set": limits})


def delete_quota_set(req, project_id):
    req.authorize(policies.DELETE, {"project_id": project_id})
    with _db(req).writer() as session:
        quota_service.delete_limits(session, project_id)
    return json_response(None, status=200)

"""Subnet pool handlers: create, show, list, update, delete."""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_network.api import listing, notifications
from sovra_network.api import standard_attrs as std_api
from sovra_network.api.policies import subnet as policies
from sovra_network.api.schemas import subnet as schemas
from sovra_network.service import subnetpool as pool_service


def _db(req):
    return req.state.extras["db"]


def view(row, tags) -> dict:
    return {
        "id": row.id, "name": row.name, "tenant_id": row.project_id,
        "project_id": row.project_id, "ip_version": row.ip_version,
        "prefixes": list(row.prefixes), "default_prefixlen": row.default_prefixlen,
        "min_prefixlen": row.min_prefixlen, "max_prefixlen": row.max_prefixlen,
        "shared": row.shared, "is_default": row.is_default,
        "address_scope_id": None, "default_quota": None,
        **std_api.view(row, tags),
    }


def create_subnetpool(req):
    body = req.json_body(schemas.POOL_CREATE)["subnetpool"]
    project_id = body.get("project_id") or body.get("tenant_id") or req.context.project_id
    target = {"project_id": project_id, "shared": body.get("shared", False)}
    req.authorize(policies.POOL_CREATE, target)
    if body.get("shared"):
        req.authorize(policies.POOL_CREATE_SHARED, target)
    row = pool_service.create(_db(req), req.context, body)
    notifications.changed(req, "subnetpool", "create", view(row, []))
    return json_response({"subnetpool": view(row, [])}, status=201)


def show_subnetpool(req, subnetpool_id):
    row, tags = pool_service.get(_db(req), req.context, subnetpool_id)
    req.authorize(policies.POOL_GET, pool_service.target(row))
    _, fields = listing.parse(req)
    return json_response({"subnetpool": listing.select_fields(view(row, tags), fields)})


def list_subnetpools(req):
    req.authorize(policies.POOL_GET, {"project_id": req.context.project_id})
    spec, fields = listing.parse(req)
    rows, more, tags = pool_service.list_pools(_db(req), req.context, spec)
    return listing.respond(req, "subnetpools", [view(r, tags[r.id]) for r in rows],
                           spec, more, fields)


def update_subnetpool(req, subnetpool_id):
    changes = req.json_body(schemas.POOL_UPDATE)["subnetpool"]
    row = pool_service.update(
        _db(req), req.context, subnetpool_id, changes,
        revision=std_api.expected_revision(req),
        authorize=lambda row: req.authorize(policies.POOL_UPDATE,
                                            pool_service.target(row)))
    notifications.changed(req, "subnetpool", "update", view(row, []))
    return json_response({"subnetpool": view(row, pool_service.tags_of(_db(req), row))})


def delete_subnetpool(req, subnetpool_id):
    row = pool_service.delete(
        _db(req), req.context, subnetpool_id, revision=std_api.expected_revision(req),
        authorize=lambda row: req.authorize(policies.POOL_DELETE,
                                            pool_service.target(row)))
    notifications.changed(req, "subnetpool", "delete", {"id": row.id})
    return json_response(None, status=204)

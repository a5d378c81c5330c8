"""Security group handlers: create, show, list, update, delete."""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_network.api import listing, notifications
from sovra_network.api import standard_attrs as std_api
from sovra_network.api.handlers import security_group_rule as rule_views
from sovra_network.api.policies import security_group as policies
from sovra_network.api.schemas import security_group as schemas
from sovra_network.service import security_group as sg_service


def _db(req):
    return req.state.extras["db"]


def view(row, tags, rules, rule_tags, defaults) -> dict:
    return {
        "id": row.id, "name": row.name, "tenant_id": row.project_id,
        "project_id": row.project_id, "stateful": row.stateful, "shared": False,
        "security_group_rules": [rule_views.view(r, rule_tags.get(r.id, []),
                                                 r.security_group_id in defaults)
                                 for r in rules],
        **std_api.view(row, tags),
    }


def _full(req, row):
    tags, rules, rule_tags, defaults = sg_service.details(_db(req), [row])
    return view(row, tags[row.id], rules[row.id], rule_tags, defaults)


def create_security_group(req):
    body = req.json_body(schemas.CREATE)["security_group"]
    project_id = body.get("project_id") or body.get("tenant_id") or req.context.project_id
    req.authorize(policies.CREATE, {"project_id": project_id})
    row = sg_service.create(_db(req), req.state.conf, req.context, body)
    result = _full(req, row)
    notifications.changed(req, "security_group", "create", result)
    return json_response({"security_group": result}, status=201)


def show_security_group(req, security_group_id):
    row, tags, rules, rule_tags, defaults = sg_service.get(_db(req), req.context,
                                                           security_group_id)
    req.authorize(policies.GET, sg_service.target(row))
    _, fields = listing.parse(req)
    return json_response({"security_group": listing.select_fields(
        view(row, tags[row.id], rules[row.id], rule_tags, defaults), fields)})


def list_security_groups(req):
    req.authorize(policies.GET, {"project_id": req.context.project_id})
    spec, fields = listing.parse(req)
    rows, more, tags, rules, rule_tags, defaults = sg_service.list_groups(
        _db(req), req.context, spec)
    items = [view(r, tags[r.id], rules[r.id], rule_tags, defaults) for r in rows]
    return listing.respond(req, "security_groups", items, spec, more, fields)


def update_security_group(req, security_group_id):
    changes = req.json_body(schemas.UPDATE)["security_group"]
    row = sg_service.update(
        _db(req), req.context, security_group_id, changes,
        revision=std_api.expected_revision(req),
        authorize=lambda row: req.authorize(policies.UPDATE, sg_service.target(row)))
    result = _full(req, row)
    notifications.changed(req, "security_group", "update", result)
    return json_response({"security_group": result})


def delete_security_group(req, security_group_id):
    row = sg_service.delete(
        _db(req), req.context, security_group_id,
        revision=std_api.expected_revision(req),
        authorize=lambda row: req.authorize(policies.DELETE, sg_service.target(row)))
    notifications.changed(req, "security_group", "delete", {"id": row.id})
    return json_response(None, status=204)

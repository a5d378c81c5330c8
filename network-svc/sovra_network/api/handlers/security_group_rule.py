"""Security group rule handlers: create, show, list, delete (rules are immutable)."""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_network.api import listing, notifications
from sovra_network.api import standard_attrs as std_api
from sovra_network.api.policies import security_group as policies
from sovra_network.api.schemas import security_group as schemas
from sovra_network.service import security_group as sg_service


def _db(req):
    return req.state.extras["db"]


def view(row, tags, in_default: bool) -> dict:
    prefix = row.remote_ip_prefix
    if prefix is None and row.remote_group_id is None:
        normalized = "0.0.0.0/0" if row.ethertype == "IPv4" else "::/0"
    else:
        normalized = prefix
    return {
        "id": row.id, "security_group_id": row.security_group_id,
        "direction": row.direction, "ethertype": row.ethertype,
        "protocol": row.protocol, "port_range_min": row.port_range_min,
        "port_range_max": row.port_range_max, "remote_ip_prefix": prefix,
        "normalized_cidr": normalized, "remote_group_id": row.remote_group_id,
        "remote_address_group_id": None, "tenant_id": row.project_id,
        "project_id": row.project_id, "belongs_to_default_sg": in_default,
        **std_api.view(row, tags),
    }


def create_security_group_rule(req):
    body = req.json_body(schemas.RULE_CREATE)["security_group_rule"]
    project_id = body.get("project_id") or body.get("tenant_id") or req.context.project_id
    req.authorize(policies.RULE_CREATE, {"project_id": project_id})
    row = sg_service.create_rule(
        _db(req), req.state.conf, req.context, body,
        authorize=lambda group: req.authorize(policies.RULE_CREATE,
                                              sg_service.target(group)))
    result = view(row, [], False)
    notifications.changed(req, "security_group_rule", "create", result)
    return json_response({"security_group_rule": result}, status=201)


def show_security_group_rule(req, rule_id):
    row, tags, in_default = sg_service.get_rule(_db(req), req.context, rule_id)
    req.authorize(policies.RULE_GET, sg_service.target(row))
    _, fields = listing.parse(req)
    return json_response({"security_group_rule": listing.select_fields(
        view(row, tags, in_default), fields)})


def list_security_group_rules(req):
    req.authorize(policies.RULE_GET, {"project_id": req.context.project_id})
    spec, fields = listing.parse(req)
    rows, more, tags, defaults = sg_service.list_rules(_db(req), req.context, spec)
    items = [view(r, tags[r.id], r.security_group_id in defaults) for r in rows]
    return listing.respond(req, "security_group_rules", items, spec, more, fields)


def delete_security_group_rule(req, rule_id):
    row = sg_service.delete_rule(
        _db(req), req.context, rule_id,
        authorize=lambda row: req.authorize(policies.RULE_DELETE,
                                            sg_service.target(row)))
    notifications.changed(req, "security_group_rule", "delete",
                          {"id": row.id, "security_group_id": row.security_group_id})
    return json_response(None, status=204)

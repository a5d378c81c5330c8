"""Floating IP handlers: create, show, list, update (associate, disassociate),
delete.

Every change tells the agents (state_changed to all, network None: the router that
NATs a floating IP may run anywhere yet) and notifies ``floatingip.<action>.end``.
A change of what a server's port maps to (associated, moved, disassociated,
deleted while associated) sends compute ``network-changed`` for that port
(api/compute_events.py), so that the server's ``addresses`` show it.
"""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_network.api import compute_events, listing, notifications
from sovra_network.api import standard_attrs as std_api
from sovra_network.api.policies import floatingip as policies
from sovra_network.api.schemas import floatingip as schemas
from sovra_network.service import floatingip as floatingip_service


def _db(req):
    return req.state.extras["db"]


def _port_details(port) -> dict | None:
    """fip-port-details: what the associated port is."""
    if port is None:
        return None
    return {"name": port.name, "network_id": port.network_id,
            "mac_address": port.mac_address, "admin_state_up": port.admin_state_up,
            "status": port.status, "device_id": port.device_id,
            "device_owner": port.device_owner}


def view(row, tags, port) -> dict:
    return {
        "id": row.id, "tenant_id": row.project_id, "project_id": row.project_id,
        "floating_network_id": row.floating_network_id,
        "floating_ip_address": row.floating_ip_address,
        "port_id": row.fixed_port_id, "fixed_ip_address": row.fixed_ip_address,
        "router_id": row.router_id, "status": row.status,
        "port_details": _port_details(port),
        **std_api.view(row, tags),
    }


def _changed(req, action, row, tags, port):
    notifications.changed(req, "floatingip", action, view(row, tags, port))


def create_floatingip(req):
    body = req.json_body(schemas.CREATE)["floatingip"]
    project_id = body.get("project_id") or body.get("tenant_id") or req.context.project_id
    target = {"project_id": project_id}
    req.authorize(policies.CREATE, target)
    if "floating_ip_address" in body:
        req.authorize(policies.CREATE_ADDRESS, target)
    db = _db(req)
    row = floatingip_service.create(db, req.state.conf, req.context, body)
    tags, port = floatingip_service.details(db, row)
    _changed(req, "create", row, tags, port)
    compute_events.ports_changed(req, [port])
    return json_response({"floatingip": view(row, tags, port)}, status=201)


def show_floatingip(req, floatingip_id):
    row, tags, port = floatingip_service.get(_db(req), req.context, floatingip_id)
    req.authorize(policies.GET, floatingip_service.target(row))
    _, fields = listing.parse(req)
    return json_response({"floatingip": listing.select_fields(view(row, tags, port),
                                                              fields)})


def list_floatingips(req):
    req.authorize(policies.GET, {"project_id": req.context.project_id})
    spec, fields = listing.parse(req)
    rows, more, tags, ports = floatingip_service.list_floatingips(
        _db(req), req.context, spec)
    items = [view(r, tags[r.id], ports.get(r.fixed_port_id)) for r in rows]
    return listing.respond(req, "floatingips", items, spec, more, fields)


def update_floatingip(req, floatingip_id):
    changes = req.json_body(schemas.UPDATE)["floatingip"]
    db = _db(req)
    before = None

    def authorize(row):
        nonlocal before
        before = (row.fixed_port_id, row.fixed_ip_address)  # locked, not yet changed
        req.authorize(policies.UPDATE, floatingip_service.target(row))

    row = floatingip_service.update(
        db, req.context, floatingip_id, changes,
        revision=std_api.expected_revision(req), authorize=authorize)
    tags, port = floatingip_service.details(db, row)
    _changed(req, "update", row, tags, port)
    if before != (row.fixed_port_id, row.fixed_ip_address):
        compute_events.ports_changed(req, floatingip_service.ports_of(
            db, [before[0], row.fixed_port_id]))
    return json_response({"floatingip": view(row, tags, port)})


def delete_floatingip(req, floatingip_id):
    row = floatingip_service.delete(
        _db(req), req.context, floatingip_id, revision=std_api.expected_revision(req),
        authorize=lambda row: req.authorize(policies.DELETE,
                                            floatingip_service.target(row)))
    notifications.changed(req, "floatingip", "delete",
                          {"id": row.id, "floating_network_id": row.floating_network_id,
                           "floating_ip_address": row.floating_ip_address})
    if row.fixed_port_id:
        compute_events.ports_changed(req, floatingip_service.ports_of(
            _db(req), [row.fixed_port_id]))
    return json_response(None, status=204)

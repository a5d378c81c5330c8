"""Port forwarding handlers: /v2.0/floatingips/<id>/port_forwardings (create,
list) and .../<port_forwarding_id> (show, update, delete).

Every change casts state_changed to every agent and notifies
``port_forwarding.<action>.end`` (with ``floatingip_id``).
"""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_network.api import listing, notifications
from sovra_network.api.policies import port_forwarding as policies
from sovra_network.api.schemas import port_forwarding as schemas
from sovra_network.service import port_forwarding as pf_service


def _db(req):
    return req.state.extras["db"]


def view(row) -> dict:
    return {"id": row.id, "internal_port_id": row.internal_port_id,
            "internal_ip_address": row.internal_ip_address,
            "internal_port": row.internal_port, "external_port": row.external_port,
            "protocol": row.protocol, "description": row.description or ""}


def _changed(req, action, fip, payload):
    notifications.changed(req, "port_forwarding", action,
                          {**payload, "floatingip_id": fip.id})


def create_port_forwarding(req, floatingip_id):
    body = req.json_body(schemas.CREATE)["port_forwarding"]
    fip, row = pf_service.create(
        _db(req), req.context, floatingip_id, body,
        authorize=lambda fip: req.authorize(policies.CREATE, pf_service.target(fip)))
    _changed(req, "create", fip, view(row))
    return json_response({"port_forwarding": view(row)}, status=201)


def show_port_forwarding(req, floatingip_id, port_forwarding_id):
    fip, row = pf_service.get(_db(req), req.context, floatingip_id,
                              port_forwarding_id)
    req.authorize(policies.GET, pf_service.target(fip))
    _, fields = listing.parse(req)
    return json_response({"port_forwarding": listing.select_fields(view(row),
                                                                   fields)})


def list_port_forwardings(req, floatingip_id):
    spec, fields = listing.parse(req)
    fip, rows, more = pf_service.list_port_forwardings(_db(req), req.context,
                                                       floatingip_id, spec)
    req.authorize(policies.GET, pf_service.target(fip))
    return listing.respond(req, "port_forwardings", [view(r) for r in rows], spec,
                           more, fields)


def update_port_forwarding(req, floatingip_id, port_forwarding_id):
    changes = req.json_body(schemas.UPDATE)["port_forwarding"]
    fip, row = pf_service.update(
        _db(req), req.context, floatingip_id, port_forwarding_id, changes,
        authorize=lambda fip: req.authorize(policies.UPDATE, pf_service.target(fip)))
    _changed(req, "update", fip, view(row))
    return json_response({"port_forwarding": view(row)})


def delete_port_forwarding(req, floatingip_id, port_forwarding_id):
    fip, row = pf_service.delete(
        _db(req), req.context, floatingip_id, port_forwarding_id,
        authorize=lambda fip: req.authorize(policies.DELETE, pf_service.target(fip)))
    _changed(req, "delete", fip, {"id": row.id})
    return json_response(None, status=204)

"""Port handlers: create, show, list, update, delete.

The network agent reports a port plugged by ``PUT /v2.0/ports/<id>`` with
``{"port": {"status": "ACTIVE"}}`` (or "DOWN"), allowed to admins and services
only (policy ``update_port:status``); that reaches service.port.set_port_status.
"""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_network.api import compute_events, listing, notifications
from sovra_network.api import standard_attrs as std_api
from sovra_network.api.policies import port as policies
from sovra_network.api.schemas import port as schemas
from sovra_network.service import network as network_service
from sovra_network.service import port as port_service

_BINDING_SET = ("binding:host_id", "binding:profile")


def _db(req):
    return req.state.extras["db"]


def view(row, tags, *, binding: bool) -> dict:
    body = {
        "id": row.id, "name": row.name, "network_id": row.network_id,
        "tenant_id": row.project_id, "project_id": row.project_id,
        "mac_address": row.mac_address, "admin_state_up": row.admin_state_up,
        "status": row.status, "device_id": row.device_id,
        "device_owner": row.device_owner,
        "fixed_ips": [{"subnet_id": a.subnet_id, "ip_address": a.ip_address}
                      for a in row.fixed_ips],
        "allowed_address_pairs": [
            {"ip_address": p["ip_address"],
             "mac_address": p.get("mac_address", row.mac_address)}
            for p in row.allowed_address_pairs or []],
        "security_groups": sorted(g.security_group_id for g in row.security_groups),
        "port_security_enabled": row.port_security_enabled,
        "extra_dhcp_opts": [],
        "binding:vnic_type": row.binding_vnic_type,
        **std_api.view(row, tags),
    }
    if binding:
        body["binding:host_id"] = row.binding_host_id
        body["binding:vif_type"] = port_service.vif_type(row)
        body["binding:vif_details"] = port_service.vif_details(row)
        body["binding:profile"] = row.binding_profile or {}
    return body


def _sees_binding(req, row=None) -> bool:
    target = port_service.target(row) if row is not None else {
        "project_id": req.context.project_id}
    return std_api.allowed(req, policies.GET_BINDING, target)


def _addresses(row) -> list[tuple]:
    return sorted((a.subnet_id, a.ip_address) for a in row.fixed_ips)


def _payload(row) -> dict:
    return view(row, [], binding=True)


def _authorize_attributes(req, values, target):
    if any(key in values for key in _BINDING_SET):
        req.authorize(policies.SET_BINDING, target)
    if "mac_address" in values:
        req.authorize(policies.SET_MAC, target)
    if (values.get("device_owner") or "").startswith("network:"):
        req.authorize(policies.SET_DEVICE_OWNER_NETWORK, target)


def create_port(req):
    body = req.json_body(schemas.CREATE)["port"]
    project_id = body.get("project_id") or body.get("tenant_id") or req.context.project_id
    # Creating a port for another project is for admins (and services).
    req.authorize(policies.CREATE, {"project_id": project_id, "shared": False})

    def authorize(network):
        target = {**network_service.target(network),
                  "network_project_id": network.project_id}
        req.authorize(policies.CREATE, target)
        _authorize_attributes(req, body, target)

    row = port_service.create(_db(req), req.state.conf, req.context, body,
                              authorize=authorize)
    notifications.changed(req, "port", "create", _payload(row),
                          network_id=row.network_id, host=row.binding_host_id)
    return json_response({"port": view(row, [], binding=_sees_binding(req, row))},
                         status=201)


def show_port(req, port_id):
    row, tags = port_service.get(_db(req), req.context, port_id)
    req.authorize(policies.GET, port_service.target(row))
    _, fields = listing.parse(req)
    return json_response({"port": listing.select_fields(
        view(row, tags, binding=_sees_binding(req, row)), fields)})


def list_ports(req):
    req.authorize(policies.GET, {"project_id": req.context.project_id})
    spec, fields = listing.parse(req)
    rows, more, tags = port_service.list_ports(_db(req), req.context, spec)
    binding = _sees_binding(req)
    return listing.respond(req, "ports", [view(r, tags[r.id], binding=binding)
                                          for r in rows], spec, more, fields)


def update_port(req, port_id):
    changes = req.json_body(schemas.UPDATE)["port"]
    db = _db(req)
    previous, previous_ips = None, None
    if set(changes) == {"status"} and req.headers.get("If-Match") is None:
        with db.reader() as session:
            current = port_service.load(session, req.context, port_id)
        req.authorize(policies.SET_STATUS, port_service.target(current))
        previous = current.status
        row = port_service.set_port_status(db, port_id, changes["status"])
    else:
        def authorize(row):
            nonlocal previous, previous_ips
            previous = row.status  # locked, not yet changed
            previous_ips = _addresses(row)
            target = port_service.target(row)
            req.authorize(policies.UPDATE, target)
            _authorize_attributes(req, changes, target)
            if "status" in changes:
                req.authorize(policies.SET_STATUS, target)

        row = port_service.update(db, req.state.conf, req.context, port_id, changes,
                                  revision=std_api.expected_revision(req),
                                  authorize=authorize)
    notifications.changed(req, "port", "update", _payload(row),
                          network_id=row.network_id, host=row.binding_host_id)
    compute_events.port_status_changed(req, row, previous)
    if previous_ips is not None and previous_ips != _addresses(row):
        compute_events.ports_changed(req, [row])
    return json_response({"port": view(row, port_service.tags_of(db, row),
                                       binding=_sees_binding(req, row))})


def delete_port(req, port_id):
    row = port_service.delete(
        _db(req), req.context, port_id, revision=std_api.expected_revision(req),
        authorize=lambda row: req.authorize(policies.DELETE, port_service.target(row)))
    notifications.changed(req, "port", "delete", {"id": row.id,
                                                  "network_id": row.network_id},
                          network_id=row.network_id, host=row.binding_host_id)
    compute_events.port_deleted(req, row)
    return json_response(None, status=204)

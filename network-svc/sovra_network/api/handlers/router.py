"""Router handlers: create, show, list, update, delete; add/remove_router_interface;
add/remove_extraroutes (extraroute-atomic).

Every change tells the agents (state_changed to all, network None: where a router
runs is not decided yet, so every agent may care) and notifies
``router.<action>.end``; an interface added or removed is a router update.
"""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_network.api import listing, notifications
from sovra_network.api import standard_attrs as std_api
from sovra_network.api.policies import router as policies
from sovra_network.api.schemas import router as schemas
from sovra_network.service import router as router_service


def _db(req):
    return req.state.extras["db"]


def _gateway_info(row, gw_port) -> dict | None:
    if gw_port is None:
        return None
    return {"network_id": gw_port.network_id, "enable_snat": row.enable_snat,
            "external_fixed_ips": [{"subnet_id": a.subnet_id,
                                    "ip_address": a.ip_address}
                                   for a in gw_port.fixed_ips]}


def view(row, tags, gw_port) -> dict:
    return {
        "id": row.id, "name": row.name, "tenant_id": row.project_id,
        "project_id": row.project_id, "status": row.status,
        "admin_state_up": row.admin_state_up,
        "external_gateway_info": _gateway_info(row, gw_port),
        "routes": list(row.routes or []),
        "distributed": False, "ha": False, "flavor_id": None,
        "availability_zone_hints": list(row.availability_zone_hints or []),
        "availability_zones": ["nova"],
        **std_api.view(row, tags),
    }


def _changed(req, action, row, tags=(), gw_port=None):
    notifications.changed(req, "router", action, view(row, tags, gw_port))


def _authorize_gateway(req, info, target, *, snat_rule, fixed_ips_rule):
    if not info:
        return
    if "enable_snat" in info:
        req.authorize(snat_rule, target)
    if "external_fixed_ips" in info:
        req.authorize(fixed_ips_rule, target)


def create_router(req):
    body = req.json_body(schemas.CREATE)["router"]
    project_id = body.get("project_id") or body.get("tenant_id") or req.context.project_id
    target = {"project_id": project_id}
    req.authorize(policies.CREATE, target)
    _authorize_gateway(req, body.get("external_gateway_info"), target,
                       snat_rule=policies.CREATE_GW_SNAT,
                       fixed_ips_rule=policies.CREATE_GW_FIXED_IPS)
    db = _db(req)
    row = router_service.create(db, req.state.conf, req.context, body)
    tags, gw_port = router_service.details(db, row)
    _changed(req, "create", row, tags, gw_port)
    return json_response({"router": view(row, tags, gw_port)}, status=201)


def show_router(req, router_id):
    row, tags, gw_port = router_service.get(_db(req), req.context, router_id)
    req.authorize(policies.GET, router_service.target(row))
    _, fields = listing.parse(req)
    return json_response({"router": listing.select_fields(view(row, tags, gw_port),
                                                          fields)})


def list_routers(req):
    req.authorize(policies.GET, {"project_id": req.context.project_id})
    spec, fields = listing.parse(req)
    rows, more, tags, gateways = router_service.list_routers(_db(req), req.context,
                                                             spec)
    return listing.respond(req, "routers", [view(r, tags[r.id], gateways[r.id])
                                            for r in rows], spec, more, fields)


def update_router(req, router_id):
    changes = req.json_body(schemas.UPDATE)["router"]

    def authorize(row):
        target = router_service.target(row)
        req.authorize(policies.UPDATE, target)
        _authorize_gateway(req, changes.get("external_gateway_info"), target,
                           snat_rule=policies.UPDATE_GW_SNAT,
                           fixed_ips_rule=policies.UPDATE_GW_FIXED_IPS)

    db = _db(req)
    row = router_service.update(db, req.state.conf, req.context, router_id, changes,
                                revision=std_api.expected_revision(req),
                                authorize=authorize)
    tags, gw_port = router_service.details(db, row)
    _changed(req, "update", row, tags, gw_port)
    return json_response({"router": view(row, tags, gw_port)})


def delete_router(req, router_id):
    row = router_service.delete(
        _db(req), req.context, router_id, revision=std_api.expected_revision(req),
        authorize=lambda row: req.authorize(policies.DELETE,
                                            router_service.target(row)))
    notifications.changed(req, "router", "delete", {"id": row.id})
    return json_response(None, status=204)


def add_router_interface(req, router_id):
    body = req.json_body(schemas.INTERFACE)
    db = _db(req)
    row, info, _ = router_service.add_interface(
        db, req.state.conf, req.context, router_id, body,
        authorize=lambda row: req.authorize(policies.ADD_INTERFACE,
                                            router_service.target(row)))
    _changed(req, "update", row, *router_service.details(db, row))
    return json_response(info)


def remove_router_interface(req, router_id):
    body = req.json_body(schemas.INTERFACE)
    db = _db(req)
    row, info, _ = router_service.remove_interface(
        db, req.context, router_id, body,
        authorize=lambda row: req.authorize(policies.REMOVE_INTERFACE,
                                            router_service.target(row)))
    _changed(req, "update", row, *router_service.details(db, row))
    return json_response(info)


def _change_routes(req, router_id, *, add: bool):
    routes = req.json_body(schemas.EXTRAROUTES)["router"]["routes"]
    rule = policies.ADD_EXTRAROUTES if add else policies.REMOVE_EXTRAROUTES
    db = _db(req)
    row = router_service.change_routes(
        db, req.context, router_id, routes, add=add,
        authorize=lambda row: req.authorize(rule, router_service.target(row)))
    tags, gw_port = router_service.details(db, row)
    _changed(req, "update", row, tags, gw_port)
    return json_response({"router": view(row, tags, gw_port)})


def add_extraroutes(req, router_id):
    return _change_routes(req, router_id, add=True)


def remove_extraroutes(req, router_id):
    return _change_routes(req, router_id, add=False)

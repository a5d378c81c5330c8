"""Network handlers: create, show, list, update, delete."""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_network.api import listing, notifications
from sovra_network.api import standard_attrs as std_api
from sovra_network.api.policies import network as policies
from sovra_network.api.schemas import network as schemas
from sovra_network.service import network as network_service
from sovra_network.service import subnet as subnet_service

_PROVIDER = ("provider:network_type", "provider:physical_network",
             "provider:segmentation_id")


def _db(req):
    return req.state.extras["db"]


def view(row, tags, subnets, *, provider: bool) -> dict:
    """A network as the API shows it; provider attributes only for admins."""
    body = {
        "id": row.id, "name": row.name, "tenant_id": row.project_id,
        "project_id": row.project_id, "status": row.status,
        "admin_state_up": row.admin_state_up, "shared": row.shared,
        "router:external": row.router_external, "mtu": row.mtu,
        "port_security_enabled": row.port_security_enabled,
        "subnets": list(subnets),
        "availability_zone_hints": list(row.availability_zone_hints or []),
        "availability_zones": ["nova"],
        "ipv4_address_scope": None, "ipv6_address_scope": None,
        "l2_adjacency": True, "is_default": False,
        **std_api.view(row, tags),
    }
    if provider:
        body["provider:network_type"] = row.network_type
        body["provider:physical_network"] = row.physical_network
        body["provider:segmentation_id"] = row.segmentation_id
    return body


def _sees_provider(req, row) -> bool:
    return std_api.allowed(req, policies.GET_PROVIDER, network_service.target(row))


def _payload(row) -> dict:
    return view(row, [], [], provider=True)


def create_network(req):
    body = req.json_body(schemas.CREATE)["network"]
    project_id = body.get("project_id") or body.get("tenant_id") or req.context.project_id
    target = {"project_id": project_id, "shared": body.get("shared", False),
              "router:external": body.get("router:external", False)}
    req.authorize(policies.CREATE, target)
    if body.get("shared"):
        req.authorize(policies.CREATE_SHARED, target)
    if body.get("router:external"):
        req.authorize(policies.CREATE_EXTERNAL, target)
    if any(body.get(key) is not None for key in _PROVIDER):
        req.authorize(policies.CREATE_PROVIDER, target)
    row = network_service.create(_db(req), req.state.conf, req.context, body)
    notifications.changed(req, "network", "create", _payload(row), network_id=row.id)
    return json_response({"network": view(row, [], [], provider=_sees_provider(
        req, row))}, status=201)


def show_network(req, network_id):
    row, tags, subnets = network_service.get(_db(req), req.context, network_id)
    req.authorize(policies.GET, network_service.target(row))
    _, fields = listing.parse(req)
    return json_response({"network": listing.select_fields(
        view(row, tags, subnets, provider=_sees_provider(req, row)), fields)})


def list_networks(req):
    req.authorize(policies.GET, {"project_id": req.context.project_id,
                                 "shared": False, "router:external": False})
    spec, fields = listing.parse(req)
    rows, more, tags, subnets = network_service.list_networks(_db(req), req.context,
                                                              spec)
    provider = std_api.allowed(req, policies.GET_PROVIDER,
                               {"project_id": req.context.project_id})
    items = [view(r, tags[r.id], subnets[r.id], provider=provider) for r in rows]
    return listing.respond(req, "networks", items, spec, more, fields)


def update_network(req, network_id):
    changes = req.json_body(schemas.UPDATE)["network"]

    def authorize(row):
        target = network_service.target(row)
        req.authorize(policies.UPDATE, target)
        if "shared" in changes and changes["shared"] != row.shared:
            req.authorize(policies.UPDATE_SHARED, target)
        if "router:external" in changes and changes["router:external"] != \
                row.router_external:
            req.authorize(policies.UPDATE_EXTERNAL, target)

    row = network_service.update(_db(req), req.context, network_id, changes,
                                 revision=std_api.expected_revision(req),
                                 authorize=authorize)
    tags, subnets = network_service.tags_and_subnets(_db(req), row)
    notifications.changed(req, "network", "update", _payload(row), network_id=row.id)
    return json_response({"network": view(row, tags, subnets,
                                          provider=_sees_provider(req, row))})


def delete_network(req, network_id):
    row = network_service.delete(
        _db(req), req.context, network_id, revision=std_api.expected_revision(req),
        authorize=lambda row: req.authorize(policies.DELETE,
                                            network_service.target(row)),
        delete_subnets=subnet_service.delete_all_of_network)
    notifications.changed(req, "network", "delete", {"id": row.id},
                          network_id=row.id)
    return json_response(None, status=204)

"""Subnet handlers: create, show, list, update, delete."""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_network.api import listing, notifications
from sovra_network.api import standard_attrs as std_api
from sovra_network.api.policies import subnet as policies
from sovra_network.api.schemas import subnet as schemas
from sovra_network.service import network as network_service
from sovra_network.service import subnet as subnet_service


def _db(req):
    return req.state.extras["db"]


def view(row, tags) -> dict:
    return {
        "id": row.id, "name": row.name, "tenant_id": row.project_id,
        "project_id": row.project_id, "network_id": row.network_id,
        "ip_version": row.ip_version, "cidr": row.cidr, "gateway_ip": row.gateway_ip,
        "enable_dhcp": row.enable_dhcp, "ipv6_ra_mode": row.ipv6_ra_mode,
        "ipv6_address_mode": row.ipv6_address_mode,
        "allocation_pools": [{"start": p.first_ip, "end": p.last_ip}
                             for p in row.allocation_pools],
        "dns_nameservers": list(row.dns_nameservers or []),
        "host_routes": list(row.host_routes or []),
        "subnetpool_id": row.subnetpool_id, "segment_id": None, "service_types": [],
        **std_api.view(row, tags),
    }


def _payload(row):
    return view(row, [])


def create_subnet(req):
    body = req.json_body(schemas.CREATE)["subnet"]
    project_id = body.get("project_id") or body.get("tenant_id") or req.context.project_id
    req.authorize(policies.CREATE, {"project_id": project_id})

    def authorize(network):
        req.authorize(policies.CREATE, network_service.target(network))

    row = subnet_service.create(_db(req), req.state.conf, req.context, body,
                                authorize=authorize)
    notifications.changed(req, "subnet", "create", _payload(row),
                          network_id=row.network_id)
    return json_response({"subnet": view(row, [])}, status=201)


def show_subnet(req, subnet_id):
    row, tags = subnet_service.get(_db(req), req.context, subnet_id)
    req.authorize(policies.GET, subnet_service.target(row))
    _, fields = listing.parse(req)
    return json_response({"subnet": listing.select_fields(view(row, tags), fields)})


def list_subnets(req):
    req.authorize(policies.GET, {"project_id": req.context.project_id})
    spec, fields = listing.parse(req)
    rows, more, tags = subnet_service.list_subnets(_db(req), req.context, spec)
    return listing.respond(req, "subnets", [view(r, tags[r.id]) for r in rows], spec,
                           more, fields)


def update_subnet(req, subnet_id):
    changes = req.json_body(schemas.UPDATE)["subnet"]
    row = subnet_service.update(
        _db(req), req.state.conf, req.context, subnet_id, changes,
        revision=std_api.expected_revision(req),
        authorize=lambda row: req.authorize(policies.UPDATE,
                                            subnet_service.target(row)))
    notifications.changed(req, "subnet", "update", _payload(row),
                          network_id=row.network_id)
    return json_response({"subnet": view(row, subnet_service.tags_of(_db(req), row))})


def delete_subnet(req, subnet_id):
    row = subnet_service.delete(
        _db(req), req.context, subnet_id, revision=std_api.expected_revision(req),
        authorize=lambda row: req.authorize(policies.DELETE,
                                            subnet_service.target(row)))
    notifications.changed(req, "subnet", "delete", {"id": row.id},
                          network_id=row.network_id)
    return json_response(None, status=204)

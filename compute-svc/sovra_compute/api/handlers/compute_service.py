"""os-services: the compute agents, up or down by their heartbeat.

Before 2.53 services are known by their integer id, and enable / disable /
force-down are ``PUT /os-services/<action>`` with host and binary in the body. From
2.53 they are known by UUID and changed with ``PUT /os-services/{uuid}`` (status,
disabled_reason, forced_down), which answers the whole service.
"""

from __future__ import annotations

import uuid

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import views
from sovra_compute.api.policies import compute_service as policies
from sovra_compute.api.schemas import compute_service as schemas
from sovra_compute.service import aggregate, availability_zone, compute_service


def _db(req):
    return req.state.extras["db"]


def _view(req, service, live, zones) -> dict:
    """``zones``: {host: zone} of the hosts host aggregates put in a zone."""
    shown = {"id": service["id"] if req.microversion.matches("2.53")
             else service["number"],
             "binary": service["binary"],
             "host": service["host"],
             "zone": zones.get(service["host"], availability_zone.DEFAULT_ZONE),
             "status": "disabled" if service["disabled"] else "enabled",
             "state": "up" if service["host"] in live and not service["forced_down"]
             else "down",
             "updated_at": views.isotime(service["updated_at"]),
             "disabled_reason": service["disabled_reason"]}
    if req.microversion.matches("2.11"):
        shown["forced_down"] = service["forced_down"]
    return shown


def _live(req) -> set:
    return set(req.state.extras["coordinator"].members(compute_service.AGENTS_GROUP))


def list_services(req):
    query = req.query(schemas.LIST_QUERY)
    req.authorize(policies.LIST)
    live = _live(req)
    services = compute_service.sync_agents(_db(req), live)
    services = [s for s in services
                if (not query.get("host") or s["host"] == query["host"])
                and (not query.get("binary") or s["binary"] == query["binary"])]
    zones = aggregate.host_zones(_db(req))
    return json_response({"services": [_view(req, s, live, zones) for s in services]})


def _service_id(req, raw: str):
    """The path's service id: a UUID from 2.53 (400 otherwise), an integer before
    (404 otherwise, as no such service exists)."""
    if req.microversion.matches("2.53"):
        try:
            return str(uuid.UUID(raw))
        except ValueError:
            raise exception.Invalid(f"Invalid uuid {raw}") from None
    if not raw.isdigit():
        raise compute_service.ServiceNotFound(service_id=raw)
    return int(raw)


_ACTIONS = {"enable": {"disabled": False, "disabled_reason": None},
            "disable": {"disabled": True},
            "disable-log-reason": {"disabled": True}}


def update_service(req, service_id):
    """``service_id`` is the action (enable, disable...) before 2.53."""
    if req.microversion.matches("2.53"):
        return _update_by_id(req, service_id)
    action = service_id
    body = req.json_body(schemas.UPDATE)
    req.authorize(policies.UPDATE)
    if action == "force-down" and req.microversion.matches("2.11"):
        if "forced_down" not in body:
            raise exception.Invalid("forced_down is required.")
        changes = {"forced_down": body["forced_down"]}
    elif action in _ACTIONS:
        changes = dict(_ACTIONS[action])
        if action == "disable-log-reason":
            if not body.get("disabled_reason"):
                raise exception.Invalid("Missing disabled reason field")
            changes["disabled_reason"] = body["disabled_reason"]
    else:
        raise exception.NotFound(f"Unknown action {action}")
    matches = [s for s in compute_service.list_(_db(req), host=body["host"],
                                                binary=body["binary"])]
    if not matches:
        raise exception.NotFound(f"Host '{body['host']}' is not mapped to any cell")
    service = compute_service.update(_db(req), matches[0]["id"], **changes)
    shown = {"host": service["host"], "binary": service["binary"]}
    if action == "force-down":
        shown["forced_down"] = service["forced_down"]
    else:
        shown["status"] = "disabled" if service["disabled"] else "enabled"
        if action == "disable-log-reason":
            shown["disabled_reason"] = service["disabled_reason"]
    return json_response({"service": shown})


def _update_by_id(req, raw_id):
    body = req.json_body(schemas.UPDATE_V2_53)
    req.authorize(policies.UPDATE)
    service = compute_service.get(_db(req), _service_id(req, raw_id))
    if service["binary"] != compute_service.AGENT_BINARY:
        raise exception.Invalid(f"Updating a {service['binary']} service is not "
                                "supported. Only nova-compute services can be updated.")
    if "status" not in body and "forced_down" not in body:
        raise exception.Invalid("At least one of 'status' or 'forced_down' must be "
                                "specified.")
    if "disabled_reason" in body and body.get("status") != "disabled":
        raise exception.Invalid("Specifying a disabled reason is only supported when "
                                "the status is disabled.")
    changes = {}
    if "status" in body:
        changes["disabled"] = body["status"] == "disabled"
        changes["disabled_reason"] = body.get("disabled_reason")
    if "forced_down" in body:
        changes["forced_down"] = body["forced_down"]
    service = compute_service.update(_db(req), service["id"], **changes)
    return json_response({"service": _view(req, service, _live(req),
                                           aggregate.host_zones(_db(req)))})


def delete_service(req, service_id):
    req.authorize(policies.DELETE)
    service = compute_service.get(_db(req), _service_id(req, service_id))
    compute_service.delete(_db(req), service["id"])
    if service["binary"] == compute_service.AGENT_BINARY:  # as upstream
        aggregate.forget_host(_db(req), req.state.extras["placement"](),
                              service["host"])
    return json_response(None, status=204)

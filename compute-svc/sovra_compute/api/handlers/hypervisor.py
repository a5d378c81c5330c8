"""os-hypervisors: each agent's node, with capacity and usage from placement.

Before 2.53 a hypervisor is known by its service's integer id; from 2.53 by the
node's UUID (its resource provider's in placement), and the list takes
hypervisor_hostname_pattern and with_servers instead of the /search and /servers
sub-paths. cpu_info is an object from 2.28; lists page from 2.33. From 2.88 the
capacity and usage fields and /statistics are gone, and ``uptime`` is in the body.
"""

from __future__ import annotations

import json
import uuid

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute import placement_client
from sovra_compute.api import server_view, views
from sovra_compute.api.policies import hypervisor as policies
from sovra_compute.api.schemas import hypervisor as schemas
from sovra_compute.service import compute_service
from sovra_compute.service import instance as instance_service

#: capacity and usage fields, gone from 2.88 (placement has the real numbers)
_USAGE_FIELDS = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                 "local_gb_used", "free_ram_mb", "free_disk_gb", "disk_available_least",
                 "current_workload", "running_vms", "cpu_info")


class HypervisorNotFound(exception.NotFound):
    message = "Hypervisor with ID %(hypervisor_id)s could not be found."


class NoHypervisorMatches(exception.NotFound):
    message = "No hypervisor matching '%(pattern)s' could be found."


def _db(req):
    return req.state.extras["db"]


def _nodes(req):
    live = set(req.state.extras["coordinator"].members(compute_service.AGENTS_GROUP))
    return compute_service.sync_agents(_db(req), live), live


def _id(req, service):
    if req.microversion.matches("2.53"):
        return placement_client.node_uuid(service["host"])
    return service["number"]


def _brief(req, service, live) -> dict:
    return {"id": _id(req, service), "hypervisor_hostname": service["host"],
            "state": "up" if service["host"] in live and not service["forced_down"]
            else "down",
            "status": "disabled" if service["disabled"] else "enabled"}


def _with_servers(req, shown, service) -> dict:
    """Add the node's servers; before 2.75 only when there are some."""
    servers = [{"name": server_view.instance_name(i), "uuid": i["uuid"]}
               for i in instance_service.list_(_db(req),
                                               filters={"host": service["host"]})]
    if servers or req.microversion.matches("2.75"):
        shown["servers"] = servers
    return shown


def _detail(req, service, live) -> dict:
    shown = _brief(req, service, live)
    placement = req.state.extras["placement"]()
    try:
        usage = placement.provider_usage(placement_client.node_uuid(service["host"]))
    except placement_client.PlacementError:
        usage = {"inventories": {}, "usages": {}}
    inventories, used = usage["inventories"], usage["usages"]

    def total(rc):
        return inventories.get(rc, {}).get("total", 0)
    running = len(instance_service.list_(_db(req), filters={"host": service["host"]}))
    shown.update({
        "vcpus": total("VCPU"), "memory_mb": total("MEMORY_MB"),
        "local_gb": total("DISK_GB"), "vcpus_used": used.get("VCPU", 0),
        "memory_mb_used": used.get("MEMORY_MB", 0),
        "local_gb_used": used.get("DISK_GB", 0),
        "free_ram_mb": total("MEMORY_MB") - used.get("MEMORY_MB", 0),
        "free_disk_gb": total("DISK_GB") - used.get("DISK_GB", 0),
        "disk_available_least": total("DISK_GB") - used.get("DISK_GB", 0),
        "current_workload": 0, "running_vms": running,
        "hypervisor_type": "fake", "hypervisor_version": 1000,
        "host_ip": "127.0.0.1",
        "cpu_info": {} if req.microversion.matches("2.28") else json.dumps({}),
        "service": {"host": service["host"],
                    "id": service["id"] if req.microversion.matches("2.53")
                    else service["number"],
                    "disabled_reason": service["disabled_reason"]}})
    if req.microversion.matches("2.88"):
        for key in _USAGE_FIELDS:
            del shown[key]
        # the node's uptime needs an agent call that does not exist yet: unknown
        shown["uptime"] = None
    return shown


def _page(req, nodes, query, detail):
    """The nodes the list query asks for, and its next links."""
    mv = req.microversion
    pattern = query.get("hypervisor_hostname_pattern")
    if pattern is not None:
        if "limit" in query or "marker" in query:
            raise exception.Invalid("Paging over hypervisors with the "
                                    "hypervisor_hostname_pattern query parameter is "
                                    "not supported.")
        nodes = [s for s in nodes if pattern in s["host"]]
        if not nodes:
            raise NoHypervisorMatches(pattern=pattern)
    limit = None
    if mv.matches("2.33"):
        if "marker" in query:
            ids = [str(_id(req, s)) for s in nodes]
            if query["marker"] not in ids:
                raise exception.Invalid(f"marker [{query['marker']}] not found")
            nodes = nodes[ids.index(query["marker"]) + 1:]
        if "limit" in query:
            limit = int(query["limit"])
            nodes = nodes[:limit]
    links = views.pagination_links("os-hypervisors/detail" if detail
                                   else "os-hypervisors",
                                   [{"id": str(_id(req, s))} for s in nodes], limit)
    return nodes, links


def _list(req, detail):
    mv = req.microversion
    query = req.query(schemas.LIST_QUERY_V2_53 if mv.matches("2.53")
                      else schemas.LIST_QUERY)
    req.authorize(policies.LIST)
    nodes, live = _nodes(req)
    nodes, links = _page(req, nodes, query, detail)
    with_servers = "with_servers" in query and views.bool_param(query["with_servers"],
                                                          "with_servers")
    hypervisors = []
    for service in nodes:
        shown = _detail(req, service, live) if detail else _brief(req, service, live)
        hypervisors.append(_with_servers(req, shown, service) if with_servers
                           else shown)
    body = {"hypervisors": hypervisors}
    if links:
        body["hypervisors_links"] = links
    return json_response(body)


def list_hypervisors(req):
    return _list(req, detail=False)


def list_hypervisors_detail(req):
    return _list(req, detail=True)


def show_hypervisor(req, hypervisor_id):
    mv = req.microversion
    query = req.query(schemas.SHOW_QUERY_V2_53) if mv.matches("2.53") else {}
    req.authorize(policies.SHOW)
    if mv.matches("2.53"):
        try:
            uuid.UUID(hypervisor_id)
        except ValueError:
            raise exception.Invalid(f"Invalid uuid {hypervisor_id}") from None
    nodes, live = _nodes(req)
    for service in nodes:
        if str(_id(req, service)) == hypervisor_id:
            shown = _detail(req, service, live)
            if "with_servers" in query and views.bool_param(query["with_servers"],
                                                      "with_servers"):
                _with_servers(req, shown, service)
            return json_response({"hypervisor": shown})
    raise HypervisorNotFound(hypervisor_id=hypervisor_id)


def _matching(req, pattern):
    """Pre-2.53 /os-hypervisors/{pattern}/search and /servers: gone from 2.53."""
    if req.microversion.matches("2.53"):
        raise exception.NotFound("The resource could not be found.")
    nodes, live = _nodes(req)
    nodes = [s for s in nodes if pattern in s["host"]]
    if not nodes:
        raise NoHypervisorMatches(pattern=pattern)
    return nodes, live


def search_hypervisors(req, pattern):
    req.authorize(policies.LIST)
    nodes, live = _matching(req, pattern)
    return json_response({"hypervisors": [_brief(req, s, live) for s in nodes]})


def list_hypervisor_servers(req, pattern):
    req.authorize(policies.LIST)
    nodes, live = _matching(req, pattern)
    return json_response({"hypervisors": [
        _with_servers(req, _brief(req, s, live), s) for s in nodes]})


def show_statistics(req):
    if req.microversion.matches("2.88"):
        raise exception.NotFound("The resource could not be found.")
    req.authorize(policies.LIST)
    nodes, live = _nodes(req)
    details = [_detail(req, s, live) for s in nodes]
    keys = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
            "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload",
            "running_vms", "disk_available_least")
    stats = {key: sum(d[key] for d in details) for key in keys}
    stats["count"] = len(details)
    return json_response({"hypervisor_statistics": stats})

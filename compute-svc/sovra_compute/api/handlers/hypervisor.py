"""os-hypervisors: each agent's node, with capacity and usage from placement.

Before 2.53 (Sovra's max is below), ids are the service's integer id.
"""

from __future__ import annotations

import json

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute import placement_client
from sovra_compute.api.policies import hypervisor as policies
from sovra_compute.service import compute_service
from sovra_compute.service import instance as instance_service


class HypervisorNotFound(exception.NotFound):
    message = "Hypervisor with ID %(hypervisor_id)s could not be found."


def _db(req):
    return req.state.extras["db"]


def _nodes(req):
    live = set(req.state.extras["coordinator"].members(compute_service.AGENTS_GROUP))
    return compute_service.sync_agents(_db(req), live), live


def _brief(service, live) -> dict:
    return {"id": service["number"], "hypervisor_hostname": service["host"],
            "state": "up" if service["host"] in live and not service["forced_down"]
            else "down",
            "status": "disabled" if service["disabled"] else "enabled"}


def _detail(req, service, live) -> dict:
    shown = _brief(service, live)
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
        "host_ip": "127.0.0.1", "cpu_info": json.dumps({}),
        "service": {"host": service["host"], "id": service["number"],
                    "disabled_reason": service["disabled_reason"]}})
    return shown


def list_hypervisors(req):
    req.authorize(policies.LIST)
    nodes, live = _nodes(req)
    return json_response({"hypervisors": [_brief(s, live) for s in nodes]})


def list_hypervisors_detail(req):
    req.authorize(policies.LIST)
    nodes, live = _nodes(req)
    return json_response({"hypervisors": [_detail(req, s, live) for s in nodes]})


def show_hypervisor(req, hypervisor_id):
    req.authorize(policies.SHOW)
    nodes, live = _nodes(req)
    for service in nodes:
        if str(service["number"]) == hypervisor_id:
            return json_response({"hypervisor": _detail(req, service, live)})
    raise HypervisorNotFound(hypervisor_id=hypervisor_id)


def show_statistics(req):
    req.authorize(policies.LIST)
    nodes, live = _nodes(req)
    details = [_detail(req, s, live) for s in nodes]
    keys = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
            "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload",
            "running_vms", "disk_available_least")
    stats = {key: sum(d[key] for d in details) for key in keys}
    stats["count"] = len(details)
    return json_response({"hypervisor_statistics": stats})

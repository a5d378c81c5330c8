"""The agent's node as placement sees it: a resource provider with inventory."""

from __future__ import annotations

from sovra_compute import placement_client


def inventories(conf, driver) -> dict:
    """Placement inventories of the node: the driver's totals, with [compute]'s
    allocation ratios and reserved amounts."""
    totals = driver.get_inventory()
    opts = conf.compute
    extra = {
        "VCPU": (opts.cpu_allocation_ratio, opts.reserved_host_cpus),
        "MEMORY_MB": (opts.ram_allocation_ratio, opts.reserved_host_memory_mb),
        "DISK_GB": (opts.disk_allocation_ratio, -(-opts.reserved_host_disk_mb // 1024)),
    }
    result = {}
    for rc, total in totals.items():
        ratio, reserved = extra[rc]
        result[rc] = {"total": total, "reserved": min(reserved, total),
                      "min_unit": 1, "max_unit": total, "step_size": 1,
                      "allocation_ratio": ratio}
    return result


def register(conf, placement: placement_client.PlacementClient, host, driver) -> str:
    """Create or update the node's resource provider (inventory and traits);
    returns its UUID."""
    provider = placement.ensure_provider(host)
    placement.set_inventory(provider["uuid"], inventories(conf, driver))
    placement.set_traits(provider["uuid"], driver.get_traits())
    return provider["uuid"]

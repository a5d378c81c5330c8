"""The compute agents' rows of ``sovra status`` (entry point group
``sovra.status.agents``, name ``compute``): one per nova-compute service."""

from sovra_compute import cli


def agents(cloud) -> list[dict]:
    """A row per compute agent: up, up (disabled: <reason>), or down since its last
    heartbeat. Raises keystoneauth1's Forbidden for a user who may not list them."""
    rows = []
    for service in cli.client(cloud).list_services(binary="nova-compute"):
        if service["state"] != "up":
            status = f"down (last heartbeat {service.get('updated_at') or 'never'})"
        elif service["status"] == "disabled":
            reason = service.get("disabled_reason")
            status = f"up (disabled{': ' + reason if reason else ''})"
        else:
            status = "up"
        rows.append({"type": "compute agent", "name": service["host"], "status": status})
    return rows

"""The volume agents' rows of ``sovra status`` (entry point group
``sovra.status.agents``, name ``block-storage``, the catalog's service type): one
per backend a volume agent serves (``cinder-volume`` services, ``<host>@<backend>``),
up or down by its last capacity report."""

from sovra_block import cli


def agents(cloud) -> list[dict]:
    """A row per volume backend. Raises keystoneauth1's Forbidden for a user who may
    not list them."""
    rows = []
    for service in cli.client(cloud).list_services(binary="cinder-volume"):
        if service.get("state") != "up":
            status = f"down (last report {service.get('updated_at') or 'never'})"
        elif service.get("status") == "disabled":
            reason = service.get("disabled_reason")
            status = f"up (disabled{': ' + reason if reason else ''})"
        else:
            status = "up"
        rows.append({"type": "volume backend", "name": service["host"],
                     "status": status})
    return sorted(rows, key=lambda r: r["name"])

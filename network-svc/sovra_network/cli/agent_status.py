"""The network agents' rows of ``sovra status`` (entry point group
``sovra.status.agents``, name ``network``): one per network agent the API
remembers (service/agent.py): up while its heartbeat lasts in the coordination
service, down once it stopped (until an admin deletes it)."""

from sovra_network import cli


def agents(cloud) -> list[dict]:
    """A row per network agent: up, up (disabled), or down since its last
    heartbeat. Raises keystoneauth1's Forbidden for a user who may not list them."""
    rows = []
    for agent in cli.client(cloud).list_agents():
        if not agent.get("alive"):
            last = agent.get("heartbeat_timestamp") or "never"
            status = f"down (last heartbeat {last})"
        elif not agent.get("admin_state_up", True):
            status = "up (disabled)"
        else:
            status = "up"
        rows.append({"type": "network agent", "name": agent["host"], "status": status})
    return sorted(rows, key=lambda r: r["name"])

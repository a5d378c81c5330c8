"""The network agents' rows of ``sovra status`` (entry point group
``sovra.status.agents``, name ``network``): one per live network agent.

The network API lists an agent while its heartbeat lasts in the coordination
service (service/agent.py): a dead agent disappears rather than showing as down,
so the rows are the agents that are up."""

from sovra_network import cli


def agents(cloud) -> list[dict]:
    """A row per network agent. Raises keystoneauth1's Forbidden for a user who
    may not list them."""
    rows = []
    for agent in cli.client(cloud).list_agents():
        status = "up" if agent.get("alive") else "down"
        if agent.get("alive") and not agent.get("admin_state_up", True):
            status = "up (disabled)"
        rows.append({"type": "network agent", "name": agent["host"], "status": status})
    return sorted(rows, key=lambda r: r["name"])

"""The network agents, as the coordination service knows them.

Each agent heartbeats in the [network] agents_group group ("network-agents") as
member ``<host>`` (or any name) with data {host, agent_type, tunneling_ip, ...};
an agent is listed while its heartbeat lasts (``alive`` is then true) and
disappears when it expires. Read-only: there is no agent table.
"""

from __future__ import annotations

import datetime
import uuid

from sovra_network import exception as net_exc

_NAMESPACE = uuid.UUID("9e1c2f4a-6f7b-4c0e-9a55-3c1d2b7e8f60")
DEFAULT_TYPE = "Linux bridge agent"
BINARY = "sovra-network-agent"


def agent_id(agent_type: str, host: str) -> str:
    """Stable id of an agent: the same host and type give the same id every time."""
    return str(uuid.uuid5(_NAMESPACE, f"{agent_type}/{host}"))


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _view(member: str, data: dict) -> dict:
    host = data.get("host") or member
    agent_type = data.get("agent_type") or DEFAULT_TYPE
    configurations = {k: v for k, v in data.items()
                      if k not in ("host", "agent_type", "started_at")}
    started = data.get("started_at") or _now()
    return {
        "id": agent_id(agent_type, host), "agent_type": agent_type,
        "binary": data.get("binary", BINARY), "host": host,
        "topic": "network-agent", "alive": True, "admin_state_up": True,
        "availability_zone": None, "configurations": configurations,
        "created_at": started, "started_at": started, "heartbeat_timestamp": _now(),
        "description": None, "resources_synced": None,
    }


def list_agents(coordinator, conf) -> list[dict]:
    members = coordinator.members(conf.network.agents_group)
    return sorted((_view(m, d or {}) for m, d in members.items()),
                  key=lambda a: (a["host"], a["agent_type"]))


def get(coordinator, conf, agent_id_: str) -> dict:
    for agent in list_agents(coordinator, conf):
        if agent["id"] == agent_id_:
            return agent
    raise net_exc.AgentNotFound(id=agent_id_)

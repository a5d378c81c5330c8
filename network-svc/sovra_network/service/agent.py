"""The network agents: remembered in the ``agents`` table, alive by coordination.

Each agent heartbeats in the [network] agents_group group ("network-agents") as
member ``<host>`` with data {host, agent_type, binary, started_at, tunneling_ip,
...}. Every agents request (list, show, update, delete) first records the live
members: a row per (agent_type, host), its id a uuid5 of both (the same agent
gets the same id every time, even after its row was deleted). Nothing is written
when nothing changed: a row is written when an agent appears, when its binary,
configuration or start time changed (it restarted), or when its
``heartbeat_timestamp`` (the last time the API saw it alive) is older than
``SEEN_REFRESH`` seconds.

``alive`` is whether the member is in the group now (the coordination backend's
answer to this request; nothing cached). A dead agent stays listed, alive false,
until an admin deletes its row; as in Neutron, deleting a live agent's row is
allowed (204) and the agent is recorded again, with a new ``created_at``, the
next time agents are requested while it heartbeats. ``admin_state_up`` and
``description`` are the admin's (PUT), kept across restarts.

The data plane never reads this table: the agents choose the DHCP and router
nodes and their VXLAN endpoints from the live members themselves
(agent/service.py, agent/sync.py).
"""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import select

from sovra_common.db import schema
from sovra_network import exception as net_exc
from sovra_network.db.models.agent import Agent
from sovra_network.service import races

_NAMESPACE = uuid.UUID("9e1c2f4a-6f7b-4c0e-9a55-3c1d2b7e8f60")
DEFAULT_TYPE = "Linux bridge agent"
BINARY = "sovra-network-agent"
TOPIC = "network-agent"
#: seconds between two writes of a live agent's heartbeat_timestamp
SEEN_REFRESH = 60
_NOT_CONFIGURATION = ("host", "agent_type", "binary", "started_at",
                      "heartbeat_timestamp")


def agent_id(agent_type: str, host: str) -> str:
    """Stable id of an agent: the same host and type give the same id every time."""
    return str(uuid.uuid5(_NAMESPACE, f"{agent_type}/{host}"))


def _time(value) -> datetime.datetime | None:
    """A member's ISO 8601 timestamp as an aware UTC datetime (None if absent or
    unreadable)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.astimezone(datetime.UTC)


def _shown_time(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _live(member: str, data: dict) -> dict:
    """What a live member says of itself, as columns (started_at may be None)."""
    host = data.get("host") or member
    agent_type = data.get("agent_type") or DEFAULT_TYPE
    return {"id": agent_id(agent_type, host), "agent_type": agent_type, "host": host,
            "binary": data.get("binary") or BINARY,
            "configurations": {k: v for k, v in data.items()
                               if k not in _NOT_CONFIGURATION},
            "started_at": _time(data.get("started_at")),
            "heartbeat": _time(data.get("heartbeat_timestamp"))}


def _outdated(row: Agent | None, live: dict, now: datetime.datetime) -> bool:
    if row is None:
        return True
    return (row.binary != live["binary"]
            or row.configurations != live["configurations"]
            or (live["started_at"] is not None and row.started_at != live["started_at"])
            or (now - row.heartbeat_timestamp).total_seconds() >= SEEN_REFRESH)


@races.retry_on_race
def _record(db, lives: list[dict], now: datetime.datetime) -> None:
    with db.writer() as session:
        rows = {r.id: r for r in session.scalars(
            select(Agent).where(Agent.id.in_([live["id"] for live in lives])))}
        for live in lives:
            row = rows.get(live["id"])
            if row is None:
                row = Agent(id=live["id"], agent_type=live["agent_type"],
                            host=live["host"], topic=TOPIC, admin_state_up=True,
                            description=None, availability_zone=None, created_at=now,
                            started_at=live["started_at"] or now)
                session.add(row)
            row.binary = live["binary"]
            row.configurations = live["configurations"]
            if live["started_at"] is not None:
                row.started_at = live["started_at"]
            row.heartbeat_timestamp = now


def _view(row: Agent, live: dict | None, now: datetime.datetime) -> dict:
    heartbeat = row.heartbeat_timestamp
    if live is not None:  # alive now: the backend vouches for a recent heartbeat
        heartbeat = live["heartbeat"] or now
    return {
        "id": row.id, "agent_type": row.agent_type, "binary": row.binary,
        "host": row.host, "topic": row.topic, "alive": live is not None,
        "admin_state_up": row.admin_state_up,
        "availability_zone": row.availability_zone,
        "configurations": row.configurations or {},
        "created_at": _shown_time(row.created_at),
        "started_at": _shown_time(row.started_at),
        "heartbeat_timestamp": _shown_time(heartbeat),
        "description": row.description, "resources_synced": None,
    }


def list_agents(db, coordinator, conf) -> list[dict]:
    """Every remembered agent (the live ones recorded first), by host and type."""
    members = coordinator.members(conf.network.agents_group)
    lives = {}
    for member, data in members.items():
        live = _live(member, data or {})
        lives[live["id"]] = live
    now = schema.utcnow()
    with db.reader() as session:
        rows = {r.id: r for r in session.scalars(select(Agent))}
        outdated = [live for id_, live in lives.items()
                    if _outdated(rows.get(id_), live, now)]
        if not outdated:
            return _sorted([_view(r, lives.get(r.id), now) for r in rows.values()])
    _record(db, outdated, now)
    with db.reader() as session:
        return _sorted([_view(r, lives.get(r.id), now)
                        for r in session.scalars(select(Agent))])


def _sorted(views: list[dict]) -> list[dict]:
    return sorted(views, key=lambda a: (a["host"], a["agent_type"]))


def get(db, coordinator, conf, agent_id_: str) -> dict:
    for agent in list_agents(db, coordinator, conf):
        if agent["id"] == agent_id_:
            return agent
    raise net_exc.AgentNotFound(id=agent_id_)


def update(db, coordinator, conf, agent_id_: str, changes: dict) -> dict:
    """Set ``admin_state_up`` and/or ``description`` (the schema allows no more)."""
    get(db, coordinator, conf, agent_id_)  # records a live agent not seen yet
    with db.writer() as session:
        row = session.get(Agent, agent_id_)
        if row is None:  # deleted meanwhile
            raise net_exc.AgentNotFound(id=agent_id_)
        for key, value in changes.items():
            setattr(row, key, value)
    return get(db, coordinator, conf, agent_id_)


def delete(db, coordinator, conf, agent_id_: str) -> None:
    """Forget an agent. A live one is recorded again at the next request."""
    get(db, coordinator, conf, agent_id_)
    with db.writer() as session:
        row = session.get(Agent, agent_id_)
        if row is None:
            raise net_exc.AgentNotFound(id=agent_id_)
        session.delete(row)

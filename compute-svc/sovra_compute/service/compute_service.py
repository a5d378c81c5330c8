"""Compute services (os-services): the conductor and each node's agent.

Rows are written by the conductor when an agent reports in; whether one is up comes
from the coordination service (the agent's heartbeat), not from the database.
"""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import select

from sovra_common import exception
from sovra_common.db import Database, DuplicateEntry, retry_on_deadlock, schema
from sovra_compute.db import models

AGENT_BINARY = "nova-compute"  # the wire name clients filter on
AGENTS_GROUP = "compute-agents"


class ServiceNotFound(exception.NotFound):
    message = "Service %(service_id)s could not be found."


class ServiceHostsInstances(exception.Conflict):
    message = ("Unable to delete compute service that is hosting instances. Migrate "
               "or delete the instances first.")


def work_lost(agents: dict, host: str | None, handed_at) -> bool:
    """Whether work handed to ``host``'s agent at the datetime ``handed_at`` is
    lost: the agent is down (not among ``agents``, the AGENTS_GROUP members and
    their heartbeat data), or started since (its heartbeat's ``started_at``: a
    service manager restarted it before its lease expired; what it was doing
    died with the old process). Clocks are taken to agree (NTP)."""
    if host not in agents:
        return True
    started = agents[host].get("started_at")
    if not started or handed_at is None:
        return False
    try:
        started = datetime.datetime.fromisoformat(started)
    except (TypeError, ValueError):
        return False
    # (a naive time is UTC)
    started, handed_at = (t if t.tzinfo else t.replace(tzinfo=datetime.UTC)
                          for t in (started, handed_at))
    return started > handed_at


def _as_dict(row: models.Service) -> dict:
    return {"id": row.uuid, "number": row.id, "binary": row.binary, "host": row.host,
            "disabled": row.disabled, "disabled_reason": row.disabled_reason,
            "forced_down": row.forced_down, "created_at": row.created_at,
            "updated_at": row.updated_at}


@retry_on_deadlock
def report(db: Database, host: str, binary: str) -> dict:
    """The service row of (binary, host), created on first report."""
    try:
        with db.writer() as session:
            row = session.scalars(select(models.Service).where(
                models.Service.binary == binary, models.Service.host == host)).first()
            if row is None:
                row = models.Service(uuid=str(uuid.uuid4()), binary=binary, host=host,
                                     topic=binary, disabled=False, forced_down=False)
                session.add(row)
            row.updated_at = schema.utcnow()
            session.flush()
            return _as_dict(row)
    except DuplicateEntry:  # two reports raced: the other one created it
        return report(db, host, binary)


def list_(db: Database, *, host=None, binary=None) -> list[dict]:
    with db.reader() as session:
        query = select(models.Service).order_by(models.Service.id)
        if host:
            query = query.where(models.Service.host == host)
        if binary:
            query = query.where(models.Service.binary == binary)
        return [_as_dict(r) for r in session.scalars(query)]


@retry_on_deadlock
def update(db: Database, service_id: str, **changes) -> dict:
    with db.writer() as session:
        row = _row(session, service_id)
        for key, value in changes.items():
            setattr(row, key, value)
        row.updated_at = schema.utcnow()
        return _as_dict(row)


def get(db: Database, service_id) -> dict:
    """A service by its UUID (str) or its integer id (int)."""
    with db.reader() as session:
        return _as_dict(_row(session, service_id))


def _row(session, service_id) -> models.Service:
    column = models.Service.id if isinstance(service_id, int) else models.Service.uuid
    row = session.scalars(select(models.Service).where(column == service_id)).first()
    if row is None:
        raise ServiceNotFound(service_id=service_id)
    return row


@retry_on_deadlock
def delete(db: Database, service_id) -> None:
    """Forget a service (by UUID or integer id); a compute agent's only while no
    instance is on its host. An agent that still heartbeats is listed again (a new
    row: a new id) the next time agents are synced."""
    with db.writer() as session:
        row = _row(session, service_id)
        if row.binary == AGENT_BINARY and session.scalar(
                select(models.Instance.uuid).where(models.Instance.host == row.host,
                                                   models.Instance.deleted.is_(False))
                .limit(1)):
            raise ServiceHostsInstances()
        session.delete(row)


def sync_agents(db: Database, live_hosts) -> list[dict]:
    """Every agent's row, creating those of agents that appeared in the
    coordination group (an agent has no database: its heartbeat is its report)."""
    known = {s["host"]: s for s in list_(db, binary=AGENT_BINARY)}
    for host in sorted(set(live_hosts) - set(known)):
        known[host] = report(db, host, AGENT_BINARY)
    return list(known.values())


def agent_hosts(db: Database) -> dict[str, bool]:
    """{host: whether it may be scheduled to (enabled, not forced down)} of every
    recorded agent: two columns of one query (the conductor asks at each build)."""
    with db.reader() as session:
        rows = session.execute(select(models.Service.host, models.Service.disabled,
                                      models.Service.forced_down)
                               .where(models.Service.binary == AGENT_BINARY))
        return {host: not disabled and not forced_down
                for host, disabled, forced_down in rows}


def schedulable_hosts(db: Database, live_hosts) -> set[str]:
    """Agents that are up (heartbeat alive), enabled and not forced down."""
    return {s["host"] for s in sync_agents(db, live_hosts)
            if s["host"] in live_hosts and not s["disabled"] and not s["forced_down"]}

"""Usage of a period (os-simple-tenant-usage): how long each server ran in it, and
the sizes times those hours, per project. Knows no HTTP.

A server counts from its launch to its termination (deleted servers included),
clipped to the period; one that never launched used nothing.
"""

from __future__ import annotations

import collections
import datetime

from sqlalchemy import or_, select

from sovra_common import exception
from sovra_common.db import Database, schema
from sovra_compute.db import models


class MarkerNotFound(exception.Invalid):
    message = "marker [%(marker)s] not found"


def _iso(value: datetime.datetime | None) -> str | None:
    """Upstream's time format here: ISO 8601, naive UTC."""
    return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat() \
        if value is not None else None


def _server_usage(row: models.Instance, start, end, now) -> dict:
    started = max(row.launched_at, start)
    ended = min(row.terminated_at or end, end)
    hours = max((ended - started).total_seconds(), 0) / 3600
    flavor = row.flavor
    uptime = ((row.terminated_at or now) - row.launched_at).total_seconds()
    return {"instance_id": row.uuid, "name": row.name, "hours": hours,
            "memory_mb": flavor["memory_mb"],
            "local_gb": flavor["root_gb"] + flavor["ephemeral_gb"],
            "vcpus": flavor["vcpus"], "tenant_id": row.project_id,
            "flavor": flavor["name"], "started_at": _iso(row.launched_at),
            "ended_at": _iso(row.terminated_at),
            "state": "terminated" if row.terminated_at else row.vm_state,
            "uptime": int(uptime)}


def usages(db: Database, *, start: datetime.datetime, end: datetime.datetime,
           project_id: str | None = None, limit: int | None = None,
           marker: str | None = None,
           detailed: bool = True) -> tuple[list[dict], list[str]]:
    """One usage per project (only ``project_id``'s if given) over the servers that
    ran between ``start`` and ``end``, and the UUIDs of those servers. Servers are
    paged (oldest first) by ``limit`` and ``marker``, a server's UUID."""
    with db.reader() as session:
        query = select(models.Instance).where(
            models.Instance.launched_at.is_not(None),
            models.Instance.launched_at < end,
            or_(models.Instance.terminated_at.is_(None),
                models.Instance.terminated_at > start)).order_by(
            models.Instance.created_at, models.Instance.uuid)
        if project_id is not None:
            query = query.where(models.Instance.project_id == project_id)
        rows = list(session.scalars(query))
        if marker is not None:
            index = next((i for i, r in enumerate(rows) if r.uuid == marker), None)
            if index is None:
                raise MarkerNotFound(marker=marker)
            rows = rows[index + 1:]
        if limit is not None:
            rows = rows[:limit]
        now = schema.utcnow()
        servers = [_server_usage(r, start, end, now) for r in rows]
    by_project = collections.OrderedDict()
    for server in servers:
        by_project.setdefault(server["tenant_id"], []).append(server)
    result = []
    for tenant_id, items in by_project.items():
        usage = {"tenant_id": tenant_id, "start": _iso(start), "stop": _iso(end),
                 "total_hours": sum(s["hours"] for s in items),
                 "total_memory_mb_usage": sum(s["memory_mb"] * s["hours"]
                                              for s in items),
                 "total_vcpus_usage": sum(s["vcpus"] * s["hours"] for s in items),
                 "total_local_gb_usage": sum(s["local_gb"] * s["hours"] for s in items)}
        if detailed:
            usage["server_usages"] = items
        result.append(usage)
    return result, [s["instance_id"] for s in servers]

"""Quotas: per-project limits of servers, cores, RAM and server groups (key pairs
per user, metadata items per server, members per server group), counted from real
usage.

Checks and the creations they allow run under a per-project lock of the
coordination service, so concurrent requests (in any API process) cannot both take
the last unit.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import func, select

from sovra_common import exception
from sovra_common.db import Database, retry_on_deadlock
from sovra_compute.db import models

RESOURCES = ("instances", "cores", "ram", "key_pairs", "metadata_items",
             "server_groups", "server_group_members")


class QuotaExceeded(exception.OverQuota):
    message = ("Quota exceeded for %(names)s: Requested %(requested)s, but already "
               "used %(used)s of %(allowed)s %(names)s")


class KeypairQuotaExceeded(exception.OverQuota):
    message = "Quota exceeded, too many key pairs."


def defaults(conf) -> dict:
    return {name: getattr(conf.quota, name) for name in RESOURCES}


def limits(db: Database, conf, project_id: str) -> dict:
    """The project's limits: [quota]'s defaults with its own overrides."""
    result = defaults(conf)
    with db.reader() as session:
        for row in session.scalars(select(models.Quota).where(
                models.Quota.project_id == project_id)):
            result[row.resource] = row.hard_limit
    return result


@retry_on_deadlock
def set_limits(db: Database, project_id: str, changes: dict) -> None:
    with db.writer() as session:
        for resource, value in changes.items():
            row = session.get(models.Quota, (project_id, resource))
            if row is None:
                session.add(models.Quota(project_id=project_id, resource=resource,
                                         hard_limit=value))
            else:
                row.hard_limit = value


def usage(db: Database, project_id: str) -> dict:
    """What the project uses now: its servers (not deleted) and server groups."""
    with db.reader() as session:
        rows = session.scalars(select(models.Instance).where(
            models.Instance.project_id == project_id,
            models.Instance.deleted.is_(False)))
        flavors = [row.flavor for row in rows]
        groups = session.scalar(select(func.count()).select_from(
            models.ServerGroup).where(models.ServerGroup.project_id == project_id))
    return {"instances": len(flavors), "cores": sum(f["vcpus"] for f in flavors),
            "ram": sum(f["memory_mb"] for f in flavors), "server_groups": groups}


def keypair_count(db: Database, user_id: str) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(models.KeyPair).where(
            models.KeyPair.user_id == user_id))


def check_servers(db: Database, conf, project_id: str, flavor: dict,
                  count: int = 1) -> None:
    """QuotaExceeded (403, upstream's message) if ``count`` more servers of
    ``flavor`` do not fit the project's quota."""
    allowed = limits(db, conf, project_id)
    used = usage(db, project_id)
    requested = {"instances": count, "cores": count * flavor["vcpus"],
                 "ram": count * flavor["memory_mb"]}
    over = [name for name in ("instances", "cores", "ram")
            if allowed[name] >= 0 and used[name] + requested[name] > allowed[name]]
    if over:
        raise QuotaExceeded(names=", ".join(over),
                            requested=", ".join(str(requested[n]) for n in over),
                            used=", ".join(str(used[n]) for n in over),
                            allowed=", ".join(str(allowed[n]) for n in over))


def check_resize(db: Database, conf, project_id: str, old: dict, new: dict) -> None:
    """QuotaExceeded if growing one server from flavor ``old`` to ``new`` does not
    fit the project's cores and ram quota (shrinking always fits)."""
    allowed = limits(db, conf, project_id)
    used = usage(db, project_id)
    requested = {"cores": new["vcpus"] - old["vcpus"],
                 "ram": new["memory_mb"] - old["memory_mb"]}
    over = [name for name in ("cores", "ram") if requested[name] > 0 and
            allowed[name] >= 0 and used[name] + requested[name] > allowed[name]]
    if over:
        raise QuotaExceeded(names=", ".join(over),
                            requested=", ".join(str(requested[n]) for n in over),
                            used=", ".join(str(used[n]) for n in over),
                            allowed=", ".join(str(allowed[n]) for n in over))


@contextlib.contextmanager
def locked(coordinator, project_id: str):
    """Hold the project's quota lock: check and create inside it."""
    with coordinator.lock(f"compute-quota-{project_id}", timeout=30):
        yield

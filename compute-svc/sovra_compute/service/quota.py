"""Quotas: per-project limits of servers, cores, RAM and server groups (key pairs
per user, metadata items per server, members per server group), counted from real
usage.

Servers are counted, then claimed, then counted again (upstream's unified limits
way, :func:`create_servers`): the check before the rows exist refuses most
requests over quota cheaply; the recheck after they were recorded (each server
row is its own claim) refuses a request whose rows, with those of concurrent
ones, went over, and the request's rows are removed before anyone was told of
them. Two requests racing for the last unit may both be refused, never both let
through, in any number of API processes, with no lock held while the database
writes. Key pairs and server groups are still checked under a per-project lock
of the coordination service (:func:`locked`).
"""

from __future__ import annotations

import contextlib

from sqlalchemy import bindparam, func, select

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


_OVERRIDES = select(models.Quota.resource, models.Quota.hard_limit).where(
    models.Quota.project_id == bindparam("project_id"))


def limits(db: Database, conf, project_id: str) -> dict:
    """The project's limits: [quota]'s defaults with its own overrides."""
    result = defaults(conf)
    with db.reader() as session:
        result.update(session.execute(_OVERRIDES, {"project_id": project_id}).all())
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


#: the project's servers (not deleted), their cores and RAM, summed by the
#: database (from each server's flavor), not by decoding every flavor here
_SERVER_USAGE = select(
    func.count(), func.coalesce(func.sum(models.Instance.flavor["vcpus"].as_integer()), 0),
    func.coalesce(func.sum(models.Instance.flavor["memory_mb"].as_integer()), 0),
).where(models.Instance.project_id == bindparam("project_id"),
        models.Instance.deleted.is_(False))
_GROUP_COUNT = select(func.count()).select_from(models.ServerGroup).where(
    models.ServerGroup.project_id == bindparam("project_id"))


def _server_usage(session, project_id: str) -> dict:
    instances, cores, ram = session.execute(
        _SERVER_USAGE, {"project_id": project_id}).one()
    return {"instances": instances, "cores": int(cores), "ram": int(ram)}


def usage(db: Database, project_id: str) -> dict:
    """What the project uses now: its servers (not deleted) and server groups."""
    with db.reader() as session:
        used = _server_usage(session, project_id)
        used["server_groups"] = session.scalar(_GROUP_COUNT, {"project_id": project_id})
    return used


def server_usage(db: Database, project_id: str) -> dict:
    """``instances``, ``cores`` and ``ram`` of :func:`usage` alone (one statement)."""
    with db.reader() as session:
        return _server_usage(session, project_id)


def keypair_count(db: Database, user_id: str) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(models.KeyPair).where(
            models.KeyPair.user_id == user_id))


_SERVER_RESOURCES = ("instances", "cores", "ram")


def check_servers(db: Database, conf, project_id: str, flavor: dict,
                  count: int = 1, *, allowed: dict | None = None,
                  counted: bool = False) -> None:
    """QuotaExceeded (403, upstream's message) if ``count`` more servers of
    ``flavor`` do not fit the project's quota. ``allowed``: the project's
    limits, if the caller has them; ``counted``: those servers are recorded
    already (the recheck), so the usage includes them."""
    allowed = allowed if allowed is not None else limits(db, conf, project_id)
    if all(allowed[name] < 0 for name in _SERVER_RESOURCES):
        return  # unlimited: nothing to count
    used = server_usage(db, project_id)
    requested = {"instances": count, "cores": count * flavor["vcpus"],
                 "ram": count * flavor["memory_mb"]}
    if counted:
        used = {name: used[name] - requested[name] for name in _SERVER_RESOURCES}
    over = [name for name in _SERVER_RESOURCES
            if allowed[name] >= 0 and used[name] + requested[name] > allowed[name]]
    if over:
        raise QuotaExceeded(names=", ".join(over),
                            requested=", ".join(str(requested[n]) for n in over),
                            used=", ".join(str(used[n]) for n in over),
                            allowed=", ".join(str(allowed[n]) for n in over))


def fitting_count(db: Database, conf, project_id: str, flavor: dict,
                  min_count: int, max_count: int, *, allowed: dict | None = None) -> int:
    """How many servers of ``flavor`` a create asking for ``min_count`` to
    ``max_count`` of them gets: as many as the project's quota leaves room for,
    at most ``max_count``; QuotaExceeded (upstream's message: the instances
    requested as ``min-max``, cores and ram for ``max_count``) if fewer than
    ``min_count`` fit."""
    allowed = allowed if allowed is not None else limits(db, conf, project_id)
    if all(allowed[name] < 0 for name in _SERVER_RESOURCES):
        return max_count
    used = server_usage(db, project_id)
    each = {"instances": 1, "cores": flavor["vcpus"], "ram": flavor["memory_mb"]}
    fits = max_count
    for name in _SERVER_RESOURCES:
        if allowed[name] >= 0 and each[name] > 0:
            fits = min(fits, max(allowed[name] - used[name], 0) // each[name])
    if fits >= min_count:
        return fits
    requested = {"instances": (str(max_count) if min_count == max_count
                               else f"{min_count}-{max_count}"),
                 "cores": max_count * each["cores"], "ram": max_count * each["ram"]}
    over = [name for name in _SERVER_RESOURCES if allowed[name] >= 0
            and used[name] + max_count * each[name] > allowed[name]]
    raise QuotaExceeded(names=", ".join(over),
                        requested=", ".join(str(requested[n]) for n in over),
                        used=", ".join(str(used[n]) for n in over),
                        allowed=", ".join(str(allowed[n]) for n in over))


def create_servers(db: Database, conf, project_id: str, flavor: dict, create,
                   discard, *, min_count: int = 1, max_count: int = 1,
                   allowed: dict | None = None):
    """Count, claim, recount: find how many servers of ``flavor`` fit (at least
    ``min_count``, at most ``max_count``: :func:`fitting_count`), ``create(n)``
    them (their rows are the claim; it returns what it made), then check again
    with them counted; if the project went over meanwhile (requests raced),
    ``discard(made)`` removes them and QuotaExceeded is raised. Returns what
    ``create(n)`` made."""
    allowed = allowed if allowed is not None else limits(db, conf, project_id)
    count = fitting_count(db, conf, project_id, flavor, min_count, max_count,
                          allowed=allowed)
    made = create(count)
    try:
        check_servers(db, conf, project_id, flavor, count, allowed=allowed,
                      counted=True)
    except QuotaExceeded:
        discard(made)
        raise
    return made


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

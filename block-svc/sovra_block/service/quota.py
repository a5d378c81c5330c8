"""Quotas: per-project limits of volumes, snapshots, gigabytes, backups (and the
same per volume type: ``volumes_<type>``, ``gigabytes_<type>``,
``snapshots_<type>``), with usage counted in ``quota_usages``.

A check and the change it allows are one step: ``reserve`` runs inside the
caller's writer transaction, locks the project's usage rows (``SELECT ... FOR
UPDATE``; SQLite writers are serialised anyway), checks and adds. Concurrent
creates in any API process therefore cannot both take the last unit. Usage goes
back down (``release``) when what it counts is deleted, or when an operation that
reserved fails.
"""

from __future__ import annotations

from sqlalchemy import select

from sovra_block.db import models
from sovra_common import exception
from sovra_common.db import Database
from sovra_common.db import errors as db_errors

#: Project-wide resources and their [block_quota] option.
RESOURCES = ("volumes", "snapshots", "gigabytes", "backups", "backup_gigabytes",
             "per_volume_gigabytes", "groups")
#: Per-type resources: "<name>_<volume type name>"; unlimited unless set.
TYPE_RESOURCES = ("volumes", "gigabytes", "snapshots")
UNLIMITED = -1


class QuotaExceeded(exception.OverQuota):
    """Over a count quota (volumes, snapshots...)."""

    message = ("Maximum number of %(resource)s allowed (%(limit)d) exceeded for "
               "quota '%(resource)s'.")


class GigabytesQuotaExceeded(exception.OverQuota):
    message = ("Requested volume or snapshot exceeds allowed %(resource)s quota. "
               "Requested %(requested)dG, quota is %(limit)dG and %(used)dG has been "
               "consumed.")


class VolumeSizeExceedsLimit(exception.OverQuota):
    message = ("Requested volume size %(size)dG is larger than maximum allowed limit "
               "%(limit)dG.")


def volume_deltas(size: int, type_name: str | None, count: int = 1) -> dict:
    deltas = {"volumes": count, "gigabytes": size * count}
    if type_name:
        deltas[f"volumes_{type_name}"] = count
        deltas[f"gigabytes_{type_name}"] = size * count
    return deltas


def snapshot_deltas(size: int, type_name: str | None) -> dict:
    deltas = {"snapshots": 1, "gigabytes": size}
    if type_name:
        deltas[f"snapshots_{type_name}"] = 1
        deltas[f"gigabytes_{type_name}"] = size
    return deltas


def defaults(conf, type_names=()) -> dict:
    """[block_quota]'s defaults, plus -1 for each per-type resource."""
    result = {name: getattr(conf.block_quota, name) for name in RESOURCES}
    for type_name in type_names:
        for name in TYPE_RESOURCES:
            result[f"{name}_{type_name}"] = UNLIMITED
    return result


def _type_names(session) -> list[str]:
    return list(session.scalars(select(models.VolumeType.name)))


def limits(session, conf, project_id: str) -> dict:
    """The project's limits: the defaults with its own overrides."""
    result = defaults(conf, _type_names(session))
    for row in session.scalars(select(models.Quota).where(
            models.Quota.project_id == project_id)):
        result[row.resource] = row.hard_limit
    return result


def usages(session, project_id: str) -> dict:
    """What the project uses, by resource (missing: 0)."""
    return {row.resource: row.in_use for row in session.scalars(
        select(models.QuotaUsage).where(models.QuotaUsage.project_id == project_id))}


def ensure_usage_rows(db: Database, project_id: str, resources) -> None:
    """Create the project's missing usage rows, each in a transaction of its own,
    before a ``reserve`` locks them (two first creates in a new project would
    otherwise both insert the same row)."""
    with db.reader() as session:
        have = set(usages(session, project_id))
    for resource in set(resources) - have:
        try:
            with db.writer() as session:
                session.add(models.QuotaUsage(project_id=project_id, resource=resource,
                                              in_use=0))
        except db_errors.DuplicateEntry:
            pass  # a concurrent request made it


def _locked_rows(session, project_id, resources) -> dict:
    rows = session.scalars(
        select(models.QuotaUsage)
        .where(models.QuotaUsage.project_id == project_id,
               models.QuotaUsage.resource.in_(sorted(resources)))
        .order_by(models.QuotaUsage.resource)
        .with_for_update())
    found = {row.resource: row for row in rows}
    for resource in resources:
        if resource not in found:
            found[resource] = models.QuotaUsage(project_id=project_id,
                                                resource=resource, in_use=0)
            session.add(found[resource])
    return found


def check_volume_size(session, conf, project_id: str, size: int) -> None:
    limit = limits(session, conf, project_id)["per_volume_gigabytes"]
    if limit != UNLIMITED and size > limit:
        raise VolumeSizeExceedsLimit(size=size, limit=limit)


def reserve(session, conf, project_id: str, deltas: dict) -> None:
    """Inside the caller's writer: add ``deltas`` to the project's usage, or raise
    an OverQuota (413) naming the first resource that would pass its limit.
    Negative deltas are applied without a check."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    rows = _locked_rows(session, project_id, deltas)
    allowed = limits(session, conf, project_id)
    for resource, delta in sorted(deltas.items()):
        limit = allowed.get(resource, UNLIMITED)
        used = rows[resource].in_use or 0
        if delta > 0 and limit != UNLIMITED and used + delta > limit:
            if resource.startswith("gigabytes") or resource == "backup_gigabytes":
                raise GigabytesQuotaExceeded(resource=resource, requested=delta,
                                             limit=limit, used=used)
            raise QuotaExceeded(resource=resource, limit=limit)
    for resource, delta in deltas.items():
        rows[resource].in_use = max(0, (rows[resource].in_use or 0) + delta)


def release(session, project_id: str, deltas: dict) -> None:
    """Inside the caller's writer: take ``deltas`` back off the project's usage."""
    rows = _locked_rows(session, project_id, [k for k, v in deltas.items() if v])
    for resource, row in rows.items():
        row.in_use = max(0, (row.in_use or 0) - deltas[resource])


def set_limits(session, conf, project_id: str, values: dict, *,
               check_usage: bool = False) -> None:
    """Override the project's limits (inside a writer). With ``check_usage`` (the
    API's ``skip_validation: false``) a limit below what is in use is refused; by
    default it is taken, and only new usage is held back."""
    known = set(defaults(conf, _type_names(session)))
    used = usages(session, project_id)
    for resource, value in values.items():
        if resource not in known:
            raise exception.Invalid(f"Bad key(s) in quota set: {resource}")
        if value < UNLIMITED:
            raise exception.Invalid(f"Quota limit {value} for {resource} must be "
                                    "-1 or more.")
        if check_usage and value != UNLIMITED and resource != "per_volume_gigabytes" \
                and used.get(resource, 0) > value:
            raise exception.Invalid(
                f"Quota {resource} limit must be equal or greater than existing "
                f"resources. Current usage is {used[resource]} and the requested "
                f"limit is {value}.")
        row = session.get(models.Quota, (project_id, resource))
        if row is None:
            session.add(models.Quota(project_id=project_id, resource=resource,
                                     hard_limit=value))
        else:
            row.hard_limit = value


def _type_resources(type_name: str) -> list[str]:
    return [f"{name}_{type_name}" for name in TYPE_RESOURCES]


def rename_type(session, old: str, new: str) -> None:
    """A volume type was renamed: its per-type limits and usage follow the name."""
    renames = dict(zip(_type_resources(old), _type_resources(new), strict=True))
    for model in (models.Quota, models.QuotaUsage):
        for row in session.scalars(select(model).where(
                model.resource.in_(list(renames)))):
            row.resource = renames[row.resource]


def forget_type(session, type_name: str) -> None:
    """A volume type was deleted: its per-type limits and usage go."""
    for model in (models.Quota, models.QuotaUsage):
        for row in session.scalars(select(model).where(
                model.resource.in_(_type_resources(type_name)))):
            session.delete(row)


def delete_limits(session, project_id: str) -> None:
    """Back to the defaults (inside a writer)."""
    for row in session.scalars(select(models.Quota).where(
            models.Quota.project_id == project_id)):
        session.delete(row)

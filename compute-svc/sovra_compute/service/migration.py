"""Migrations: the record of each move of a server (a cold migration or a resize,
on its own host or to another, an evacuation off a host that is down), written
by the conductor as the move goes; what os-migrations lists. Knows no HTTP.

A migration's uuid is also the placement consumer that holds the source's
allocations while the move waits for its confirmation.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from sovra_common import exception
from sovra_common.db import Database, retry_on_deadlock, schema
from sovra_compute.db import models
from sovra_compute.service import instance as instance_service

MIGRATION = "migration"
RESIZE = "resize"
EVACUATION = "evacuation"

MIGRATING = "migrating"          # on its way (same host: being resized)
POST_MIGRATING = "post-migrating"  # the disk handed over, the destination spawns
FINISHED = "finished"            # waits for confirm or revert (VERIFY_RESIZE)
CONFIRMED = "confirmed"
REVERTING = "reverting"
REVERTED = "reverted"
ERROR = "error"
# an evacuation's (upstream's): the destination rebuilds the server, done (the
# source, down, still holds its allocations and maybe a guest), completed (the
# source came back and let go of both), or failed
REBUILDING = "rebuilding"
DONE = "done"
COMPLETED = "completed"
FAILED = "failed"

_FIELDS = ("id", "uuid", "instance_uuid", "migration_type", "status",
           "source_compute", "dest_compute", "source_node", "dest_node",
           "old_flavor_id", "new_flavor_id", "disk_image_id", "hidden", "user_id",
           "project_id", "created_at", "updated_at")


_COLUMNS = tuple(models.Migration.__table__.c[field] for field in _FIELDS)


def _as_dict(row: models.Migration) -> dict:
    return {field: getattr(row, field) for field in _FIELDS}


def cross_host(migration: dict | None) -> bool:
    """Whether the move leaves its host (its disk travels between nodes)."""
    return bool(migration) and migration["source_compute"] != migration["dest_compute"]


@retry_on_deadlock
def create(db: Database, *, uuid: str, instance: dict, old_flavor: dict,
           new_flavor: dict, source: str, dest: str, migration_type: str,
           status: str = MIGRATING) -> dict:
    with db.writer() as session:
        row = models.Migration(
            uuid=uuid, instance_uuid=instance["uuid"], migration_type=migration_type,
            status=status, source_compute=source, source_node=source,
            dest_compute=dest, dest_node=dest, old_flavor_id=old_flavor["flavorid"],
            new_flavor_id=new_flavor["flavorid"], hidden=False,
            user_id=instance["user_id"], project_id=instance["project_id"],
            updated_at=schema.utcnow())
        session.add(row)
        session.flush()
        return _as_dict(row)


def get(db: Database, uuid: str | None) -> dict | None:
    if not uuid:
        return None
    with db.reader() as session:
        row = session.execute(select(models.Migration).where(
            models.Migration.uuid == uuid)).scalar_one_or_none()
        return None if row is None else _as_dict(row)


@retry_on_deadlock
def update(db: Database, uuid: str | None, **changes) -> dict | None:
    """Set ``changes`` (status, disk_image_id...); None if there is no such row."""
    if not uuid:
        return None
    with db.writer() as session:
        row = session.execute(select(models.Migration).where(
            models.Migration.uuid == uuid)).scalar_one_or_none()
        if row is None:
            return None
        for key, value in changes.items():
            setattr(row, key, value)
        row.updated_at = schema.utcnow()
        return _as_dict(row)


def waiting_for_confirm(db: Database, finished_before) -> list[str]:
    """The servers (uuids) whose move has waited for its confirm or revert
    (VERIFY_RESIZE, no task) since before the datetime ``finished_before``."""
    with db.reader() as session:
        return list(session.scalars(
            select(models.Instance.uuid)
            .join(models.Migration, models.Migration.uuid == models.Instance.migration_uuid)
            .where(models.Instance.deleted.is_(False),
                   models.Instance.vm_state == instance_service.RESIZED,
                   models.Instance.task_state.is_(None),
                   models.Migration.status == FINISHED,
                   models.Migration.updated_at < finished_before)))


#: the statuses of a move that is over
ENDED = (CONFIRMED, REVERTED, ERROR, DONE, COMPLETED, FAILED)


def evacuations_done(db: Database, *, source: str | None = None,
                     instance_uuid: str | None = None) -> list[dict]:
    """The evacuations (off ``source``, of ``instance_uuid``) that are done and
    not yet completed: the migration consumer of each still holds its source's
    allocations of its server."""
    # Core, no ORM objects: every deletion of a server asks (almost always for none)
    query = select(*_COLUMNS).where(
        models.Migration.migration_type == EVACUATION, models.Migration.status == DONE)
    if source is not None:
        query = query.where(models.Migration.source_compute == source)
    if instance_uuid is not None:
        query = query.where(models.Migration.instance_uuid == instance_uuid)
    with db.reader() as session:
        return [dict(row._mapping) for row in session.connection().execute(query)]


def left_behind(db: Database, host: str, instance_uuids) -> dict[str, dict]:
    """``{uuid: flavor}`` of the servers among ``instance_uuids`` (live ones,
    not on ``host``) that left ``host`` by a move that is over, and are in no
    move that involves ``host`` now: a guest ``host`` still has of one is left
    over (a destination that went down mid-move, a source that missed its
    confirm). Servers that never moved off ``host`` are left out."""
    uuids = list(instance_uuids)
    if not uuids:
        return {}
    with db.reader() as session:
        servers = {row.uuid: row for row in session.execute(
            select(models.Instance.uuid, models.Instance.host,
                   models.Instance.migration_uuid, models.Instance.flavor).where(
                models.Instance.uuid.in_(uuids), models.Instance.deleted.is_(False),
                or_(models.Instance.host.is_(None), models.Instance.host != host)))}
        if not servers:
            return {}
        moves = session.execute(select(
            models.Migration.uuid, models.Migration.instance_uuid,
            models.Migration.status).where(
                models.Migration.instance_uuid.in_(list(servers)),
                or_(models.Migration.source_compute == host,
                    models.Migration.dest_compute == host))).all()
    involved = {m.instance_uuid for m in moves
                if m.uuid == servers[m.instance_uuid].migration_uuid}
    return {m.instance_uuid: servers[m.instance_uuid].flavor for m in moves
            if m.status in ENDED and m.instance_uuid not in involved}


class MarkerNotFound(exception.Invalid):
    message = "Marker %(marker)s could not be found."


#: the list filters that are a column's value
EXACT_FILTERS = ("instance_uuid", "status", "source_compute", "migration_type",
                 "user_id", "project_id")


def list_(db: Database, *, filters=None, hidden=False, limit=None, marker=None,
          changes_since=None, changes_before=None) -> list[dict]:
    """Migrations, newest first (created_at, then id); ``filters``: column
    values (EXACT_FILTERS) and ``host`` (the source or the destination);
    ``hidden``: the hidden ones instead of the others; the page after the
    migration whose uuid is ``marker`` (MarkerNotFound if none), updated within
    the window if given."""
    filters = filters or {}
    updated = func.coalesce(models.Migration.updated_at, models.Migration.created_at)
    query = select(models.Migration).where(
        models.Migration.hidden == bool(hidden)).order_by(
        models.Migration.created_at.desc(), models.Migration.id.desc())
    for key in EXACT_FILTERS:
        if filters.get(key) is not None:
            query = query.where(getattr(models.Migration, key) == filters[key])
    if filters.get("host") is not None:
        query = query.where(or_(models.Migration.source_compute == filters["host"],
                                models.Migration.dest_compute == filters["host"]))
    if changes_since is not None:
        query = query.where(updated >= changes_since)
    if changes_before is not None:
        query = query.where(updated <= changes_before)
    with db.reader() as session:
        if marker is not None:
            row = session.execute(select(models.Migration).where(
                models.Migration.uuid == marker)).scalar_one_or_none()
            if row is None:
                raise MarkerNotFound(marker=marker)
            query = query.where(or_(
                models.Migration.created_at < row.created_at,
                and_(models.Migration.created_at == row.created_at,
                     models.Migration.id < row.id)))
        if limit is not None:
            query = query.limit(limit)
        return [_as_dict(r) for r in session.scalars(query)]

"""Instances: their rows, states, faults and actions. Knows no HTTP.

Used by the API (create, read, ask for changes) and by the conductor (which applies
what agents report). Both see the same rules here.
"""

from __future__ import annotations

import functools
import types
import uuid as uuidlib

from sqlalchemy import bindparam, delete, func, insert, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import joinedload

from sovra_common import exception
from sovra_common.db import Database, retry_on_deadlock, schema
from sovra_compute.db import models
from sovra_compute.service import block_device

# vm_state values
BUILDING, ACTIVE, STOPPED, ERROR, DELETED = "building", "active", "stopped", "error", \
    "deleted"
PAUSED, SUSPENDED = "paused", "suspended"
RESIZED = "resized"  # resized, waiting for confirm or revert
# task_state values
SCHEDULING, SPAWNING, DELETING = "scheduling", "spawning", "deleting"
POWERING_ON, POWERING_OFF = "powering-on", "powering-off"
REBOOTING, REBOOTING_HARD = "rebooting", "rebooting_hard"
PAUSING, UNPAUSING, SUSPENDING, RESUMING = "pausing", "unpausing", "suspending", \
    "resuming"
#: the tasks an agent carries out on a guest in place, whose outcome is the
#: guest's power state
GUEST_TASKS = (POWERING_ON, POWERING_OFF, REBOOTING, REBOOTING_HARD, PAUSING, UNPAUSING,
               SUSPENDING, RESUMING)
IMAGE_SNAPSHOT = "image_snapshot"
REBUILDING = "rebuilding"
REBUILD_SPAWNING = "rebuild_spawning"  # an evacuation's destination spawns the guest
RESIZE_PREP, RESIZE_MIGRATING, RESIZE_REVERTING = "resize_prep", "resize_migrating", \
    "resize_reverting"
RESIZE_CONFIRMING = "resize_confirming"
_RESIZING = (RESIZE_PREP, RESIZE_MIGRATING)

_STATUS = {BUILDING: "BUILD", ACTIVE: "ACTIVE", STOPPED: "SHUTOFF", ERROR: "ERROR",
           DELETED: "DELETED", PAUSED: "PAUSED", SUSPENDED: "SUSPENDED",
           RESIZED: "VERIFY_RESIZE"}


class InstanceNotFound(exception.NotFound):
    message = "Instance %(uuid)s could not be found."


class InstanceLocked(exception.Conflict):
    message = "Instance %(uuid)s is locked"


class InstanceInvalidState(exception.Conflict):
    message = ("Cannot '%(action)s' instance %(uuid)s while it is in %(attr)s "
               "%(state)s")


def status(instance: dict) -> str:
    """The API's ``status`` of an instance (from vm_state and task_state)."""
    if instance["task_state"] == DELETING:
        return "ACTIVE" if instance["vm_state"] == ACTIVE else _STATUS.get(
            instance["vm_state"], "UNKNOWN")
    if instance["vm_state"] == ACTIVE and instance["task_state"] == REBOOTING:
        return "REBOOT"
    if instance["vm_state"] == ACTIVE and instance["task_state"] == REBOOTING_HARD:
        return "HARD_REBOOT"
    if instance["task_state"] in (REBUILDING, REBUILD_SPAWNING):
        return "REBUILD"
    if instance["task_state"] in _RESIZING:
        return "RESIZE"
    if instance["task_state"] == RESIZE_REVERTING:
        return "REVERT_RESIZE"
    return _STATUS.get(instance["vm_state"], "UNKNOWN")


def fault_dict(row) -> dict:
    """A fault (an InstanceFault, or a Core row with its columns) as shown."""
    return {"code": row.code, "message": row.message, "details": row.details,
            "created": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "host": row.host}


def shown(row, *, tags: list[str], block_devices: list[dict],
          fault: dict | None) -> dict:
    """The instance dict from ``row``'s columns (a models.Instance, or a Core row of
    the instances table with ``metadata`` keyed ``metadata_``) and its collections,
    read by the caller (server_show reads them with Core, not the ORM)."""
    return {"uuid": row.uuid, "name": row.name, "description": row.description,
            "project_id": row.project_id, "user_id": row.user_id,
            "flavor": row.flavor, "image_ref": row.image_ref, "vm_state": row.vm_state,
            "task_state": row.task_state, "power_state": row.power_state,
            "host": row.host, "node": row.node, "key_name": row.key_name,
            "key_data": row.key_data, "metadata": dict(row.metadata_ or {}),
            "user_data": row.user_data, "availability_zone": row.availability_zone,
            "requested_zone": row.requested_zone,
            "locked": row.locked, "locked_reason": row.locked_reason,
            "tags": tags,
            "requested_host": row.requested_host, "requested_node": row.requested_node,
            "hostname": row.hostname, "image_properties": dict(row.image_properties or {}),
            "scheduler_hints": dict(row.scheduler_hints or {}),
            "build_hosts": list(row.build_hosts or []),
            "requested_networks": list(row.requested_networks or []),
            "network_info": list(row.network_info or []),
            "config_drive": bool(row.config_drive),
            "old_flavor": row.old_flavor, "migration_uuid": row.migration_uuid,
            "reservation_id": row.reservation_id or "r-" + row.uuid[:8],
            "launch_index": row.launch_index or 0,
            "deleted": row.deleted, "created_at": row.created_at,
            "updated_at": row.updated_at, "launched_at": row.launched_at,
            "terminated_at": row.terminated_at,
            "block_devices": block_devices, "fault": fault}


def _as_dict(row: models.Instance) -> dict:
    return shown(row, tags=[t.tag for t in row.tags],
                 block_devices=[block_device.as_dict(b) for b in row.block_devices],
                 fault=fault_dict(row.faults[-1]) if row.faults else None)


def as_dict(row: models.Instance) -> dict:
    """An instance row as the dict every caller gets (other queries use it)."""
    return _as_dict(row)


def for_agent(instance: dict) -> dict:
    """What an agent needs of an instance (JSON-serialisable): what it runs, and
    what the guest's metadata tells it (name, hostname, key pair name, metadata,
    zone), and its volumes (``block_devices``: the guest opens them with their
    ``connection_info``; one without it is still to be made or connected), its
    ``requested_networks`` and the VIFs made for them (``network_info``), and
    whether the guest gets a config drive (``config_drive``)."""
    shown = {key: instance[key] for key in ("uuid", "name", "hostname", "flavor",
                                            "image_ref", "project_id", "user_id",
                                            "key_name", "metadata",
                                            "availability_zone")}
    shown["launch_index"] = instance.get("launch_index") or 0
    shown["requested_networks"] = list(instance.get("requested_networks") or ())
    shown["network_info"] = list(instance.get("network_info") or ())
    shown["config_drive"] = bool(instance.get("config_drive"))
    shown["block_devices"] = [block_device.for_agent(b)
                              for b in instance.get("block_devices") or ()]
    return shown


#: what the ORM writes below (update_vif...) load a server with, in the same
#: statement (not one query per relationship): its tags, faults and volumes; the
#: reads (get, the API's show) use Core, READ_COLUMNS below
WITH_COLLECTIONS = (joinedload(models.Instance.tags), joinedload(models.Instance.faults),
                    joinedload(models.Instance.block_devices))

#: one statement for a server and its collections; built once, as is its cache key
_GET = (select(models.Instance).where(models.Instance.uuid == bindparam("uuid"))
        .options(*WITH_COLLECTIONS))


def _get_row(session, instance_uuid, *, deleted=False) -> models.Instance:
    row = session.execute(_GET, {"uuid": instance_uuid}).unique().scalar()
    if row is None or (row.deleted and not deleted):
        raise InstanceNotFound(uuid=instance_uuid)
    return row


#: the tables read and written with SQLAlchemy Core (no ORM objects, identity map
#: or relationship loading: a boot and a delete read and write several times)
_INSTANCES = models.Instance.__table__
_TAGS = models.InstanceTag.__table__
_FAULTS = models.InstanceFault.__table__
_DEVICES = models.BlockDeviceMapping.__table__

_INSERT_INSTANCE = insert(_INSTANCES)
_INSERT_TAG = insert(_TAGS)
_INSERT_ACTION = insert(models.InstanceAction.__table__)
_INSTANCE_STATE = select(_INSTANCES.c.deleted, _INSTANCES.c.task_state) \
    .where(_INSTANCES.c.uuid == bindparam("uuid"))


def _column(key: str) -> str:
    """The instances table's column of an instance dict key (``metadata`` is
    ``metadata_`` on the model only)."""
    return "metadata" if key == "metadata_" else key


@retry_on_deadlock
def create(db: Database, ctxt, *, name, flavor: dict, image_ref, key_name=None,
           key_data=None, metadata=None, user_data=None, description=None,
           availability_zone=None, tags=(), requested_host=None,
           requested_node=None, hostname=None, image_properties=None,
           scheduler_hints=None, requested_networks=(), config_drive=False,
           reservation_id=None, launch_index=0) -> dict:
    """Record a new server (BUILD, scheduling) with its tags and its create action;
    returns its dict, made from what was written (nothing is read back)."""
    row = {column.key: None for column in _INSTANCES.c}
    row.update(
        uuid=str(uuidlib.uuid4()), name=name, description=description,
        reservation_id=reservation_id, launch_index=launch_index,
        requested_zone=availability_zone,
        project_id=ctxt.project_id, user_id=ctxt.user_id, flavor=flavor,
        image_ref=image_ref, vm_state=BUILDING, task_state=SCHEDULING,
        power_state=0, key_name=key_name, key_data=key_data,
        metadata=metadata or {}, user_data=user_data,
        availability_zone=availability_zone, build_hosts=[],
        requested_host=requested_host, requested_node=requested_node,
        hostname=hostname, image_properties=image_properties or {},
        scheduler_hints=scheduler_hints or {},
        requested_networks=list(requested_networks), network_info=[],
        config_drive=config_drive, locked=False, deleted=False,
        created_at=schema.utcnow())
    tags = list(dict.fromkeys(tags))
    with db.writer() as session:
        connection = session.connection()
        connection.execute(_INSERT_INSTANCE, row)
        if tags:
            connection.execute(_INSERT_TAG, [{"instance_uuid": row["uuid"], "tag": tag}
                                             for tag in tags])
        _start_action(session, row["uuid"], "create", ctxt)
    written = types.SimpleNamespace(**row)
    written.metadata_ = row["metadata"]
    return shown(written, tags=tags, block_devices=[], fault=None)


@retry_on_deadlock
def discard(db: Database, instance_uuid: str) -> None:
    """Remove a server that was recorded but never announced (its create was
    refused after the fact: the quota recheck): its row and, by the database's
    cascades, its tags, action, group membership."""
    with db.writer() as session:
        session.execute(delete(models.Instance).where(
            models.Instance.uuid == instance_uuid))


def _of_instance(column, aggregate):
    return (select(aggregate(column))
            .where(column.table.c.instance_uuid == _INSTANCES.c.uuid)
            .correlate(_INSTANCES).scalar_subquery())


#: what a Core read of a server selects: the instances table's columns (``metadata``
#: keyed ``metadata_``, as the model names it) and, so that its collections are read
#: only when it has some, how many tags and volumes and which newest fault it has
READ_COLUMNS = (
    *[c.label("metadata_") if c.key == "metadata" else c for c in _INSTANCES.c],
    _of_instance(_TAGS.c.tag, func.count).label("tag_count"),
    _of_instance(_DEVICES.c.id, func.count).label("device_count"),
    _of_instance(_FAULTS.c.id, func.max).label("fault_id"))

#: built once, as are their cache keys
_READ = select(*READ_COLUMNS).where(_INSTANCES.c.uuid == bindparam("uuid"))
_TAGS_OF = (select(_TAGS.c.tag).where(_TAGS.c.instance_uuid == bindparam("uuid"))
            .order_by(_TAGS.c.tag))
_DEVICES_OF = (select(_DEVICES).where(_DEVICES.c.instance_uuid == bindparam("uuid"))
               .order_by(_DEVICES.c.id))
_FAULT = select(_FAULTS).where(_FAULTS.c.id == bindparam("id"))


def read_shown(session, found) -> dict:
    """The instance dict of ``found`` (a row of READ_COLUMNS), its tags, volumes and
    newest fault read (one statement each) only when it has some. SQLAlchemy Core:
    no ORM objects, identity map or relationship loading."""
    connection = session.connection()
    params = {"uuid": found.uuid}
    tags = ([tag for (tag,) in connection.execute(_TAGS_OF, params)]
            if found.tag_count else [])
    devices = ([block_device.as_dict(row) for row in connection.execute(_DEVICES_OF, params)]
               if found.device_count else [])
    fault = (None if found.fault_id is None else
             fault_dict(connection.execute(_FAULT, {"id": found.fault_id}).one()))
    return shown(found, tags=tags, block_devices=devices, fault=fault)


def get(db: Database, instance_uuid: str) -> dict:
    """The instance (InstanceNotFound if it does not exist or is deleted), read with
    Core. Inside a writer, the session's pending ORM changes are flushed first (what
    an ORM query's autoflush did)."""
    with db.reader() as session:
        session.flush()
        found = session.connection().execute(_READ, {"uuid": instance_uuid}).first()
        if found is None or found.deleted:
            raise InstanceNotFound(uuid=instance_uuid)
        return read_shown(session, found)


def list_(db: Database, *, project_id=None, filters=None, limit=None,
          marker=None) -> list[dict]:
    """Instances newest first; ``filters``: name (substring), status, host,
    image, flavor."""
    filters = filters or {}
    with db.reader() as session:
        query = select(models.Instance).where(models.Instance.deleted.is_(False)) \
            .order_by(models.Instance.created_at.desc(), models.Instance.uuid.desc())
        if project_id is not None:
            query = query.where(models.Instance.project_id == project_id)
        if filters.get("host"):
            query = query.where(models.Instance.host == filters["host"])
        if filters.get("image"):
            query = query.where(models.Instance.image_ref == filters["image"])
        rows = [_as_dict(r) for r in session.scalars(query)]
    if filters.get("name"):
        rows = [r for r in rows if filters["name"] in r["name"]]
    if filters.get("status"):
        rows = [r for r in rows if status(r) == filters["status"].upper()]
    if filters.get("flavor"):
        rows = [r for r in rows if r["flavor"]["flavorid"] == filters["flavor"]]
    if marker is not None:
        index = next((i for i, r in enumerate(rows) if r["uuid"] == marker), None)
        if index is None:
            raise exception.Invalid(f"marker [{marker}] not found")
        rows = rows[index + 1:]
    return rows[:limit] if limit is not None else rows


def stuck_builds(db: Database, older_than) -> list[dict]:
    """Servers still building (scheduling or spawning) whose last change is older
    than the datetime ``older_than``."""
    with db.reader() as session:
        rows = session.scalars(select(models.Instance).where(
            models.Instance.deleted.is_(False), models.Instance.vm_state == BUILDING,
            models.Instance.task_state.in_((SCHEDULING, SPAWNING)),
            func.coalesce(models.Instance.updated_at, models.Instance.created_at)
            < older_than))
        return [_as_dict(r) for r in rows]


def spawning(db: Database) -> list[dict]:
    """Servers whose build was handed to their host's agent (spawning)."""
    with db.reader() as session:
        rows = session.scalars(select(models.Instance).where(
            models.Instance.deleted.is_(False), models.Instance.vm_state == BUILDING,
            models.Instance.task_state == SPAWNING))
        return [_as_dict(r) for r in rows]


def in_task(db: Database, task_states) -> list[dict]:
    """Servers (not deleted) in one of the tasks ``task_states``."""
    with db.reader() as session:
        rows = session.scalars(select(models.Instance).where(
            models.Instance.deleted.is_(False),
            models.Instance.task_state.in_(tuple(task_states))))
        return [_as_dict(r) for r in rows]


def moving(db: Database) -> list[dict]:
    """Servers in a step of a move that an agent carries out (resize_migrating,
    resize_reverting, an evacuation's rebuild_spawning); the agent is the one of
    the server's ``host``."""
    with db.reader() as session:
        rows = session.scalars(select(models.Instance).where(
            models.Instance.deleted.is_(False),
            models.Instance.task_state.in_((RESIZE_MIGRATING, RESIZE_REVERTING,
                                            REBUILD_SPAWNING))))
        return [_as_dict(r) for r in rows]


def deleted_among(db: Database, instance_uuids) -> dict[str, dict]:
    """``{uuid: flavor}`` of the servers among ``instance_uuids`` that were
    deleted (the others, and uuids of no server, are left out)."""
    uuids = list(instance_uuids)
    if not uuids:
        return {}
    with db.reader() as session:
        rows = session.execute(select(_INSTANCES.c.uuid, _INSTANCES.c.flavor).where(
            _INSTANCES.c.uuid.in_(uuids), _INSTANCES.c.deleted.is_(True)))
        return {row.uuid: row.flavor for row in rows}


@functools.lru_cache(maxsize=64)
def _guarded_update(expected_task_state: tuple):
    """The UPDATE of a server (``_uuid``) that is not deleted and, if
    ``expected_task_state`` names some, in one of those task states (None: no
    task): the guard is part of the statement, a compare-and-swap. Built once per
    guard (the callers' guards are a few literal tuples), as is its cache key."""
    table = _INSTANCES
    changed = sql_update(table).where(table.c.uuid == bindparam("_uuid"),
                                      table.c.deleted.is_(False))
    if expected_task_state:
        states = [state for state in expected_task_state if state is not None]
        allowed = [table.c.task_state.in_(states)] if states else []
        if None in expected_task_state:
            allowed.append(table.c.task_state.is_(None))
        changed = changed.where(or_(*allowed))
    return changed


@retry_on_deadlock
def update(db: Database, instance_uuid: str, *, expected_task_state=(),
           action=None, **changes) -> dict:
    """Set ``changes`` (vm_state, task_state, power_state, host...).

    ``expected_task_state``: the task states the instance may be in (the change
    is refused with InstanceInvalidState otherwise; a tuple, empty: any).
    """
    values = {_column(key): value for key, value in changes.items()}
    values["updated_at"] = schema.utcnow()
    values["_uuid"] = instance_uuid
    changed = _guarded_update(tuple(expected_task_state))
    with db.writer() as session:
        session.flush()  # pending ORM changes of an outer writer go first
        # (the columns set are the parameters' keys: one statement for any changes)
        if session.connection().execute(changed, values).rowcount != 1:
            found = session.connection().execute(
                _INSTANCE_STATE, {"uuid": instance_uuid}).first()
            if found is None or found.deleted:
                raise InstanceNotFound(uuid=instance_uuid)
            raise InstanceInvalidState(action=action or "update", uuid=instance_uuid,
                                       attr="task_state", state=found.task_state)
        return _reread(session, instance_uuid)


@retry_on_deadlock
def reset_state(db: Database, ctxt, instance_uuid: str, vm_state: str) -> dict:
    """os-resetState: put the server in ``vm_state`` (ACTIVE or ERROR) with no
    task, whatever task it was stuck in, and record the resetState action; in one
    transaction. Only the record changes: the guest is not asked anything."""
    with db.writer() as session:
        instance = update(db, instance_uuid, action="resetState", vm_state=vm_state,
                          task_state=None)
        _start_action(session, instance_uuid, "resetState", ctxt)
        return instance


@retry_on_deadlock
def update_vif(db: Database, instance_uuid: str, port_id: str,
               vif: dict | None) -> dict:
    """Put ``vif`` in the server's network_info in place of the one of ``port_id``
    (appended if it had none; removed if ``vif`` is None); the others untouched."""
    with db.writer() as session:
        row = _get_row(session, instance_uuid)
        vifs = [v for v in row.network_info or () if v.get("port_id") != port_id]
        if vif is not None:
            at = next((i for i, v in enumerate(row.network_info or ())
                       if v.get("port_id") == port_id), len(vifs))
            vifs.insert(at, vif)
        row.network_info = vifs
        row.updated_at = schema.utcnow()
        return _as_dict(row)


@retry_on_deadlock
def begin_task(db: Database, ctxt, instance_uuid: str, action: str, task_state: str,
               *, allowed_vm_states) -> dict:
    """Start ``action`` on an instance that has no task in progress and is in one of
    ``allowed_vm_states``; records the instance action. 409 otherwise."""
    with db.writer() as session:
        row = _get_row(session, instance_uuid)
        if row.task_state is not None:
            raise InstanceInvalidState(action=action, uuid=instance_uuid,
                                       attr="task_state", state=row.task_state)
        if row.vm_state not in allowed_vm_states:
            raise InstanceInvalidState(action=action, uuid=instance_uuid,
                                       attr="vm_state", state=row.vm_state)
        row.task_state = task_state
        row.updated_at = schema.utcnow()
        _start_action(session, row.uuid, action, ctxt)
        return _as_dict(row)


_BEGIN_DELETE = sql_update(_INSTANCES).where(
    _INSTANCES.c.uuid == bindparam("_uuid"), _INSTANCES.c.deleted.is_(False),
    or_(_INSTANCES.c.task_state.is_(None), _INSTANCES.c.task_state != DELETING),
).values(task_state=DELETING, updated_at=bindparam("_now"))


@retry_on_deadlock
def begin_delete(db: Database, ctxt, instance_uuid: str) -> None:
    """Put the server in task_state deleting and record its delete action (once:
    a server being deleted already is left as it is); InstanceNotFound if it is
    gone."""
    with db.writer() as session:
        session.flush()
        connection = session.connection()
        if connection.execute(_BEGIN_DELETE, {"_uuid": instance_uuid,
                                              "_now": schema.utcnow()}).rowcount:
            _start_action(session, instance_uuid, "delete", ctxt)
            return
        found = connection.execute(_INSTANCE_STATE, {"uuid": instance_uuid}).first()
        if found is None or found.deleted:
            raise InstanceNotFound(uuid=instance_uuid)


@retry_on_deadlock
def set_locked(db: Database, ctxt, instance_uuid: str, locked: bool,
               reason: str | None = None) -> dict:
    """Lock (with an optional reason) or unlock; records the lock/unlock action."""
    with db.writer() as session:
        row = _get_row(session, instance_uuid)
        row.locked, row.locked_reason = locked, reason if locked else None
        row.updated_at = schema.utcnow()
        _start_action(session, row.uuid, "lock" if locked else "unlock", ctxt)
        return _as_dict(row)


@retry_on_deadlock
def add_fault(db: Database, instance_uuid: str, *, code: int, message: str,
              details: str | None = None, host: str | None = None) -> None:
    with db.writer() as session:
        _get_row(session, instance_uuid, deleted=True)
        session.add(models.InstanceFault(instance_uuid=instance_uuid, code=code,
                                         message=message[:255], details=details,
                                         host=host))


_MARK_DELETED = sql_update(_INSTANCES).where(
    _INSTANCES.c.uuid == bindparam("_uuid"),
).values(deleted=True, deleted_at=bindparam("_now"), terminated_at=bindparam("_now"),
         vm_state=DELETED, task_state=None, power_state=0, updated_at=bindparam("_now"))


@retry_on_deadlock
def mark_deleted(db: Database, instance_uuid: str) -> None:
    with db.writer() as session:
        session.flush()
        if not session.connection().execute(
                _MARK_DELETED, {"_uuid": instance_uuid, "_now": schema.utcnow()}
        ).rowcount:
            raise InstanceNotFound(uuid=instance_uuid)


@retry_on_deadlock
def record_action(db: Database, ctxt, instance_uuid: str, action: str) -> None:
    """Record an instance action that starts no task (attach_volume...)."""
    with db.writer() as session:
        _get_row(session, instance_uuid)
        _start_action(session, instance_uuid, action, ctxt)


def _start_action(session, instance_uuid, action, ctxt) -> None:
    now = schema.utcnow()
    session.flush()  # the instance row first (the action refers to it)
    session.connection().execute(_INSERT_ACTION, {
        "instance_uuid": instance_uuid, "action": action,
        "request_id": getattr(ctxt, "request_id", None), "user_id": ctxt.user_id,
        "project_id": ctxt.project_id, "start_time": now, "updated_at": now})


def _reread(session, instance_uuid) -> dict:
    """The instance dict as its row now is, in ``session``'s transaction (read
    with Core, as :func:`get` does)."""
    return read_shown(session, session.connection().execute(
        _READ, {"uuid": instance_uuid}).one())


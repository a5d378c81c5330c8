"""Instances: their rows, states, faults and actions. Knows no HTTP.

Used by the API (create, read, ask for changes) and by the conductor (which applies
what agents report). Both see the same rules here.
"""

from __future__ import annotations

import uuid as uuidlib

from sqlalchemy import bindparam, delete, func, select
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
IMAGE_SNAPSHOT = "image_snapshot"
REBUILDING = "rebuilding"
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
    if instance["task_state"] == REBUILDING:
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


#: what a server is read with, in the same statement (not one query per
#: relationship, their own loading): its tags, faults and volumes
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


@retry_on_deadlock
def create(db: Database, ctxt, *, name, flavor: dict, image_ref, key_name=None,
           key_data=None, metadata=None, user_data=None, description=None,
           availability_zone=None, tags=(), requested_host=None,
           requested_node=None, hostname=None, image_properties=None,
           scheduler_hints=None, requested_networks=(), config_drive=False,
           reservation_id=None, launch_index=0) -> dict:
    with db.writer() as session:
        row = models.Instance(
            uuid=str(uuidlib.uuid4()), name=name, description=description,
            reservation_id=reservation_id, launch_index=launch_index,
            requested_zone=availability_zone,
            project_id=ctxt.project_id, user_id=ctxt.user_id, flavor=flavor,
            image_ref=image_ref, vm_state=BUILDING, task_state=SCHEDULING,
            power_state=0, key_name=key_name, key_data=key_data,
            metadata_=metadata or {}, user_data=user_data,
            availability_zone=availability_zone, build_hosts=[],
            requested_host=requested_host, requested_node=requested_node,
            hostname=hostname, image_properties=image_properties or {},
            scheduler_hints=scheduler_hints or {},
            requested_networks=list(requested_networks), network_info=[],
            config_drive=config_drive,
            tags=[models.InstanceTag(tag=tag) for tag in dict.fromkeys(tags)])
        session.add(row)
        session.flush()
        _start_action(session, row.uuid, "create", ctxt)
        return _as_dict(row)


@retry_on_deadlock
def discard(db: Database, instance_uuid: str) -> None:
    """Remove a server that was recorded but never announced (its create was
    refused after the fact: the quota recheck): its row and, by the database's
    cascades, its tags, action, group membership."""
    with db.writer() as session:
        session.execute(delete(models.Instance).where(
            models.Instance.uuid == instance_uuid))


def get(db: Database, instance_uuid: str) -> dict:
    with db.reader() as session:
        return _as_dict(_get_row(session, instance_uuid))


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


@retry_on_deadlock
def update(db: Database, instance_uuid: str, *, expected_task_state=(),
           action=None, **changes) -> dict:
    """Set ``changes`` (vm_state, task_state, power_state, host...).

    ``expected_task_state``: the task states the instance may be in (the change
    is refused with InstanceInvalidState otherwise; a tuple, empty: any).
    """
    with db.writer() as session:
        row = _get_row(session, instance_uuid)
        if expected_task_state and row.task_state not in expected_task_state:
            raise InstanceInvalidState(action=action or "update", uuid=instance_uuid,
                                       attr="task_state", state=row.task_state)
        for key, value in changes.items():
            setattr(row, "metadata_" if key == "metadata" else key, value)
        row.updated_at = schema.utcnow()
        return _as_dict(row)


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


@retry_on_deadlock
def begin_delete(db: Database, ctxt, instance_uuid: str) -> dict:
    with db.writer() as session:
        row = _get_row(session, instance_uuid)
        if row.task_state == DELETING:
            return _as_dict(row)
        row.task_state = DELETING
        row.updated_at = schema.utcnow()
        _start_action(session, row.uuid, "delete", ctxt)
        return _as_dict(row)


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


@retry_on_deadlock
def mark_deleted(db: Database, instance_uuid: str) -> None:
    with db.writer() as session:
        row = _get_row(session, instance_uuid, deleted=True)
        now = schema.utcnow()
        row.deleted, row.deleted_at, row.terminated_at = True, now, now
        row.vm_state, row.task_state, row.power_state = DELETED, None, 0
        row.updated_at = now


@retry_on_deadlock
def record_action(db: Database, ctxt, instance_uuid: str, action: str) -> None:
    """Record an instance action that starts no task (attach_volume...)."""
    with db.writer() as session:
        _get_row(session, instance_uuid)
        _start_action(session, instance_uuid, action, ctxt)


def _start_action(session, instance_uuid, action, ctxt) -> None:
    now = schema.utcnow()
    session.add(models.InstanceAction(
        instance_uuid=instance_uuid, action=action,
        request_id=getattr(ctxt, "request_id", None), user_id=ctxt.user_id,
        project_id=ctxt.project_id, start_time=now, updated_at=now))


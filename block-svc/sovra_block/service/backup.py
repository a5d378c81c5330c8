"""Backups: a volume's bytes kept in the backup store, full or incremental (the
chunks that changed since the volume's latest backup), restorable into a new
volume or over an existing one, and kept when the volume is deleted.

As for volumes, a request commits the state change and quota (``backups``,
``backup_gigabytes``) before the API casts the work to a volume agent: the agent
of the volume's backend backs up, the agent of the target volume's backend
restores, the agent that made a backup deletes it; each reports back
(service/report.py).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sovra_block.db import models
from sovra_block.service import quota
from sovra_block.service import volume as volume_service
from sovra_common import exception

DELETABLE = ("available", "error")
RESETTABLE = ("available", "error")


class BackupNotFound(exception.NotFound):
    message = "Backup %(backup_id)s could not be found."


def target(row: models.Backup) -> dict:
    return {"project_id": row.project_id, "user_id": row.user_id}


def load(session, ctxt, backup_id: str, *, lock: bool = False) -> models.Backup:
    query = select(models.Backup).where(models.Backup.id == backup_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None or not (ctxt.is_admin or row.project_id == ctxt.project_id):
        raise BackupNotFound(backup_id=backup_id)
    return row


def agent_ref(row: models.Backup) -> dict:
    return {"id": row.id, "volume_id": row.volume_id, "size": row.size,
            "container": row.container, "parent_id": row.parent_id,
            "is_incremental": row.is_incremental, "project_id": row.project_id}


def deltas(row: models.Backup) -> dict:
    return {"backups": 1, "backup_gigabytes": row.size}


def has_dependents(session, backup_id: str) -> bool:
    return session.scalars(select(models.Backup.id).where(
        models.Backup.parent_id == backup_id)).first() is not None


def _latest(session, volume_id: str) -> models.Backup | None:
    return session.scalars(
        select(models.Backup)
        .where(models.Backup.volume_id == volume_id,
               models.Backup.status == "available")
        .order_by(models.Backup.created_at.desc(), models.Backup.id)).first()


def create(db, conf, ctxt, body: dict) -> tuple[models.Backup, models.Volume,
                                                 models.Backup | None, str]:
    """Commit a backup in ``creating`` and the volume in ``backing-up``; returns the
    backup, the volume, the parent (incremental) and the volume's status to go
    back to."""
    quota.ensure_usage_rows(db, ctxt.project_id, ["backups", "backup_gigabytes"])
    with db.writer() as session:
        volume = volume_service.load(session, ctxt, body["volume_id"], lock=True)
        allowed = ("available", "in-use") if body.get("force") else ("available",)
        if volume.status not in allowed:
            raise exception.Invalid(
                f"Invalid volume: Volume to be backed up must be available or in-use "
                f"(in-use needs force), but the current status is \"{volume.status}\".")
        if volume.host is None:
            raise exception.Invalid(f"Invalid volume: Volume {volume.id} is on no "
                                    "backend.")
        parent = None
        if body.get("incremental"):
            parent = _latest(session, volume.id)
            if parent is None:
                raise exception.Invalid("Invalid backup: No backups available to do "
                                        "an incremental backup.")
        quota.reserve(session, conf, ctxt.project_id,
                      {"backups": 1, "backup_gigabytes": volume.size})
        row = models.Backup(
            id=str(uuid.uuid4()), project_id=ctxt.project_id, user_id=ctxt.user_id,
            volume_id=volume.id, name=body.get("name"),
            description=body.get("description"), status="creating",
            size=volume.size, object_count=0, container=body.get("container"),
            parent_id=parent.id if parent else None,
            is_incremental=parent is not None, host=volume.host,
            availability_zone=volume.availability_zone)
        session.add(row)
        restore = volume.status
        volume.status = "backing-up"
    return row, volume, parent, restore


def begin_delete(db, ctxt, backup_id: str, *, force: bool = False) -> models.Backup:
    with db.writer() as session:
        row = load(session, ctxt, backup_id, lock=True)
        if not force and row.status not in DELETABLE:
            raise exception.Invalid(f"Invalid backup: Backup status must be available "
                                    f"or error, currently {row.status}.")
        if has_dependents(session, row.id):
            raise exception.Invalid("Invalid backup: Incremental backups exist for "
                                    "this backup.")
        row.status = "deleting"
    return row


def begin_restore(db, conf, ctxt, backup_id: str, volume_id: str | None,
                  name: str | None) -> tuple[models.Backup, models.Volume, bool]:
    """Commit the restore: the backup ``restoring``; the target volume either an
    available one at least the backup's size, now ``restoring-backup``, or a new
    one of the backup's size (its quota taken) in ``creating``: the caller casts
    its creation, and once it is created the report endpoint casts the restore.
    Returns (backup, volume, created)."""
    from sovra_block.scheduler import choose
    from sovra_block.service import volume_type as type_service
    created = volume_id is None
    if created:
        with db.reader() as session:
            names = list(session.scalars(select(models.VolumeType.name)))
        quota.ensure_usage_rows(db, ctxt.project_id, ["volumes", "gigabytes", *(
            f"{k}_{n}" for n in names for k in ("volumes", "gigabytes"))])
    with db.writer() as session:
        row = load(session, ctxt, backup_id, lock=True)
        if row.status != "available":
            raise exception.Invalid(f"Invalid backup: Backup status must be available, "
                                    f"currently {row.status}.")
        if created:
            vtype = type_service.default(session, conf)
            quota.reserve(session, conf, ctxt.project_id,
                          quota.volume_deltas(row.size, vtype.name))
            try:
                backend = choose.choose(session, conf, size=row.size,
                                        extra_specs=vtype.extra_specs_dict,
                                        availability_zone=None)
            except choose.NoValidBackend as exc:
                raise exception.ServiceUnavailable(exc.msg) from None
            volume = models.Volume(
                id=str(uuid.uuid4()), project_id=ctxt.project_id, user_id=ctxt.user_id,
                name=name or f"restore_backup_{row.id}", size=row.size,
                status="creating", attach_status="detached",
                availability_zone=backend.availability_zone, host=backend.name,
                volume_type_id=vtype.id, bootable=False, readonly=False,
                multiattach=False, format=volume_service.volume_format(vtype),
                image_metadata={})
            volume.volume_type = vtype
            session.add(volume)
        else:
            volume = volume_service.load(session, ctxt, volume_id, lock=True)
            if volume.status != "available":
                raise exception.Invalid(f"Invalid volume: Volume to be restored to "
                                        f"must be available, currently "
                                        f"{volume.status}.")
            if volume.size < row.size:
                raise exception.Invalid(f"Invalid volume: volume size {volume.size}GB "
                                        f"cannot be smaller than the backup size "
                                        f"{row.size}GB.")
            if volume.host is None:
                raise exception.Invalid(f"Invalid volume: Volume {volume.id} is on no "
                                        "backend.")
            volume.status = "restoring-backup"
        row.status = "restoring"
        row.restore_volume_id = volume.id
    return row, volume, created


def update(db, ctxt, backup_id: str, changes: dict) -> models.Backup:
    with db.writer() as session:
        row = load(session, ctxt, backup_id, lock=True)
        for key in ("name", "description"):
            if key in changes:
                setattr(row, key, changes[key])
    return row


def set_status(db, ctxt, backup_id: str, status: str) -> None:
    if status not in RESETTABLE:
        raise exception.Invalid(f"Invalid input received: Must specify a valid status "
                                f"(got {status!r}).")
    with db.writer() as session:
        load(session, ctxt, backup_id, lock=True).status = status


def list_for(session, ctxt, *, all_tenants: bool, project_id: str | None = None
             ) -> list[models.Backup]:
    query = select(models.Backup)
    if not (ctxt.is_admin and all_tenants):
        query = query.where(models.Backup.project_id == ctxt.project_id)
    elif project_id:
        query = query.where(models.Backup.project_id == project_id)
    return list(session.scalars(query))

"""Snapshots: a volume's bytes kept at one moment, on the volume's backend.

Like volumes, a request commits the state change and quota, then the API casts
the work to the volume's agent, which reports back (service/report.py).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sovra_block.db import models
from sovra_block.service import quota
from sovra_block.service import volume as volume_service
from sovra_common import exception

DELETABLE = ("available", "error", "error_deleting")
RESETTABLE = ("available", "error", "creating", "deleting", "error_deleting")


class SnapshotNotFound(exception.NotFound):
    message = "Snapshot %(snapshot_id)s could not be found."


def target(row) -> dict:
    return {"project_id": row.project_id, "user_id": row.user_id}


def load(session, ctxt, snapshot_id: str, *, lock: bool = False) -> models.Snapshot:
    query = select(models.Snapshot).where(models.Snapshot.id == snapshot_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None or not (ctxt.is_admin or row.project_id == ctxt.project_id):
        raise SnapshotNotFound(snapshot_id=snapshot_id)
    return row


def agent_ref(row: models.Snapshot) -> dict:
    return {"id": row.id, "volume_id": row.volume_id, "size": row.size,
            "provider_location": row.provider_location}


def deltas(row: models.Snapshot, volume: models.Volume | None) -> dict:
    return quota.snapshot_deltas(row.size, volume_service.type_name(volume)
                                 if volume is not None else None)


def create(db, conf, ctxt, body: dict) -> tuple[models.Snapshot, models.Volume]:
    """Commit a snapshot in ``creating`` (quota taken); the caller casts it."""
    volume_id = body["volume_id"]
    with db.reader() as session:
        type_names = list(session.scalars(select(models.VolumeType.name)))
    quota.ensure_usage_rows(db, ctxt.project_id, ["snapshots", "gigabytes", *(
        f"{kind}_{name}" for name in type_names for kind in ("snapshots", "gigabytes"))])
    with db.writer() as session:
        volume = volume_service.load(session, ctxt, volume_id, lock=True)
        force = body.get("force", False)
        allowed = ("available", "in-use") if force else ("available",)
        if volume.status not in allowed:
            if volume.status == "in-use":
                raise exception.Invalid("Invalid volume: Volume is in-use: pass "
                                        "force=true to snapshot an attached volume.")
            raise exception.Invalid(f"Invalid volume: Volume {volume_id} status must "
                                    f"be available, but current status is: "
                                    f"{volume.status}.")
        if volume.host is None:
            raise exception.Invalid(f"Invalid volume: Volume {volume_id} is on no "
                                    "backend.")
        quota.reserve(session, conf, ctxt.project_id,
                      quota.snapshot_deltas(volume.size,
                                            volume_service.type_name(volume)))
        row = models.Snapshot(
            id=str(uuid.uuid4()), project_id=ctxt.project_id, user_id=ctxt.user_id,
            volume_id=volume.id, name=body.get("name"),
            description=body.get("description"), status="creating", size=volume.size,
            progress="0%", volume_type_id=volume.volume_type_id,
            metadata_=dict(body.get("metadata") or {}))
        session.add(row)
    return row, volume


def update(db, ctxt, snapshot_id: str, changes: dict) -> models.Snapshot:
    with db.writer() as session:
        row = load(session, ctxt, snapshot_id, lock=True)
        for key in ("name", "description"):
            if key in changes:
                setattr(row, key, changes[key])
    return row


def set_metadata(db, ctxt, snapshot_id: str, metadata: dict, *, replace: bool) -> dict:
    with db.writer() as session:
        row = load(session, ctxt, snapshot_id, lock=True)
        merged = {} if replace else dict(row.metadata_ or {})
        merged.update(metadata)
        row.metadata_ = merged
        return merged


def delete_metadata_item(db, ctxt, snapshot_id: str, key: str) -> None:
    with db.writer() as session:
        row = load(session, ctxt, snapshot_id, lock=True)
        merged = dict(row.metadata_ or {})
        if key not in merged:
            raise exception.NotFound(f"Metadata item was not found: {key}")
        del merged[key]
        row.metadata_ = merged


def begin_delete(db, ctxt, snapshot_id: str, *, force: bool = False
                 ) -> tuple[models.Snapshot, models.Volume | None]:
    """Commit ``deleting``; the caller casts the delete to the volume's agent."""
    with db.writer() as session:
        row = load(session, ctxt, snapshot_id, lock=True)
        if not force and row.status not in DELETABLE:
            raise exception.Invalid(f"Invalid snapshot: Snapshot status must be "
                                    f"available or error, currently {row.status}.")
        volume = session.get(models.Volume, row.volume_id)
        row.status = "deleting"
    return row, volume


def set_status(db, ctxt, snapshot_id: str, status: str) -> models.Snapshot:
    if status not in RESETTABLE:
        raise exception.Invalid(f"Invalid input received: Must specify a valid status "
                                f"(got {status!r}).")
    with db.writer() as session:
        row = load(session, ctxt, snapshot_id, lock=True)
        row.status = status
    return row

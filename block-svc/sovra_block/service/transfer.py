"""Volume transfers: a project offers one of its volumes (with its snapshots); any
project that is given the transfer's id and its key accepts it, and the volume,
its snapshots and their quota usage move to that project.

The key is shown once, at creation; only a salted SHA-256 of it is kept (the key
is random, so a slow password hash would add nothing) and it is compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import uuid

from sqlalchemy import select

from sovra_block.db import models
from sovra_block.service import quota
from sovra_block.service import snapshot as snapshot_service
from sovra_block.service import volume as volume_service
from sovra_common import exception

_ALPHABET = string.ascii_lowercase + string.digits


class TransferNotFound(exception.NotFound):
    message = "Transfer %(transfer_id)s could not be found."


def _hash(salt: str, key: str) -> str:
    return hashlib.sha256((salt + key).encode()).hexdigest()


def load(session, ctxt, transfer_id: str, *, lock: bool = False) -> models.Transfer:
    """A transfer its source project (or an admin) sees."""
    query = select(models.Transfer).where(models.Transfer.id == transfer_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None or not (ctxt.is_admin or row.source_project_id == ctxt.project_id):
        raise TransferNotFound(transfer_id=transfer_id)
    return row


def target(row: models.Transfer) -> dict:
    return {"project_id": row.source_project_id}


def create(db, conf, ctxt, volume_id: str, name: str | None, *,
           no_snapshots: bool = False) -> tuple[models.Transfer, str]:
    """Offer the volume; returns the transfer and its key (never stored)."""
    key = "".join(secrets.choice(_ALPHABET)
                  for _ in range(conf.block.transfer_auth_key_length))
    salt = secrets.token_hex(16)
    with db.writer() as session:
        volume = volume_service.load(session, ctxt, volume_id, lock=True)
        if volume.project_id != ctxt.project_id and not ctxt.is_admin:
            raise volume_service.VolumeNotFound(volume_id=volume_id)
        if volume.status != "available":
            raise exception.Invalid(f"Invalid volume: Status of volume must be "
                                    f"available, currently {volume.status}.")
        if not no_snapshots:
            for snap in _snapshots(session, volume.id):
                if snap.status != "available":
                    raise exception.Invalid(f"Invalid snapshot: snapshot {snap.id} "
                                            f"must be available to be transferred.")
        row = models.Transfer(id=str(uuid.uuid4()), volume_id=volume.id, name=name,
                              salt=salt, crypt_hash=_hash(salt, key),
                              source_project_id=volume.project_id,
                              no_snapshots=no_snapshots, accepted=False)
        session.add(row)
        volume.status = "awaiting-transfer"
    return row, key


def _snapshots(session, volume_id):
    return list(session.scalars(select(models.Snapshot).where(
        models.Snapshot.volume_id == volume_id)))


def delete(db, ctxt, transfer_id: str) -> None:
    with db.writer() as session:
        row = load(session, ctxt, transfer_id, lock=True)
        volume = session.get(models.Volume, row.volume_id)
        if volume is not None and volume.status == "awaiting-transfer":
            volume.status = "available"
        session.delete(row)


def accept(db, conf, ctxt, transfer_id: str, auth_key: str) -> models.Transfer:
    """Move the volume (and its snapshots) to the caller's project."""
    with db.reader() as session:
        names = list(session.scalars(select(models.VolumeType.name)))
    quota.ensure_usage_rows(db, ctxt.project_id, [
        "volumes", "gigabytes", "snapshots",
        *(f"{k}_{n}" for n in names for k in ("volumes", "gigabytes", "snapshots"))])
    with db.writer() as session:
        row = session.scalars(select(models.Transfer).where(
            models.Transfer.id == transfer_id).with_for_update()).first()
        if row is None:
            raise TransferNotFound(transfer_id=transfer_id)
        if not hmac.compare_digest(row.crypt_hash, _hash(row.salt, auth_key or "")):
            raise exception.Invalid(f"Invalid auth key: Attempt to transfer "
                                    f"{transfer_id} with invalid auth key.")
        volume = session.scalars(select(models.Volume).where(
            models.Volume.id == row.volume_id).with_for_update()).first()
        if volume is None or volume.status != "awaiting-transfer":
            raise exception.Invalid("Invalid volume: the volume is not awaiting a "
                                    "transfer.")
        source = volume.project_id
        snaps = [] if row.no_snapshots else _snapshots(session, volume.id)
        moved = dict(volume_service.deltas(volume))
        for snap in snaps:
            for resource, amount in snapshot_service.deltas(snap, volume).items():
                moved[resource] = moved.get(resource, 0) + amount
        quota.reserve(session, conf, ctxt.project_id, moved)
        quota.release(session, source, moved)
        volume.project_id, volume.user_id = ctxt.project_id, ctxt.user_id
        volume.status = "available"
        for snap in snaps:
            snap.project_id, snap.user_id = ctxt.project_id, ctxt.user_id
        row.accepted = True
        row.destination_project_id = ctxt.project_id
        session.delete(row)
    return row


def list_for(session, ctxt, *, all_tenants: bool = False) -> list[models.Transfer]:
    query = select(models.Transfer).order_by(models.Transfer.created_at.desc())
    if not (ctxt.is_admin and all_tenants):
        query = query.where(models.Transfer.source_project_id == ctxt.project_id)
    return list(session.scalars(query))

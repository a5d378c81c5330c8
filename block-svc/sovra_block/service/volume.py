"""Volumes: create (blank, from a snapshot, another volume or an image), update,
extend, delete, metadata, and the flags admins and owners set.

The API side owns the database and the state machine; the volume agent of the
volume's backend (``host``, ``<host>@<backend>``) does the work it is cast and
reports the outcome (service/report.py). A request commits its state change
(status ``creating``, ``extending``, ``deleting``...) and its quota before the cast,
so a crash between the two leaves a volume the agent's reconciliation settles,
never a volume that silently holds no data.
"""

from __future__ import annotations

import logging
import math
import uuid

from sqlalchemy import select

from sovra_block.db import models
from sovra_block.scheduler import choose
from sovra_block.service import quota
from sovra_block.service import volume_type as type_service
from sovra_common import exception

LOG = logging.getLogger(__name__)

GiB = 1024 ** 3
#: Statuses a volume may be deleted in (without force).
DELETABLE = ("available", "error", "error_restoring", "error_extending",
             "error_managing")
#: Statuses an admin may reset a volume to.
RESETTABLE = ("available", "error", "in-use", "creating", "attaching", "detaching",
              "deleting", "error_deleting", "error_extending", "extending",
              "reserved", "maintenance", "uploading", "downloading", "backing-up",
              "restoring-backup", "error_restoring", "retyping")


class VolumeNotFound(exception.NotFound):
    message = "Volume %(volume_id)s could not be found."


class InvalidVolume(exception.Invalid):
    message = "Invalid volume: %(reason)s"


class SnapshotNotFound(exception.NotFound):
    message = "Snapshot %(snapshot_id)s could not be found."


class ImageNotFound(exception.NotFound):
    message = "Image %(image_id)s could not be found."


def can_see(row, ctxt) -> bool:
    return ctxt.is_admin or row.project_id == ctxt.project_id or _is_service(ctxt)


def _is_service(ctxt) -> bool:
    return "service" in (getattr(ctxt, "roles", None) or [])


def target(row) -> dict:
    return {"project_id": row.project_id, "user_id": row.user_id}


def load(session, ctxt, volume_id: str, *, lock: bool = False) -> models.Volume:
    """The volume the caller may see (404 otherwise, as for a missing one)."""
    query = select(models.Volume).where(models.Volume.id == volume_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None or not can_see(row, ctxt):
        raise VolumeNotFound(volume_id=volume_id)
    return row


def type_name(row: models.Volume) -> str | None:
    return row.volume_type.name if row.volume_type is not None else None


def agent_ref(row: models.Volume) -> dict:
    """What an agent is told of a volume (it holds no database)."""
    return {"id": row.id, "size": row.size, "format": row.format,
            "provider_location": row.provider_location, "project_id": row.project_id,
            "volume_type_id": row.volume_type_id, "status": row.status}


def deltas(row: models.Volume) -> dict:
    return quota.volume_deltas(row.size, type_name(row))


def volume_format(vtype: models.VolumeType) -> str:
    fmt = vtype.extra_specs_dict.get("volume_format", "raw")
    return fmt if fmt in ("raw", "qcow2") else "raw"


def _multiattach(vtype: models.VolumeType) -> bool:
    from sovra_block.scheduler import extra_specs
    value = vtype.extra_specs_dict.get("multiattach")
    return bool(value) and extra_specs.value_matches(True, value)


def _check_zone(session, conf, zone: str | None) -> str:
    default = conf.block.default_availability_zone or conf.block.storage_availability_zone
    if not zone:
        return default
    known = set(session.scalars(select(models.Backend.availability_zone))) | {default}
    if zone not in known:
        raise exception.Invalid(f"Invalid input received: Availability zone '{zone}' "
                                "is invalid.")
    return zone


def _image(images, ctxt, image_id: str) -> dict:
    """The image the caller may use, checked: it exists for the caller and is
    active."""
    try:
        image = images(ctxt).get_image(image_id)
    except exception.NotFound:
        raise ImageNotFound(image_id=image_id) from None
    if image.get("status") != "active":
        raise exception.Invalid(f"Invalid input received: Image {image_id} is not "
                                f"active (status {image.get('status')}).")
    return image


def create(db, conf, ctxt, body: dict, *, images=None) -> tuple[models.Volume, dict | None]:
    """Commit a new volume (status ``creating``, quota taken, backend chosen) and
    return it with the ``source`` the agent is to fill it from. A volume no backend
    can take is committed in ``error`` with the reason, as the API does; its quota
    is held until it is deleted."""
    snapshot_id = body.get("snapshot_id")
    source_volid = body.get("source_volid")
    image_id = body.get("imageRef") or body.get("image_id")
    if sum(bool(x) for x in (snapshot_id, source_volid, image_id)) > 1:
        raise exception.Invalid("Invalid input received: only one of snapshot_id, "
                                "source_volid and imageRef may be given.")
    image = _image(images, ctxt, image_id) if image_id else None
    size = body.get("size")
    volume_id = str(uuid.uuid4())
    with db.reader() as session:
        type_names = list(session.scalars(select(models.VolumeType.name)))
    quota.ensure_usage_rows(db, ctxt.project_id, ["volumes", "gigabytes", *(
        f"{kind}_{name}" for name in type_names for kind in ("volumes", "gigabytes"))])
    with db.writer() as session:
        source = None
        backend_name = None
        requested_type = body.get("volume_type")
        if snapshot_id:
            snap = session.get(models.Snapshot, snapshot_id)
            if snap is None or not (ctxt.is_admin or snap.project_id == ctxt.project_id):
                raise SnapshotNotFound(snapshot_id=snapshot_id)
            if snap.status != "available":
                raise exception.Invalid("Invalid snapshot: Originating snapshot "
                                        "status must be one of 'available' values")
            parent = session.get(models.Volume, snap.volume_id)
            size = size or snap.size
            if size < snap.size:
                raise exception.Invalid(f"Invalid input received: Volume size "
                                        f"'{size}'GB cannot be smaller than the "
                                        f"snapshot size {snap.size}GB.")
            requested_type = requested_type or (parent.volume_type_id if parent else None)
            backend_name = parent.host if parent else None
            source = {"type": "snapshot", "snapshot": _snapshot_ref(snap),
                      "volume": agent_ref(parent) if parent else None}
        elif source_volid:
            parent = load(session, ctxt, source_volid)
            if parent.status != "available":
                raise exception.Invalid("Invalid volume: Source volume status must be "
                                        "'available' to clone it.")
            size = size or parent.size
            if size < parent.size:
                raise exception.Invalid(f"Invalid input received: Clones of a volume "
                                        f"of {parent.size}GB must be at least "
                                        f"{parent.size}GB.")
            requested_type = requested_type or parent.volume_type_id
            backend_name = parent.host
            source = {"type": "volume", "volume": agent_ref(parent)}
        elif image is not None:
            min_gb = max(int(image.get("min_disk") or 0),
                         math.ceil((image.get("virtual_size") or image.get("size")
                                    or 0) / GiB))
            if size is None:
                raise exception.Invalid("Invalid input received: size is required "
                                        "for a volume from an image.")
            if size < min_gb:
                raise exception.Invalid(f"Invalid input received: Image {image_id} "
                                        f"needs a volume of at least {min_gb}GB; "
                                        f"{size}GB was requested.")
            source = {"type": "image", "image_id": image_id}
        if size is None:
            raise exception.Invalid("Invalid input received: size is required.")
        vtype = type_service.for_create(session, conf, ctxt, requested_type)
        zone = _check_zone(session, conf, body.get("availability_zone"))
        quota.check_volume_size(session, conf, ctxt.project_id, size)
        quota.reserve(session, conf, ctxt.project_id,
                      quota.volume_deltas(size, vtype.name))
        status, reason = "creating", None
        if backend_name is None:
            try:
                backend_name = choose.choose(
                    session, conf, size=size, extra_specs=vtype.extra_specs_dict,
                    availability_zone=zone).name
            except choose.NoValidBackend as exc:
                status, reason = "error", exc.msg
        row = models.Volume(
            id=volume_id, project_id=ctxt.project_id, user_id=ctxt.user_id,
            name=body.get("name"), description=body.get("description"), size=size,
            status=status, error_reason=reason, attach_status="detached",
            availability_zone=zone, host=backend_name, volume_type_id=vtype.id,
            snapshot_id=snapshot_id, source_volid=source_volid, image_id=image_id,
            bootable=False, readonly=False, multiattach=_multiattach(vtype),
            format=volume_format(vtype), image_metadata={})
        row.volume_type = vtype
        for key, value in (body.get("metadata") or {}).items():
            row.metadata_items.append(models.VolumeMetadata(key=key, value=value))
        session.add(row)
    if reason:
        LOG.warning("volume %s: %s", volume_id, reason)
        return row, None
    return row, source


def _snapshot_ref(snap: models.Snapshot) -> dict:
    return {"id": snap.id, "volume_id": snap.volume_id, "size": snap.size,
            "provider_location": snap.provider_location}


def update(db, ctxt, volume_id: str, changes: dict) -> models.Volume:
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        for key in ("name", "description"):
            if key in changes:
                setattr(row, key, changes[key])
        if "metadata" in changes:
            _replace_metadata(row, changes["metadata"])
    return row


def _replace_metadata(row, metadata: dict) -> None:
    row.metadata_items.clear()
    for key, value in metadata.items():
        row.metadata_items.append(models.VolumeMetadata(key=key, value=value))


def set_metadata(db, ctxt, volume_id: str, metadata: dict, *, replace: bool) -> dict:
    """Replace (PUT) or merge (POST) the volume's metadata; returns it all."""
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        merged = {} if replace else row.metadata_dict
        merged.update(metadata)
        _replace_metadata(row, merged)
        return merged


def delete_metadata_item(db, ctxt, volume_id: str, key: str) -> None:
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        for item in row.metadata_items:
            if item.key == key:
                row.metadata_items.remove(item)
                return
        raise exception.NotFound(f"Metadata item was not found: {key}")


def begin_delete(db, ctxt, volume_id: str, *, cascade: bool = False,
                 force: bool = False) -> tuple[models.Volume | None, list]:
    """Check and commit the start of a delete. Returns ``(row, snapshots)``: the
    volume in ``deleting`` with the snapshots (``deleting`` too, with cascade) the
    agent must remove first, or ``(None, [])`` when nothing was ever created on a
    backend and the volume is gone already."""
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        if not force:
            if row.status not in DELETABLE:
                raise InvalidVolume(reason=f"Volume status must be available or error "
                                           f"or error_restoring or error_extending or "
                                           f"error_managing and must not be migrating, "
                                           f"attached, belong to a group, have snapshots "
                                           f"or be disassociated from snapshots after "
                                           f"volume transfer (status: {row.status}).")
            if row.attach_status == "attached" or any(
                    a.attach_status != "detached" for a in row.attachments):
                raise InvalidVolume(reason="Volume is attached.")
        elif row.status == "deleting" and row.host:
            pass  # a forced retry of a stuck delete: cast again
        snaps = list(session.scalars(select(models.Snapshot).where(
            models.Snapshot.volume_id == row.id)))
        if snaps and not cascade:
            raise InvalidVolume(reason="Volume still has dependent snapshots.")
        for snap in snaps:
            if snap.status not in ("available", "error", "error_deleting", "deleting") \
                    and not force:
                raise InvalidVolume(reason=f"Snapshot {snap.id} is {snap.status}; "
                                           "it must be available or error.")
        if row.host is None:
            for snap in snaps:
                quota.release(session, snap.project_id,
                              quota.snapshot_deltas(snap.size, type_name(row)))
                session.delete(snap)
            quota.release(session, row.project_id, deltas(row))
            session.delete(row)
            return None, []
        row.status = "deleting"
        for snap in snaps:
            snap.status = "deleting"
        return row, snaps


def begin_extend(db, conf, ctxt, volume_id: str, new_size: int, *,
                 allow_in_use: bool) -> models.Volume:
    """Check, reserve the extra gigabytes and commit ``extending``."""
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        allowed = ("available", "in-use") if allow_in_use else ("available",)
        if row.status not in allowed:
            raise InvalidVolume(reason=f"Volume status must be "
                                       f"{' or '.join(allowed)} to extend, "
                                       f"currently {row.status}.")
        if new_size <= row.size:
            raise exception.Invalid(f"Invalid input received: New size for extend "
                                    f"must be greater than current size. (current: "
                                    f"{row.size}, extended: {new_size}).")
        if row.status == "in-use":
            _check_online_extend(session, row)
        quota.check_volume_size(session, conf, row.project_id, new_size)
        extra = new_size - row.size
        quota.reserve(session, conf, row.project_id,
                      {"gigabytes": extra,
                       **({f"gigabytes_{type_name(row)}": extra}
                          if type_name(row) else {})})
        row.status = "extending"
        row.pending_size = new_size
    return row


def _check_online_extend(session, row: models.Volume) -> None:
    """An attached volume grows only on a backend that says it can
    (``online_extend_support``), and only in a format it says it can grow while a
    guest has it open (``online_extend_formats``, when it reports that)."""
    backend = session.get(models.Backend, row.host) if row.host else None
    caps = backend.capabilities if backend is not None else {}
    if not caps.get("online_extend_support"):
        raise InvalidVolume(reason=f"Volume {row.id} is attached and its backend "
                                   f"{row.host} cannot extend attached volumes "
                                   "(online_extend_support is false): detach it "
                                   "first.")
    formats = caps.get("online_extend_formats")
    if formats is not None and row.format not in formats:
        raise InvalidVolume(reason=f"Volume {row.id} is attached and its backend "
                                   f"{row.host} cannot extend an attached "
                                   f"{row.format} volume (only "
                                   f"{', '.join(formats) or 'none'}): detach it "
                                   "first.")


def set_status(db, ctxt, volume_id: str, changes: dict) -> models.Volume:
    """os-reset_status (admin): status, attach_status, migration_status."""
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        status = changes.get("status")
        if status is not None:
            if status not in RESETTABLE:
                raise exception.Invalid(f"Invalid input received: Must specify a "
                                        f"valid status (got {status!r}).")
            row.status = status
            if status != "extending":
                row.pending_size = None
        attach = changes.get("attach_status")
        if attach is not None:
            if attach not in ("attached", "detached"):
                raise exception.Invalid("Invalid input received: Must specify a valid "
                                        "attach status")
            row.attach_status = attach
    return row


def set_flag(db, ctxt, volume_id: str, flag: str, value: bool) -> models.Volume:
    """``bootable`` or ``readonly``."""
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        if flag == "readonly" and row.status != "available":
            raise InvalidVolume(reason=f"Volume status must be available to update "
                                       f"readonly flag, currently {row.status}.")
        setattr(row, flag, value)
    return row


def set_image_metadata(db, ctxt, volume_id: str, metadata: dict) -> dict:
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        merged = dict(row.image_metadata or {})
        merged.update(metadata)
        row.image_metadata = merged
        return merged


def unset_image_metadata(db, ctxt, volume_id: str, key: str) -> None:
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        merged = dict(row.image_metadata or {})
        if key not in merged:
            raise exception.NotFound(f"Glance metadata for volume {volume_id} "
                                     f"with key {key} could not be found.")
        del merged[key]
        row.image_metadata = merged


def retype(db, conf, ctxt, volume_id: str, new_type: str) -> models.Volume:
    """os-retype without migration: allowed when the volume's backend satisfies the
    new type too (quota moves from the old type to the new)."""
    from sovra_block.scheduler import extra_specs
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        if row.status not in ("available", "in-use"):
            raise InvalidVolume(reason=f"Volume status must be available or in-use "
                                       f"to retype, currently {row.status}.")
        vtype = type_service.get(session, ctxt, new_type)
        if vtype.id == row.volume_type_id:
            raise exception.Invalid("Invalid input received: Retype requires a "
                                    "different volume type.")
        backend = session.get(models.Backend, row.host) if row.host else None
        if backend is None or not extra_specs.backend_satisfies(
                backend.capabilities or {}, backend.backend_name,
                vtype.extra_specs_dict):
            raise exception.Invalid(
                f"Invalid input received: volume type {vtype.name} needs another "
                "backend; moving volumes between backends is not supported.")
        if volume_format(vtype) != row.format:
            raise exception.Invalid(
                f"Invalid input received: volume type {vtype.name} stores volumes "
                f"as {volume_format(vtype)}, this volume is {row.format}.")
        # the project-wide counts stay; the per-type ones move to the new type
        def per_type(name):
            return {k: v for k, v in quota.volume_deltas(row.size, name).items()
                    if k not in ("volumes", "gigabytes")}
        quota.reserve(session, conf, row.project_id, per_type(vtype.name))
        quota.release(session, row.project_id, per_type(type_name(row)))
        row.volume_type_id = vtype.id
        row.volume_type = vtype
        row.multiattach = _multiattach(vtype)
    return row


def begin_upload(db, ctxt, volume_id: str, *, force: bool) -> tuple[models.Volume, str]:
    """os-volume_upload_image: commit ``uploading``; returns the row and the status
    to go back to when the upload ends."""
    with db.writer() as session:
        row = load(session, ctxt, volume_id, lock=True)
        allowed = ("available", "in-use") if force else ("available",)
        if row.status not in allowed:
            raise InvalidVolume(reason=f"Volume status must be {' or '.join(allowed)} "
                                       f"to upload an image, currently {row.status}.")
        restore = row.status
        row.status = "uploading"
    return row, restore


def restore_status(db, volume_id: str, status: str) -> None:
    """Put back a status after a cast that could not be sent."""
    with db.writer() as session:
        row = session.get(models.Volume, volume_id)
        if row is not None:
            row.status = status

"""Block device mappings: the volumes of a server, and the device names they get.

A mapping is made by the API (an attach, or block_device_mapping_v2 at create) and
changed by the conductor as agents report (the volume made at boot, the
attachment, the connection info); the conductor removes it when a detach is done,
an attach failed, or the server is gone. Knows no HTTP.
"""

from __future__ import annotations

import string
import uuid as uuidlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sovra_common import exception
from sovra_common.db import Database, retry_on_deadlock
from sovra_compute.db import models

ATTACHING, ATTACHED, DETACHING = "attaching", "attached", "detaching"
#: what agents may change of a mapping (block_device_update)
AGENT_FIELDS = ("volume_id", "attachment_id", "connection_info", "attach_status")
_PREFIX = "/dev/vd"
#: vda is the root disk; a server has at most vdb..vdz as more virtio disks
_LETTERS = string.ascii_lowercase


class BlockDeviceNotFound(exception.NotFound):
    message = "Volume %(volume_id)s is not attached to server %(instance_uuid)s."


class DevicesExhausted(exception.Invalid):
    message = "No free device name is left on server %(instance_uuid)s."


class DeviceInUse(exception.Invalid):
    message = "The supplied device path (%(device)s) is in use."


def as_dict(row: models.BlockDeviceMapping) -> dict:
    return {"uuid": row.uuid, "instance_uuid": row.instance_uuid,
            "source_type": row.source_type, "destination_type": row.destination_type,
            "volume_id": row.volume_id, "image_id": row.image_id,
            "volume_size": row.volume_size, "volume_type": row.volume_type,
            "attachment_id": row.attachment_id,
            "device_name": row.device_name, "boot_index": row.boot_index,
            "delete_on_termination": row.delete_on_termination, "tag": row.tag,
            "connection_info": row.connection_info,
            "attach_status": row.attach_status}


def for_agent(bdm: dict) -> dict:
    """What an agent needs of a mapping (JSON-serialisable)."""
    return {key: bdm[key] for key in ("uuid", "source_type", "volume_id", "image_id",
                                      "volume_size", "volume_type", "attachment_id",
                                      "device_name",
                                      "boot_index", "connection_info", "tag",
                                      "delete_on_termination")}


def is_volume_backed(instance: dict) -> bool:
    """True if the server boots from a volume (it has no local root disk)."""
    return any(b.get("boot_index") == 0 for b in instance.get("block_devices") or ())


def short_name(device_name: str) -> str:
    """``/dev/vdb`` -> ``vdb`` (the guest's target name)."""
    return device_name.rsplit("/", 1)[-1]


def _free_device(taken: set[str], instance_uuid: str) -> str:
    for letter in _LETTERS[1:]:
        name = f"{_PREFIX}{letter}"
        if name not in taken:
            return name
    raise DevicesExhausted(instance_uuid=instance_uuid)


def _device(requested: str | None, taken: set[str], instance_uuid: str) -> str:
    """The device a new mapping gets. A requested name is honoured when it is a
    free virtio one (``/dev/vdX``); others (sdX, xvdX...) get the next free vdX,
    as the guest sees only virtio disks."""
    if requested and requested.startswith(_PREFIX) and len(requested) == 8 \
            and requested[-1] in _LETTERS[1:]:
        if requested in taken:
            raise DeviceInUse(device=requested)
        return requested
    return _free_device(taken, instance_uuid)


@retry_on_deadlock
def create(db: Database, instance_uuid: str, *, source_type: str, volume_id=None,
           image_id=None, volume_size=None, volume_type=None, device_name=None,
           boot_index=None, delete_on_termination=False, tag=None) -> dict:
    """A new mapping; the device name is ``device_name`` if it is a free virtio
    one, else the next free one (``/dev/vda`` for the boot volume)."""
    for _attempt in range(3):  # another attach may take the same name meanwhile
        try:
            with db.writer() as session:
                taken = set(session.scalars(
                    select(models.BlockDeviceMapping.device_name).where(
                        models.BlockDeviceMapping.instance_uuid == instance_uuid)))
                if volume_id and any(
                        v == volume_id for v in session.scalars(
                            select(models.BlockDeviceMapping.volume_id).where(
                                models.BlockDeviceMapping.instance_uuid ==
                                instance_uuid))):
                    raise exception.Invalid(
                        f"Invalid volume: volume {volume_id} is already attached to "
                        f"server {instance_uuid}.")
                device = f"{_PREFIX}a" if boot_index == 0 else \
                    _device(device_name, taken | {f"{_PREFIX}a"}, instance_uuid)
                row = models.BlockDeviceMapping(
                    uuid=str(uuidlib.uuid4()), instance_uuid=instance_uuid,
                    source_type=source_type, destination_type="volume",
                    volume_id=volume_id, image_id=image_id, volume_size=volume_size,
                    volume_type=volume_type,
                    device_name=device, boot_index=boot_index,
                    delete_on_termination=bool(delete_on_termination), tag=tag,
                    attach_status=ATTACHING)
                session.add(row)
                session.flush()
                return as_dict(row)
        except IntegrityError:
            continue
    raise exception.Conflict(f"Could not choose a device on server {instance_uuid}: "
                             "other attachments raced for it; try again.")


def list_for(db: Database, instance_uuid: str) -> list[dict]:
    """The server's mappings, in the order they were made."""
    with db.reader() as session:
        return [as_dict(r) for r in session.scalars(
            select(models.BlockDeviceMapping).where(
                models.BlockDeviceMapping.instance_uuid == instance_uuid)
            .order_by(models.BlockDeviceMapping.id))]


def get_by_volume(db: Database, instance_uuid: str, volume_id: str) -> dict:
    with db.reader() as session:
        row = session.scalars(select(models.BlockDeviceMapping).where(
            models.BlockDeviceMapping.instance_uuid == instance_uuid,
            models.BlockDeviceMapping.volume_id == volume_id)).first()
        if row is None:
            raise BlockDeviceNotFound(volume_id=volume_id, instance_uuid=instance_uuid)
        return as_dict(row)


@retry_on_deadlock
def update(db: Database, bdm_uuid: str, *, expected_status=(), **changes) -> dict | None:
    """Set ``changes``; None if the mapping is gone. ``expected_status``: the
    attach states it may be in (Conflict otherwise; empty: any)."""
    with db.writer() as session:
        row = session.scalars(select(models.BlockDeviceMapping).where(
            models.BlockDeviceMapping.uuid == bdm_uuid)).first()
        if row is None:
            return None
        if expected_status and row.attach_status not in expected_status:
            raise exception.Conflict(
                f"Volume {row.volume_id} of server {row.instance_uuid} is "
                f"{row.attach_status}: wait until it is done.")
        for key, value in changes.items():
            setattr(row, key, value)
        return as_dict(row)


@retry_on_deadlock
def delete(db: Database, bdm_uuid: str) -> None:
    with db.writer() as session:
        row = session.scalars(select(models.BlockDeviceMapping).where(
            models.BlockDeviceMapping.uuid == bdm_uuid)).first()
        if row is not None:
            session.delete(row)

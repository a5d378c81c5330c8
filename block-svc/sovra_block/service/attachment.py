"""Attachments: a volume connected to a server (the v3 attachments API that compute
uses, and the older os-attach family of volume actions on top of the same rows).

States of an attachment (``attach_status``): ``reserved`` (made without a
connector: the volume is promised to the server) -> ``attaching`` (a connector
given, the backend exported the volume and returned connection info) ->
``attached`` (os-complete: the server uses it). The volume's status follows:
``reserved`` / ``attaching`` while its first attachment gets there, ``in-use``
from when one is attached until the last attachment goes (then ``available``),
whatever state the others are in.

A volume that is not multiattach is attached to one server, but that server may
hold more than one attachment of it: a new attachment is allowed on an in-use
(reserved, attaching) volume when every attachment it has is the same server's,
which is how compute moves a server to another host (the destination's
attachment made, then the source's deleted; the volume stays in-use throughout).
Another server is refused, as Cinder does (3.27+, its bug 1694530).

Exports are made and withdrawn by the volume's agent through RPC calls (the caller
waits for the connection info); no database transaction stays open across one.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sovra_block.db import models
from sovra_block.service import volume as volume_service
from sovra_common import exception
from sovra_common.db import schema


class AttachmentNotFound(exception.NotFound):
    message = "Volume attachment %(attachment_id)s could not be found."


def target(volume: models.Volume) -> dict:
    return {"project_id": volume.project_id, "user_id": volume.user_id}


def load(session, ctxt, attachment_id: str, *, lock: bool = False
         ) -> models.VolumeAttachment:
    query = select(models.VolumeAttachment).where(
        models.VolumeAttachment.id == attachment_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None or not volume_service.can_see(row.volume, ctxt):
        raise AttachmentNotFound(attachment_id=attachment_id)
    return row


def _settle_volume(volume: models.Volume) -> None:
    """The volume's status and attach_status from its attachments. One that was
    attached stays ``in-use`` while any attachment remains (deleting the source's
    attachment of a server that moves leaves the destination's, maybe not
    connected yet), as Cinder's detach does."""
    states = {a.attach_status for a in volume.attachments}
    if "attached" in states or (states and volume.attach_status == "attached"):
        volume.status, volume.attach_status = "in-use", "attached"
    elif "attaching" in states:
        volume.status, volume.attach_status = "attaching", "attaching"
    elif "reserved" in states:
        volume.status, volume.attach_status = "reserved", "reserved"
    else:
        volume.status, volume.attach_status = "available", "detached"


def _may_share(volume: models.Volume, instance_uuid: str | None) -> bool:
    """Whether an attached (or attaching) volume takes one more attachment for
    ``instance_uuid``: any server's if multiattach, else only the server that
    holds every attachment it has (a server on its way to another host)."""
    if volume.status not in ("in-use", "reserved", "attaching"):
        return False
    if volume.multiattach:
        return True
    return bool(instance_uuid and volume.attachments) and all(
        a.instance_uuid == instance_uuid for a in volume.attachments)


def reserve(db, ctxt, volume_id: str, instance_uuid: str | None, *,
            mode: str = "rw") -> models.VolumeAttachment:
    """A new ``reserved`` attachment of the volume to ``instance_uuid``."""
    with db.writer() as session:
        volume = volume_service.load(session, ctxt, volume_id, lock=True)
        if volume.status != "available" and not _may_share(volume, instance_uuid):
            raise exception.Invalid(
                f"Invalid volume: Volume {volume_id} status must be available or "
                f"downloading to reserve, but the current status is {volume.status}.")
        if volume.readonly and mode == "rw":
            mode = "ro"
        row = models.VolumeAttachment(
            id=str(uuid.uuid4()), volume_id=volume.id, instance_uuid=instance_uuid,
            attach_status="reserved", attach_mode=mode)
        volume.attachments.append(row)
        _settle_volume(volume)
    return row


def connect(db, agents, ctxt, attachment_id: str, connector: dict
            ) -> models.VolumeAttachment:
    """Export the volume to ``connector``'s host and keep the connection info."""
    with db.reader() as session:
        row = load(session, ctxt, attachment_id)
        volume = row.volume
        if row.attach_status == "attached":
            raise exception.Invalid(f"Invalid volume: Attachment {attachment_id} is "
                                    "already attached.")
        ref = volume_service.agent_ref(volume)
        host = volume.host
    if host is None:
        raise exception.Invalid(f"Invalid volume: Volume {volume.id} is on no backend.")
    info = agents.initialize_connection(ctxt, host, ref, connector)
    info = dict(info)
    info.setdefault("data", {})
    info["data"] = {**info["data"], "access_mode": row.attach_mode,
                    "volume_id": volume.id}
    info["attachment_id"] = attachment_id
    with db.writer() as session:
        row = load(session, ctxt, attachment_id, lock=True)
        row.connector = connector
        row.connection_info = info
        row.attached_host = connector.get("host")
        row.mountpoint = connector.get("mountpoint") or row.mountpoint
        row.attach_status = "attaching"
        _settle_volume(row.volume)
    return row


def complete(db, ctxt, attachment_id: str, mountpoint: str | None = None
             ) -> models.VolumeAttachment:
    """os-complete: the server uses the volume now."""
    with db.writer() as session:
        row = load(session, ctxt, attachment_id, lock=True)
        if row.attach_status not in ("attaching", "attached"):
            raise exception.Invalid(f"Invalid volume: Attachment {attachment_id} has "
                                    f"no connection yet (status {row.attach_status}).")
        row.attach_status = "attached"
        row.attach_time = row.attach_time or schema.utcnow()
        if mountpoint:
            row.mountpoint = mountpoint
        _settle_volume(row.volume)
    return row


def delete(db, agents, ctxt, attachment_id: str) -> models.Volume:
    """Withdraw the export (if one was made) and remove the attachment."""
    with db.reader() as session:
        row = load(session, ctxt, attachment_id)
        connector, volume = row.connector, row.volume
        ref, host = volume_service.agent_ref(volume), volume.host
        others = [a for a in volume.attachments if a.id != attachment_id
                  and a.attached_host == row.attached_host and a.connector]
    if connector and host and not others:
        agents.terminate_connection(ctxt, host, ref, connector)
    with db.writer() as session:
        row = load(session, ctxt, attachment_id, lock=True)
        volume = row.volume
        volume.attachments.remove(row)
        session.delete(row)
        _settle_volume(volume)
    return volume


def list_for(session, ctxt, filters: dict) -> list[models.VolumeAttachment]:
    query = select(models.VolumeAttachment).join(models.Volume).order_by(
        models.VolumeAttachment.created_at.desc(), models.VolumeAttachment.id)
    if not (ctxt.is_admin and filters.get("all_tenants")):
        query = query.where(models.Volume.project_id == ctxt.project_id)
    if filters.get("volume_id"):
        query = query.where(models.VolumeAttachment.volume_id == filters["volume_id"])
    if filters.get("instance_id"):
        query = query.where(
            models.VolumeAttachment.instance_uuid == filters["instance_id"])
    status = filters.get("status") or filters.get("attach_status")
    if status:
        query = query.where(models.VolumeAttachment.attach_status == status)
    return list(session.scalars(query))


# The legacy os-* volume actions, on the same rows.

def legacy_set_status(db, ctxt, volume_id: str, want_from: tuple, to: str) -> None:
    """os-reserve / os-unreserve / os-begin_detaching / os-roll_detaching. As in
    Cinder, os-reserve also takes a multiattach volume in use (one more server
    is on its way), and os-unreserve leaves a volume with attachments in-use.
    No same-server exception here (Cinder's legacy reserve has none either)."""
    with db.writer() as session:
        volume = volume_service.load(session, ctxt, volume_id, lock=True)
        if to == "attaching" and volume.multiattach:
            want_from = (*want_from, "in-use")
        if volume.status not in want_from:
            raise exception.Invalid(
                f"Invalid volume: Volume status must be {' or '.join(want_from)}, "
                f"currently {volume.status}.")
        volume.status = "in-use" if to == "available" and volume.attachments else to


def legacy_attach(db, ctxt, volume_id: str, body: dict) -> None:
    """os-attach: record an attachment the caller already connected."""
    with db.writer() as session:
        volume = volume_service.load(session, ctxt, volume_id, lock=True)
        if volume.status not in ("available", "attaching", "reserved") and not (
                volume.multiattach and volume.status == "in-use"):
            raise exception.Invalid(f"Invalid volume: Volume status must be available "
                                    f"or attaching, currently {volume.status}.")
        row = models.VolumeAttachment(
            id=str(uuid.uuid4()), volume_id=volume.id,
            instance_uuid=body.get("instance_uuid"), attached_host=body.get("host_name"),
            mountpoint=body.get("mountpoint"), attach_status="attached",
            attach_mode=body.get("mode", "rw"), attach_time=schema.utcnow())
        volume.attachments.append(row)
        _settle_volume(volume)


def legacy_detach(db, ctxt, volume_id: str, attachment_id: str | None) -> None:
    """os-detach: forget one attachment (the only one if none is named)."""
    with db.writer() as session:
        volume = volume_service.load(session, ctxt, volume_id, lock=True)
        rows = [a for a in volume.attachments
                if attachment_id is None or a.id == attachment_id]
        if not rows or (attachment_id is None and len(rows) > 1):
            raise exception.Invalid("Invalid volume: name the attachment_id to "
                                    "detach" if rows else
                                    "Invalid volume: Volume is not attached.")
        volume.attachments.remove(rows[0])
        session.delete(rows[0])
        _settle_volume(volume)

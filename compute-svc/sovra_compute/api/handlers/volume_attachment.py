"""A server's volume attachments: /servers/{id}/os-volume_attachments[/{volume_id}].

Attach reserves the volume in block storage (an attachment without a connector,
made with the caller's rights: a volume the caller cannot see is a 404), records
the mapping with its device name, and casts to the server's agent, which connects,
plugs and completes it. Detach marks the mapping detaching and casts; the agent
unplugs and deletes the attachment. Both answer before the agent is done, as
upstream: clients watch the volume's status.
"""

from __future__ import annotations

import contextlib

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute import block_api
from sovra_compute.api.handlers.server import load
from sovra_compute.api.handlers.server_action import check_unlocked
from sovra_compute.api.policies import volume_attachment as policies
from sovra_compute.api.schemas import volume_attachment as schemas
from sovra_compute.service import block_device, compute_service
from sovra_compute.service import instance as instance_service

#: vm states a volume may be attached to or detached from (a suspended guest's
#: saved memory would not match a changed definition)
_STATES = (instance_service.ACTIVE, instance_service.PAUSED, instance_service.STOPPED,
           instance_service.RESIZED)


def _db(req):
    return req.state.extras["db"]


def view(req, bdm: dict, *, created=False) -> dict:
    """An attachment at the request's microversion: ``id`` (the volume's) until
    2.89 lists and shows attachment_id and bdm_uuid instead; tag from 2.70,
    delete_on_termination from 2.79. The attach answer keeps ``id``."""
    mv = req.microversion
    ids = mv.matches("2.89") and not created
    shown = {} if ids else {"id": bdm["volume_id"]}
    shown.update({"volumeId": bdm["volume_id"], "serverId": bdm["instance_uuid"],
                  "device": bdm["device_name"]})
    if mv.matches("2.70"):
        shown["tag"] = bdm["tag"]
    if mv.matches("2.79"):
        shown["delete_on_termination"] = bdm["delete_on_termination"]
    if ids:
        shown["attachment_id"] = bdm["attachment_id"]
        shown["bdm_uuid"] = bdm["uuid"]
    return shown


def _check_state(req, instance: dict, action: str) -> None:
    """409 unless the server is on a live host, in a state that takes the change,
    with no task running (a cast to a dead agent would leave the volume reserved
    until it comes back)."""
    if instance["task_state"] is not None:
        raise instance_service.InstanceInvalidState(
            action=action, uuid=instance["uuid"], attr="task_state",
            state=instance["task_state"])
    if instance["vm_state"] not in _STATES or not instance["host"]:
        raise instance_service.InstanceInvalidState(
            action=action, uuid=instance["uuid"], attr="vm_state",
            state=instance["vm_state"])
    if not req.state.extras["coordinator"].is_alive(compute_service.AGENTS_GROUP,
                                                    instance["host"]):
        raise exception.Conflict(f"Cannot '{action}' instance {instance['uuid']}: its "
                                 f"compute host {instance['host']} is down.")


def _attached(instance: dict) -> list[dict]:
    """The mappings the API shows: those with a volume (one still being made at
    boot has none yet)."""
    return [b for b in instance["block_devices"] if b["volume_id"]]


def _find(instance: dict, volume_id: str) -> dict:
    for bdm in _attached(instance):
        if bdm["volume_id"] == volume_id:
            return bdm
    raise block_device.BlockDeviceNotFound(volume_id=volume_id,
                                           instance_uuid=instance["uuid"])


def list_volume_attachments(req, server_id):
    query = req.query(schemas.LIST_QUERY)
    instance = load(req, server_id, policies.LIST)
    bdms = _attached(instance)
    offset = int(query.get("offset", 0))
    limit = int(query["limit"]) if "limit" in query else None
    bdms = bdms[offset:offset + limit if limit is not None else None]
    return json_response({"volumeAttachments": [view(req, b) for b in bdms]})


def show_volume_attachment(req, server_id, volume_id):
    instance = load(req, server_id, policies.SHOW)
    return json_response({"volumeAttachment": view(req, _find(instance, volume_id))})


def _usable(req, volume: dict) -> None:
    """400 unless the volume may be attached: available. A multiattach volume
    already in use is refused too: guests do not share disks here (no
    shareable disks in the drivers yet)."""
    status = volume["status"]
    if status == "available":
        return
    if status == "in-use" and volume.get("multiattach"):
        raise exception.Invalid(f"Invalid volume: volume '{volume['id']}' is attached "
                                "already, and attaching a multiattach volume to more "
                                "than one server is not supported.")
    raise exception.Invalid(f"Invalid volume: volume '{volume['id']}' status must be "
                            f"'available'. Currently in '{status}'")


def create_volume_attachment(req, server_id):
    body = req.json_body(schemas.create(req.microversion))["volumeAttachment"]
    instance = load(req, server_id, policies.CREATE)
    check_unlocked(req, instance)
    _check_state(req, instance, "attach_volume")
    db, uuid, volume_id = _db(req), instance["uuid"], body["volumeId"]
    client = req.state.extras["volumes"](req.context)
    volume = block_api.get_volume(client, volume_id)  # 404: not the caller's
    _usable(req, volume)
    bdm = block_device.create(
        db, uuid, source_type="volume", volume_id=volume["id"],
        device_name=body.get("device"), tag=body.get("tag"),
        delete_on_termination=body.get("delete_on_termination", False))
    attachment = None
    try:
        with block_api.translated():
            attachment = client.create_attachment(volume["id"], uuid)
        bdm = block_device.update(db, bdm["uuid"], attachment_id=attachment["id"])
        instance_service.record_action(db, req.context, uuid, "attach_volume")
        req.state.extras["agents"].attach_volume(
            req.context, instance["host"], instance_service.for_agent(instance),
            block_device.for_agent(bdm))
    except Exception:  # nothing reserved is left behind
        if attachment is not None:
            with contextlib.suppress(Exception), block_api.translated():
                client.delete_attachment(attachment["id"])
        block_device.delete(db, bdm["uuid"])
        raise
    return json_response({"volumeAttachment": view(req, bdm, created=True)})


def update_volume_attachment(req, server_id, volume_id):
    """2.85: change delete_on_termination. Swapping the volume for another is not
    supported (501, after the admin-only swap policy)."""
    body = req.json_body(schemas.update(req.microversion))["volumeAttachment"]
    if body["volumeId"] != volume_id:
        instance = load(req, server_id, policies.SWAP)
        _find(instance, volume_id)
        raise exception.NotImplementedYet("Swapping a server's volume for another is "
                                          "not supported.")
    instance = load(req, server_id, policies.UPDATE)
    if not req.microversion.matches("2.85"):
        raise exception.Invalid("The volume to swap to is the attached one: nothing "
                                "to swap (changing an attachment needs 2.85).")
    check_unlocked(req, instance)
    bdm = _find(instance, volume_id)
    for key in ("device", "tag", "serverId", "id"):
        current = {"device": bdm["device_name"], "tag": bdm["tag"],
                   "serverId": bdm["instance_uuid"], "id": bdm["volume_id"]}[key]
        if key in body and body[key] != current:
            raise exception.Invalid(f"Invalid input: {key} cannot be changed (it is "
                                    f"{current}).")
    if "delete_on_termination" in body:
        bdm = block_device.update(_db(req), bdm["uuid"],
                                  delete_on_termination=body["delete_on_termination"]) \
            or bdm
    return json_response(None, status=202)


def delete_volume_attachment(req, server_id, volume_id):
    instance = load(req, server_id, policies.DELETE)
    check_unlocked(req, instance)
    _check_state(req, instance, "detach_volume")
    bdm = _find(instance, volume_id)
    if bdm["boot_index"] == 0:
        raise exception.Invalid("Cannot detach a root device volume")
    db = _db(req)
    bdm = block_device.update(db, bdm["uuid"], expected_status=(block_device.ATTACHED,),
                              attach_status=block_device.DETACHING)
    if bdm is None:  # detached meanwhile
        raise block_device.BlockDeviceNotFound(volume_id=volume_id,
                                               instance_uuid=instance["uuid"])
    instance_service.record_action(db, req.context, instance["uuid"], "detach_volume")
    try:
        req.state.extras["agents"].detach_volume(
            req.context, instance["host"], instance_service.for_agent(instance),
            block_device.for_agent(bdm))
    except Exception:
        block_device.update(db, bdm["uuid"], attach_status=block_device.ATTACHED)
        raise
    return json_response(None, status=202)

"""POST /v3/volumes/{id}/action: one handler per action key."""

from __future__ import annotations

from sovra_block.api import listing, notifications
from sovra_block.api.handlers import volume as volume_handlers
from sovra_block.api.policies import volume as volume_policies
from sovra_block.api.policies import volume_action as policies
from sovra_block.api.schemas import common
from sovra_block.api.schemas import volume_action as schemas
from sovra_block.service import attachment as attachment_service
from sovra_block.service import volume as volume_service
from sovra_common import exception
from sovra_common.wsgi.routes import json_response


def _db(req):
    return req.state.extras["db"]


def _row(req, volume_id, rule):
    with _db(req).reader() as session:
        row = volume_service.load(session, req.context, volume_id)
    req.authorize(rule, volume_service.target(row))
    return row


def _accepted():
    return json_response(None, status=202)


def _extend(req, row, args):
    volume_id = row.id
    new_size = common.to_int(args["new_size"])
    in_use = row.status == "in-use"
    if in_use:
        if not req.microversion.matches("3.42"):
            raise exception.Invalid("Invalid volume: Volume status must be available "
                                    "to extend (in-use volumes from 3.42).")
        req.authorize(policies.EXTEND_ATTACHED, volume_service.target(row))
    row = volume_service.begin_extend(_db(req), req.state.conf, req.context, volume_id,
                                      new_size, allow_in_use=in_use)
    req.state.extras["agents"].extend_volume(
        req.context, row.host, volume_service.agent_ref(row), new_size)
    notifications.info(req, "volume.resize.start",
                       {"volume_id": volume_id, "size": new_size})
    return _accepted()


def _reset_status(req, row, args):
    volume_service.set_status(_db(req), req.context, row.id, args)
    return _accepted()


def _force_delete(req, row, args):
    volume_handlers.start_delete(req, row.id, cascade=True, force=True)
    return _accepted()


def _set_bootable(req, row, args):
    volume_service.set_flag(_db(req), req.context, row.id, "bootable",
                            common.to_bool(args["bootable"]))
    return json_response(None, status=200)


def _readonly(req, row, args):
    volume_service.set_flag(_db(req), req.context, row.id, "readonly",
                            common.to_bool(args["readonly"]))
    return _accepted()


def _retype(req, row, args):
    volume_service.retype(_db(req), req.state.conf, req.context, row.id,
                          args["new_type"])
    return _accepted()


def _upload_image(req, row, args):
    volume_id = row.id
    visibility = args.get("visibility", "private")
    protected = common.to_bool(args.get("protected", False))
    if not req.microversion.matches("3.1"):
        visibility, protected = "private", False
    if visibility == "public":
        req.authorize(policies.UPLOAD_PUBLIC, volume_service.target(row))
    disk_format = args.get("disk_format", "raw")
    row, restore = volume_service.begin_upload(
        _db(req), req.context, volume_id, force=common.to_bool(args.get("force", False)))
    try:
        image = req.state.extras["images"](req.context).create_image(
            name=args["image_name"], disk_format=disk_format,
            container_format=args.get("container_format", "bare"),
            visibility=visibility, protected=protected, min_disk=row.size)
        req.state.extras["agents"].copy_volume_to_image(
            req.context, row.host, volume_service.agent_ref(row), image["id"],
            disk_format, restore)
    except Exception:
        volume_service.restore_status(_db(req), volume_id, restore)
        raise
    body = {"id": row.id, "updated_at": None, "status": "uploading",
            "display_description": row.description, "size": row.size,
            "volume_type": {"name": row.volume_type.name if row.volume_type else None},
            "image_id": image["id"], "container_format": image.get("container_format"),
            "disk_format": image.get("disk_format"), "image_name": image.get("name"),
            "visibility": image.get("visibility"), "protected": image.get("protected")}
    return json_response({"os-volume_upload_image": body}, status=202)


def _set_image_metadata(req, row, args):
    merged = volume_service.set_image_metadata(_db(req), req.context, row.id,
                                               args["metadata"])
    return json_response({"metadata": merged})


def _unset_image_metadata(req, row, args):
    volume_service.unset_image_metadata(_db(req), req.context, row.id, args["key"])
    return json_response(None, status=200)


def _show_image_metadata(req, row, args):
    return json_response({"metadata": {k: str(v) for k, v in
                                       (row.image_metadata or {}).items()}})


def _legacy_status(want_from, to):
    def action(req, row, args):
        attachment_service.legacy_set_status(_db(req), req.context, row.id,
                                             want_from, to)
        return _accepted()
    return action


def _attach(req, row, args):
    attachment_service.legacy_attach(_db(req), req.context, row.id, args)
    return _accepted()


def _detach(req, row, args):
    attachment_service.legacy_detach(_db(req), req.context, row.id,
                                     (args or {}).get("attachment_id"))
    return _accepted()


def _initialize(req, row, args):
    if row.host is None:
        raise exception.Invalid(f"Invalid volume: Volume {row.id} is on no backend.")
    info = req.state.extras["agents"].initialize_connection(
        req.context, row.host, volume_service.agent_ref(row), args["connector"])
    return json_response({"connection_info": info})


def _terminate(req, row, args):
    if row.host is not None:
        req.state.extras["agents"].terminate_connection(
            req.context, row.host, volume_service.agent_ref(row), args["connector"])
    return _accepted()


#: action -> (its policy rule, its handler(req, volume row, action arguments))
_ACTIONS = {
    "os-extend": (policies.EXTEND, _extend),
    "os-reset_status": (policies.RESET_STATUS, _reset_status),
    "os-force_delete": (volume_policies.FORCE_DELETE, _force_delete),
    "os-set_bootable": (policies.SET_BOOTABLE, _set_bootable),
    "os-update_readonly_flag": (policies.READONLY, _readonly),
    "os-retype": (policies.RETYPE, _retype),
    "os-volume_upload_image": (policies.UPLOAD_IMAGE, _upload_image),
    "os-set_image_metadata": (policies.IMAGE_METADATA_SET, _set_image_metadata),
    "os-unset_image_metadata": (policies.IMAGE_METADATA_REMOVE, _unset_image_metadata),
    "os-show_image_metadata": (volume_policies.IMAGE_METADATA, _show_image_metadata),
    "os-reserve": (policies.RESERVE, _legacy_status(("available",), "attaching")),
    "os-unreserve": (policies.UNRESERVE, _legacy_status(("attaching",), "available")),
    "os-begin_detaching": (policies.BEGIN_DETACHING,
                           _legacy_status(("in-use",), "detaching")),
    "os-roll_detaching": (policies.ROLL_DETACHING,
                          _legacy_status(("detaching",), "in-use")),
    "os-attach": (policies.ATTACH, _attach),
    "os-detach": (policies.DETACH, _detach),
    "os-initialize_connection": (policies.INITIALIZE, _initialize),
    "os-terminate_connection": (policies.TERMINATE, _terminate),
}


def volume_action(req, volume_id):
    """Validate the one action in the body, check its rule on the volume, run it."""
    name, args = listing.one_action(req, schemas.ACTIONS)
    rule, handler = _ACTIONS[name]
    return handler(req, _row(req, volume_id, rule), args)

"""Volume handlers: create, show, list (brief and detail), update, delete, metadata."""

from __future__ import annotations

from sqlalchemy import select

from sovra_block.api import listing, notifications
from sovra_block.api.policies import volume as policies
from sovra_block.api.schemas import common
from sovra_block.api.schemas import volume as schemas
from sovra_block.db import models
from sovra_block.service import volume as volume_service
from sovra_common import exception
from sovra_common.wsgi.routes import json_response

_SORT_KEYS = ("id", "name", "status", "size", "availability_zone", "created_at",
              "updated_at", "bootable", "volume_type")
_FILTERS = ("name", "name~", "status", "metadata", "availability_zone", "bootable",
            "glance_metadata", "volume_type", "project_id", "display_name")


def _db(req):
    return req.state.extras["db"]


def _time(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else None


def attachment_view(att: models.VolumeAttachment, volume: models.Volume) -> dict:
    return {"id": volume.id, "attachment_id": att.id, "volume_id": volume.id,
            "server_id": att.instance_uuid, "host_name": att.attached_host,
            "device": att.mountpoint, "attached_at": _time(att.attach_time)}


def view(req, row: models.Volume, *, detail: bool = True) -> dict:
    body = {"id": row.id, "name": row.name,
            "links": listing.links(req, "volumes", row.id)}
    if not detail:
        return body
    target = volume_service.target(row)
    body.update({
        "status": row.status, "size": row.size,
        "availability_zone": row.availability_zone,
        "created_at": _time(row.created_at), "updated_at": _time(row.updated_at),
        "attachments": [attachment_view(a, row) for a in row.attachments
                        if a.attach_status == "attached"],
        "description": row.description,
        "volume_type": row.volume_type.name if row.volume_type else None,
        "snapshot_id": row.snapshot_id, "source_volid": row.source_volid,
        "bootable": "true" if row.bootable else "false",
        "encrypted": False, "metadata": row.metadata_dict, "user_id": row.user_id,
        "consistencygroup_id": None, "multiattach": row.multiattach,
        "replication_status": None, "migration_status": None,
    })
    if _allowed(req, policies.TENANT_ATTRIBUTE, target):
        body["os-vol-tenant-attr:tenant_id"] = row.project_id
    if _allowed(req, policies.HOST_ATTRIBUTE, target):
        body["os-vol-host-attr:host"] = (f"{row.host}#{row.host.partition('@')[2]}"
                                         if row.host else None)
        body["os-vol-mig-status-attr:migstat"] = None
        body["os-vol-mig-status-attr:name_id"] = None
        if req.microversion.matches("3.21"):
            body["provider_id"] = None
    if row.image_metadata and _allowed(req, policies.IMAGE_METADATA, target):
        body["volume_image_metadata"] = {k: str(v) for k, v in
                                         row.image_metadata.items()}
    if req.microversion.matches("3.25"):
        body["group_id"] = None
    if row.status.startswith("error") and row.error_reason:
        # not in the api-ref's body: Sovra's own, so users learn why (upstream
        # keeps it in user messages, a resource Sovra does not serve)
        body["error_reason"] = row.error_reason
    return body


def _allowed(req, rule, target) -> bool:
    try:
        req.authorize(rule, target)
    except exception.Forbidden:
        return False
    return True


def create_volume(req):
    body = req.json_body(schemas.CREATE)["volume"]
    body["name"] = body.get("name", body.get("display_name"))
    body["description"] = body.get("description", body.get("display_description"))
    if body.get("size") is not None:
        body["size"] = common.to_int(body["size"])
        if body["size"] < 1:
            raise exception.Invalid("Invalid input received: size must be >= 1.")
    target = {"project_id": req.context.project_id, "user_id": req.context.user_id}
    req.authorize(policies.CREATE, target)
    if body.get("imageRef") or body.get("image_id"):
        req.authorize(policies.CREATE_FROM_IMAGE, target)
    extras = req.state.extras
    row, source = volume_service.create(_db(req), req.state.conf, req.context, body,
                                        images=extras["images"])
    if source is not None or row.status == "creating":
        cast_create(req, row, source)
    notifications.info(req, "volume.create.start", {
        "volume_id": row.id, "size": row.size, "status": row.status,
        "project_id": row.project_id})
    return respond(req, row.id, status=202)


def respond(req, volume_id, status=200):
    """The volume as it is now, read afresh."""
    with _db(req).reader() as session:
        row = volume_service.load(session, req.context, volume_id)
        return json_response({"volume": view(req, row)}, status=status)


def cast_create(req, row, source) -> None:
    try:
        req.state.extras["agents"].create_volume(
            req.context, row.host, volume_service.agent_ref(row), source=source)
    except Exception as exc:  # the bus refused the cast: say so on the volume
        from sovra_block.service.report import ReportEndpoint
        ReportEndpoint(req.state.conf, _db(req)).volume_update(
            req.context, row.id, {"status": "error"},
            reason=f"The volume agent of {row.host} could not be reached: {exc}")


def show_volume(req, volume_id):
    with _db(req).reader() as session:
        row = volume_service.load(session, req.context, volume_id)
        req.authorize(policies.GET, volume_service.target(row))
        return json_response({"volume": view(req, row)})


def _matches(row: models.Volume, key: str, value, req) -> bool:
    if key in ("name", "display_name"):
        return row.name == value
    if key == "name~":
        return req.microversion.matches("3.34") and value in (row.name or "")
    if key == "status":
        return row.status == value
    if key == "availability_zone":
        return row.availability_zone == value
    if key == "volume_type":
        return row.volume_type is not None and value in (row.volume_type.name,
                                                         row.volume_type.id)
    if key == "bootable":
        wanted = common.to_bool(value)
        if not req.microversion.matches("3.2") and value.lower() not in ("false",):
            wanted = True
        return row.bootable == wanted
    if key == "metadata":
        return all(row.metadata_dict.get(k) == v for k, v in value.items())
    if key == "glance_metadata":
        if not req.microversion.matches("3.4"):
            return True
        have = {k: str(v) for k, v in (row.image_metadata or {}).items()}
        return all(have.get(k) == v for k, v in value.items())
    return True


def _list(req, *, detail: bool):
    req.authorize(policies.GET_ALL)
    spec = listing.ListRequest(
        req, sort_keys=_SORT_KEYS, filters=_FILTERS,
        object_filters=("metadata", "glance_metadata")
        if req.microversion.matches("3.4") else ("metadata",))
    with _db(req).reader() as session:
        query = select(models.Volume)
        if not spec.all_tenants:
            query = query.where(models.Volume.project_id == req.context.project_id)
        elif spec.project_id:
            query = query.where(models.Volume.project_id == spec.project_id)
        views = [view(req, r) for r in session.scalars(query)
                 if all(_matches(r, k, v, req) for k, v in spec.filters.items()
                        if k != "project_id")]
    return json_response(listing.paged_body(
        req, spec, "volumes", views, path="volumes/detail" if detail else "volumes",
        brief=None if detail else (lambda v: {k: v[k] for k in ("id", "name",
                                                                  "links")})))


def list_volumes(req):
    return _list(req, detail=False)


def list_volumes_detail(req):
    return _list(req, detail=True)


def update_volume(req, volume_id):
    changes = common.with_current_names(req.json_body(schemas.UPDATE)["volume"])
    with _db(req).reader() as session:
        row = volume_service.load(session, req.context, volume_id)
    req.authorize(policies.UPDATE, volume_service.target(row))
    volume_service.update(_db(req), req.context, volume_id, changes)
    return respond(req, volume_id)


def delete_volume(req, volume_id):
    cascade = common.to_bool(req.args.get("cascade", "false"))
    force = common.to_bool(req.args.get("force", "false"))
    with _db(req).reader() as session:
        row = volume_service.load(session, req.context, volume_id)
    req.authorize(policies.DELETE, volume_service.target(row))
    if force:
        req.authorize(policies.FORCE_DELETE, volume_service.target(row))
    start_delete(req, volume_id, cascade=cascade, force=force)
    return json_response(None, status=202)


def start_delete(req, volume_id, *, cascade=False, force=False) -> None:
    """Commit ``deleting`` and cast the deletions (snapshots first)."""
    from sovra_block.service import snapshot as snapshot_service
    row, snaps = volume_service.begin_delete(_db(req), req.context, volume_id,
                                             cascade=cascade, force=force)
    if row is None:
        notifications.info(req, "volume.delete.end", {"volume_id": volume_id})
        return
    agents = req.state.extras["agents"]
    ref = volume_service.agent_ref(row)
    for snap in snaps:
        agents.delete_snapshot(req.context, row.host, snapshot_service.agent_ref(snap),
                               ref)
    agents.delete_volume(req.context, row.host, ref)
    notifications.info(req, "volume.delete.start", {"volume_id": volume_id})


def list_metadata(req, volume_id):
    with _db(req).reader() as session:
        row = volume_service.load(session, req.context, volume_id)
        req.authorize(policies.GET_METADATA, volume_service.target(row))
        return json_response({"metadata": row.metadata_dict})


def _authorized_row(req, volume_id, rule):
    with _db(req).reader() as session:
        row = volume_service.load(session, req.context, volume_id)
    req.authorize(rule, volume_service.target(row))
    return row


def create_metadata(req, volume_id):
    body = req.json_body(schemas.METADATA)
    _authorized_row(req, volume_id, policies.UPDATE_METADATA)
    merged = volume_service.set_metadata(_db(req), req.context, volume_id,
                                         body["metadata"], replace=False)
    return json_response({"metadata": merged})


def update_all_metadata(req, volume_id):
    body = req.json_body(schemas.METADATA)
    _authorized_row(req, volume_id, policies.UPDATE_METADATA)
    merged = volume_service.set_metadata(_db(req), req.context, volume_id,
                                         body["metadata"], replace=True)
    return json_response({"metadata": merged})


def show_metadata_item(req, volume_id, key):
    row = _authorized_row(req, volume_id, policies.GET_METADATA)
    items = row.metadata_dict
    if key not in items:
        raise exception.NotFound(f"Metadata item was not found: {key}")
    return json_response({"meta": {key: items[key]}})


def update_metadata_item(req, volume_id, key):
    body = req.json_body(schemas.META_ITEM)["meta"]
    if list(body) != [key]:
        raise exception.Invalid("Invalid input received: Request body and URI "
                                "mismatch")
    _authorized_row(req, volume_id, policies.UPDATE_METADATA)
    volume_service.set_metadata(_db(req), req.context, volume_id, body, replace=False)
    return json_response({"meta": body})


def delete_metadata_item(req, volume_id, key):
    _authorized_row(req, volume_id, policies.DELETE_METADATA)
    volume_service.delete_metadata_item(_db(req), req.context, volume_id, key)
    return json_response(None, status=200)

"""Snapshot handlers: create, show, list, update, delete, metadata, admin actions."""

from __future__ import annotations

from sqlalchemy import select

from sovra_block.api import listing, notifications
from sovra_block.api.handlers.volume import _time
from sovra_block.api.policies import snapshot as policies
from sovra_block.api.schemas import common
from sovra_block.api.schemas import snapshot as schemas
from sovra_block.api.schemas import volume as volume_schemas
from sovra_block.db import models
from sovra_block.service import snapshot as snapshot_service
from sovra_block.service import volume as volume_service
from sovra_common import exception
from sovra_common.wsgi.routes import json_response

_SORT_KEYS = ("id", "name", "status", "size", "created_at", "updated_at", "volume_id")
_FILTERS = ("name", "name~", "status", "volume_id", "metadata", "project_id")


def _db(req):
    return req.state.extras["db"]


def view(req, row: models.Snapshot, *, detail: bool = True) -> dict:
    body = {"id": row.id, "name": row.name, "description": row.description,
            "status": row.status, "size": row.size, "volume_id": row.volume_id,
            "created_at": _time(row.created_at), "updated_at": _time(row.updated_at),
            "metadata": dict(row.metadata_ or {})}
    if req.microversion.matches("3.41"):
        body["user_id"] = row.user_id
    try:
        req.authorize(policies.PROJECT_ATTRIBUTE, snapshot_service.target(row))
        body["os-extended-snapshot-attributes:project_id"] = row.project_id
        body["os-extended-snapshot-attributes:progress"] = row.progress or "0%"
    except exception.Forbidden:
        pass
    if row.status.startswith("error") and row.error_reason:
        body["error_reason"] = row.error_reason
    return body


def _row(req, snapshot_id, rule):
    with _db(req).reader() as session:
        row = snapshot_service.load(session, req.context, snapshot_id)
    req.authorize(rule, snapshot_service.target(row))
    return row


def create_snapshot(req):
    body = req.json_body(schemas.CREATE)["snapshot"]
    body["name"] = body.get("name", body.get("display_name"))
    body["description"] = body.get("description", body.get("display_description"))
    body["force"] = common.to_bool(body.get("force", False))
    req.authorize(policies.CREATE, {"project_id": req.context.project_id,
                                    "user_id": req.context.user_id})
    row, volume = snapshot_service.create(_db(req), req.state.conf, req.context, body)
    req.state.extras["agents"].create_snapshot(
        req.context, volume.host, snapshot_service.agent_ref(row),
        volume_service.agent_ref(volume))
    notifications.info(req, "snapshot.create.start",
                       {"snapshot_id": row.id, "volume_id": row.volume_id})
    return json_response({"snapshot": view(req, row)}, status=202)


def show_snapshot(req, snapshot_id):
    row = _row(req, snapshot_id, policies.GET)
    return json_response({"snapshot": view(req, row)})


def _matches(row, key, value, req) -> bool:
    if key == "name":
        return row.name == value
    if key == "name~":
        return req.microversion.matches("3.34") and value in (row.name or "")
    if key == "status":
        return row.status == value
    if key == "volume_id":
        return row.volume_id == value
    if key == "metadata":
        if not req.microversion.matches("3.22"):
            return True
        return all((row.metadata_ or {}).get(k) == v for k, v in value.items())
    return True


def _list(req, *, detail):
    req.authorize(policies.GET_ALL)
    spec = listing.ListRequest(
        req, sort_keys=_SORT_KEYS, filters=_FILTERS,
        object_filters=("metadata",) if req.microversion.matches("3.22") else ())
    if not req.microversion.matches("3.30"):
        spec.sorts = [("created_at", "desc")]
    with _db(req).reader() as session:
        query = select(models.Snapshot)
        if not spec.all_tenants:
            query = query.where(models.Snapshot.project_id == req.context.project_id)
        elif spec.project_id:
            query = query.where(models.Snapshot.project_id == spec.project_id)
        views = [view(req, r) for r in session.scalars(query)
                 if all(_matches(r, k, v, req) for k, v in spec.filters.items()
                        if k != "project_id")]
    keep = ("id", "name", "description", "status", "size", "volume_id", "created_at",
            "updated_at", "metadata")
    return json_response(listing.paged_body(
        req, spec, "snapshots", views,
        path="snapshots/detail" if detail else "snapshots",
        brief=None if detail else (lambda v: {k: v[k] for k in keep if k in v})))


def list_snapshots(req):
    return _list(req, detail=False)


def list_snapshots_detail(req):
    return _list(req, detail=True)


def update_snapshot(req, snapshot_id):
    changes = common.with_current_names(req.json_body(schemas.UPDATE)["snapshot"])
    _row(req, snapshot_id, policies.UPDATE)
    row = snapshot_service.update(_db(req), req.context, snapshot_id, changes)
    return json_response({"snapshot": view(req, row)})


def start_delete(req, snapshot_id, *, force=False):
    row, volume = snapshot_service.begin_delete(_db(req), req.context, snapshot_id,
                                                force=force)
    if volume is None or volume.host is None:
        from sovra_block.service.report import ReportEndpoint
        ReportEndpoint(req.state.conf, _db(req)).snapshot_deleted(req.context, row.id)
        return
    req.state.extras["agents"].delete_snapshot(
        req.context, volume.host, snapshot_service.agent_ref(row),
        volume_service.agent_ref(volume))
    notifications.info(req, "snapshot.delete.start", {"snapshot_id": snapshot_id})


def delete_snapshot(req, snapshot_id):
    _row(req, snapshot_id, policies.DELETE)
    start_delete(req, snapshot_id)
    return json_response(None, status=202)


def snapshot_action(req, snapshot_id):
    name, args = listing.one_action(req, schemas.ACTIONS)
    if name == "os-reset_status":
        _row(req, snapshot_id, policies.RESET_STATUS)
        snapshot_service.set_status(_db(req), req.context, snapshot_id, args["status"])
    else:
        _row(req, snapshot_id, policies.FORCE_DELETE)
        start_delete(req, snapshot_id, force=True)
    return json_response(None, status=202)


def list_metadata(req, snapshot_id):
    row = _row(req, snapshot_id, policies.GET_METADATA)
    return json_response({"metadata": dict(row.metadata_ or {})})


def create_metadata(req, snapshot_id):
    body = req.json_body(volume_schemas.METADATA)
    _row(req, snapshot_id, policies.UPDATE_METADATA)
    return json_response({"metadata": snapshot_service.set_metadata(
        _db(req), req.context, snapshot_id, body["metadata"], replace=False)})


def update_all_metadata(req, snapshot_id):
    body = req.json_body(volume_schemas.METADATA)
    _row(req, snapshot_id, policies.UPDATE_METADATA)
    return json_response({"metadata": snapshot_service.set_metadata(
        _db(req), req.context, snapshot_id, body["metadata"], replace=True)})


def show_metadata_item(req, snapshot_id, key):
    row = _row(req, snapshot_id, policies.GET_METADATA)
    items = dict(row.metadata_ or {})
    if key not in items:
        raise exception.NotFound(f"Metadata item was not found: {key}")
    return json_response({"meta": {key: items[key]}})


def update_metadata_item(req, snapshot_id, key):
    body = req.json_body(volume_schemas.META_ITEM)["meta"]
    if list(body) != [key]:
        raise exception.Invalid("Invalid input received: Request body and URI "
                                "mismatch")
    _row(req, snapshot_id, policies.UPDATE_METADATA)
    snapshot_service.set_metadata(_db(req), req.context, snapshot_id, body,
                                  replace=False)
    return json_response({"meta": body})


def delete_metadata_item(req, snapshot_id, key):
    _row(req, snapshot_id, policies.DELETE_METADATA)
    snapshot_service.delete_metadata_item(_db(req), req.context, snapshot_id, key)
    return json_response(None, status=200)

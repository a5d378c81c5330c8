"""Backup handlers: create, show, list, update, delete, restore, admin actions."""

from __future__ import annotations

from sovra_block.api import listing, notifications
from sovra_block.api.handlers.volume import _time
from sovra_block.api.policies import backup as policies
from sovra_block.api.schemas import backup as schemas
from sovra_block.api.schemas import common
from sovra_block.db import models
from sovra_block.service import backup as backup_service
from sovra_block.service import volume as volume_service
from sovra_common.wsgi.routes import json_response

_SORT_KEYS = ("id", "name", "status", "size", "created_at", "updated_at",
              "volume_id")
_FILTERS = ("name", "status", "volume_id")


def _db(req):
    return req.state.extras["db"]


def view(req, row: models.Backup, *, has_dependents: bool, detail: bool = True) -> dict:
    body = {"id": row.id, "name": row.name,
            "links": listing.links(req, "backups", row.id)}
    if detail:
        body.update({
            "description": row.description, "status": row.status, "size": row.size,
            "object_count": row.object_count,
            "availability_zone": row.availability_zone, "container": row.container,
            "created_at": _time(row.created_at), "updated_at": _time(row.updated_at),
            "fail_reason": row.fail_reason, "volume_id": row.volume_id,
            "is_incremental": row.is_incremental,
            "has_dependent_backups": has_dependents, "snapshot_id": row.snapshot_id,
            "data_timestamp": _time(row.data_timestamp or row.created_at)})
    return body


def _row(req, backup_id, rule):
    with _db(req).reader() as session:
        row = backup_service.load(session, req.context, backup_id)
    req.authorize(rule, backup_service.target(row))
    return row


def _respond(req, backup_id, status=200):
    with _db(req).reader() as session:
        row = backup_service.load(session, req.context, backup_id)
        return json_response({"backup": view(
            req, row, has_dependents=backup_service.has_dependents(session, row.id))},
            status=status)


def create_backup(req):
    body = req.json_body(schemas.CREATE)["backup"]
    body["incremental"] = common.to_bool(body.get("incremental", False))
    body["force"] = common.to_bool(body.get("force", False))
    with _db(req).reader() as session:
        volume = volume_service.load(session, req.context, body["volume_id"])
    req.authorize(policies.CREATE, volume_service.target(volume))
    row, volume, parent, restore = backup_service.create(
        _db(req), req.state.conf, req.context, body)
    ref = {**volume_service.agent_ref(volume), "restore_status": restore}
    try:
        req.state.extras["agents"].backup_volume(
            req.context, volume.host, backup_service.agent_ref(row), ref,
            parent=backup_service.agent_ref(parent) if parent else None)
    except Exception as exc:  # the bus refused the cast: nothing was started
        from sovra_block.service.report import ReportEndpoint
        endpoint = ReportEndpoint(req.state.conf, _db(req))
        endpoint.backup_update(req.context, row.id, {"status": "error"},
                               reason=f"The volume agent could not be reached: {exc}")
        endpoint.volume_update(req.context, volume.id, {"status": restore})
    notifications.info(req, "backup.create.start",
                       {"backup_id": row.id, "volume_id": row.volume_id})
    return json_response({"backup": {"id": row.id, "name": row.name,
                                     "links": listing.links(req, "backups", row.id)}},
                         status=202)


def show_backup(req, backup_id):
    _row(req, backup_id, policies.GET)
    return _respond(req, backup_id)


def _matches(row, key, value) -> bool:
    return str(getattr(row, key)) == value


def _list(req, detail):
    req.authorize(policies.GET_ALL)
    spec = listing.ListRequest(req, sort_keys=_SORT_KEYS, filters=_FILTERS)
    with _db(req).reader() as session:
        rows = backup_service.list_for(session, req.context,
                                       all_tenants=spec.all_tenants,
                                       project_id=spec.project_id)
        parents = {r.parent_id for r in rows if r.parent_id}
        views = [view(req, r, has_dependents=r.id in parents)
                 for r in rows if all(_matches(r, k, v) for k, v in spec.filters.items())]
    return json_response(listing.paged_body(
        req, spec, "backups", views, path="backups/detail" if detail else "backups",
        brief=None if detail else (lambda v: {k: v[k] for k in ("id", "name", "links")})))


def list_backups(req):
    return _list(req, detail=False)


def list_backups_detail(req):
    return _list(req, detail=True)


def update_backup(req, backup_id):
    changes = req.json_body(schemas.UPDATE)["backup"]
    _row(req, backup_id, policies.UPDATE)
    backup_service.update(_db(req), req.context, backup_id, changes)
    return _respond(req, backup_id)


def _start_delete(req, backup_id, *, force=False):
    row = backup_service.begin_delete(_db(req), req.context, backup_id, force=force)
    req.state.extras["agents"].delete_backup(req.context, row.host,
                                             backup_service.agent_ref(row))
    notifications.info(req, "backup.delete.start", {"backup_id": backup_id})


def delete_backup(req, backup_id):
    _row(req, backup_id, policies.DELETE)
    _start_delete(req, backup_id)
    return json_response(None, status=202)


def restore_backup(req, backup_id):
    body = (req.json_body(schemas.RESTORE) if req.get_data() else {"restore": {}})
    restore = body["restore"] or {}
    _row(req, backup_id, policies.RESTORE)
    row, volume, created = backup_service.begin_restore(
        _db(req), req.state.conf, req.context, backup_id, restore.get("volume_id"),
        restore.get("name"))
    agents = req.state.extras["agents"]
    if created:  # a blank volume first; its report starts the restore
        agents.create_volume(req.context, volume.host, volume_service.agent_ref(volume))
    else:
        agents.restore_backup(req.context, volume.host, backup_service.agent_ref(row),
                              volume_service.agent_ref(volume))
    notifications.info(req, "backup.restore.start",
                       {"backup_id": backup_id, "volume_id": volume.id})
    return json_response({"restore": {"backup_id": backup_id, "volume_id": volume.id,
                                      "volume_name": volume.name}}, status=202)


def backup_action(req, backup_id):
    name, args = listing.one_action(req, schemas.ACTIONS)
    if name == "os-reset_status":
        _row(req, backup_id, policies.RESET_STATUS)
        backup_service.set_status(_db(req), req.context, backup_id, args["status"])
    else:
        _row(req, backup_id, policies.FORCE_DELETE)
        _start_delete(req, backup_id, force=True)
    return json_response(None, status=202)

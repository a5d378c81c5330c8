"""The attachments API (3.27+): create (reserve, or reserve and connect), show,
list, update (connect), delete (disconnect), os-complete (3.44)."""

from __future__ import annotations

from sovra_block.api import listing
from sovra_block.api.handlers.volume import _time
from sovra_block.api.policies import attachment as policies
from sovra_block.api.schemas import attachment as schemas
from sovra_block.db import models
from sovra_block.service import attachment as attachment_service
from sovra_block.service import volume as volume_service
from sovra_common import exception
from sovra_common.wsgi.routes import json_response

_MIN = "3.27"


def _db(req):
    return req.state.extras["db"]


def _require(req, version=_MIN):
    if not req.microversion.matches(version):
        raise exception.NotFound("The resource could not be found.")


def view(row: models.VolumeAttachment, *, detail: bool = True) -> dict:
    body = {"id": row.id, "status": row.attach_status, "instance": row.instance_uuid,
            "volume_id": row.volume_id}
    if detail:
        body.update({"attached_at": _time(row.attach_time),
                     "detached_at": _time(row.detach_time),
                     "attach_mode": row.attach_mode,
                     "connection_info": row.connection_info or {}})
    return body


def _row(req, attachment_id, rule):
    with _db(req).reader() as session:
        row = attachment_service.load(session, req.context, attachment_id)
        target = attachment_service.target(row.volume)
    req.authorize(rule, target)
    return row


def create_attachment(req):
    _require(req)
    body = req.json_body(schemas.CREATE)["attachment"]
    with _db(req).reader() as session:
        volume = volume_service.load(session, req.context, body["volume_uuid"])
    req.authorize(policies.CREATE, volume_service.target(volume))
    mode = body.get("mode", "rw") if req.microversion.matches("3.54") else "rw"
    row = attachment_service.reserve(_db(req), req.context, body["volume_uuid"],
                                     body.get("instance_uuid"), mode=mode)
    if body.get("connector"):
        try:
            row = attachment_service.connect(_db(req), req.state.extras["agents"],
                                             req.context, row.id, body["connector"])
        except Exception:
            attachment_service.delete(_db(req), req.state.extras["agents"],
                                      req.context, row.id)
            raise
    return json_response({"attachment": view(row)}, status=200)


def show_attachment(req, attachment_id):
    _require(req)
    row = _row(req, attachment_id, policies.GET)
    return json_response({"attachment": view(row)})


def _list(req, detail):
    _require(req)
    req.authorize(policies.GET_ALL)
    spec = listing.ListRequest(req, sort_keys=("id", "created_at"), filters=(
        "volume_id", "instance_id", "status", "attach_status"))
    with _db(req).reader() as session:
        filters = dict(spec.filters, all_tenants=spec.all_tenants)
        views = [view(r, detail=detail) for r in
                 attachment_service.list_for(session, req.context, filters)]
    page, more = spec.page(views)
    body = {"attachments": page}
    if more and page:
        body["attachments_links"] = listing.next_link(req, "attachments",
                                                      page[-1]["id"])
    return json_response(body)


def list_attachments(req):
    return _list(req, detail=False)


def list_attachments_detail(req):
    return _list(req, detail=True)


def update_attachment(req, attachment_id):
    _require(req)
    body = req.json_body(schemas.UPDATE)["attachment"]
    _row(req, attachment_id, policies.UPDATE)
    row = attachment_service.connect(_db(req), req.state.extras["agents"], req.context,
                                     attachment_id, body["connector"])
    return json_response({"attachment": view(row)})


def delete_attachment(req, attachment_id):
    _require(req)
    _row(req, attachment_id, policies.DELETE)
    attachment_service.delete(_db(req), req.state.extras["agents"], req.context,
                              attachment_id)
    return json_response({}, status=200)


def attachment_action(req, attachment_id):
    _require(req, "3.44")
    req.json_body(schemas.COMPLETE)
    _row(req, attachment_id, policies.COMPLETE)
    attachment_service.complete(_db(req), req.context, attachment_id)
    return json_response(None, status=204)

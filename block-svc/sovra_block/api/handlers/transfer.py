"""Volume transfers (os-volume-transfer): create (the key is shown once), show,
list, delete, accept."""

from __future__ import annotations

from sovra_block.api import listing, notifications
from sovra_block.api.handlers.volume import _time
from sovra_block.api.policies import transfer as policies
from sovra_block.api.schemas import transfer as schemas
from sovra_block.db import models
from sovra_block.service import transfer as transfer_service
from sovra_common.wsgi.routes import json_response

_COLLECTION = "os-volume-transfer"


def _db(req):
    return req.state.extras["db"]


def view(req, row: models.Transfer, *, detail: bool = True) -> dict:
    body = {"id": row.id, "name": row.name, "volume_id": row.volume_id,
            "links": listing.links(req, _COLLECTION, row.id)}
    if detail:
        body["created_at"] = _time(row.created_at)
    return body


def create_transfer(req):
    body = req.json_body(schemas.CREATE)["transfer"]
    req.authorize(policies.CREATE, {"project_id": req.context.project_id})
    row, key = transfer_service.create(_db(req), req.state.conf, req.context,
                                       body["volume_id"], body.get("name"))
    notifications.info(req, "transfer.create.end",
                       {"id": row.id, "volume_id": row.volume_id})
    return json_response({"transfer": {**view(req, row), "auth_key": key}},
                         status=202)


def show_transfer(req, transfer_id):
    with _db(req).reader() as session:
        row = transfer_service.load(session, req.context, transfer_id)
    req.authorize(policies.GET, transfer_service.target(row))
    return json_response({"transfer": view(req, row)})


def _list(req, detail):
    req.authorize(policies.GET_ALL)
    all_tenants = req.args.get("all_tenants", "0").lower() in ("1", "true")
    with _db(req).reader() as session:
        rows = transfer_service.list_for(session, req.context, all_tenants=all_tenants)
    return json_response({"transfers": [view(req, r, detail=detail) for r in rows]})


def list_transfers(req):
    return _list(req, detail=False)


def list_transfers_detail(req):
    return _list(req, detail=True)


def delete_transfer(req, transfer_id):
    with _db(req).reader() as session:
        row = transfer_service.load(session, req.context, transfer_id)
    req.authorize(policies.DELETE, transfer_service.target(row))
    transfer_service.delete(_db(req), req.context, transfer_id)
    return json_response(None, status=202)


def accept_transfer(req, transfer_id):
    body = req.json_body(schemas.ACCEPT)["accept"]
    req.authorize(policies.ACCEPT, {"project_id": req.context.project_id})
    row = transfer_service.accept(_db(req), req.state.conf, req.context, transfer_id,
                                  body["auth_key"])
    notifications.info(req, "transfer.accept.end",
                       {"id": row.id, "volume_id": row.volume_id,
                        "project_id": req.context.project_id})
    return json_response({"transfer": {"id": row.id, "name": row.name,
                                       "volume_id": row.volume_id,
                                       "links": listing.links(req, _COLLECTION,
                                                              row.id)}}, status=202)

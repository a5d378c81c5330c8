"""QoS spec handlers: ``/v3/qos-specs`` (list, create), ``/v3/qos-specs/{id}``
(show, set keys, delete), ``.../delete_keys`` and the associations with volume
types (``.../associations``, ``.../associate``, ``.../disassociate``,
``.../disassociate_all``; GETs with ``?vol_type_id=``, as the API has them)."""

from __future__ import annotations

from sovra_block.api import listing, notifications
from sovra_block.api.policies import qos_spec as policies
from sovra_block.api.schemas import common
from sovra_block.api.schemas import qos_spec as schemas
from sovra_block.service import qos_spec as qos_service
from sovra_common.wsgi.routes import json_response

SORT_KEYS = ("id", "name", "consumer", "created_at")


def _db(req):
    return req.state.extras["db"]


def view(row) -> dict:
    return {"id": row.id, "name": row.name, "consumer": row.consumer,
            "specs": dict(row.specs or {})}


def _detail(req, row) -> dict:
    return {"qos_specs": view(row), "links": listing.links(req, "qos-specs", row.id)}


def list_qos_specs(req):
    req.authorize(policies.GET_ALL)
    spec = listing.ListRequest(req, sort_keys=SORT_KEYS, filters=())
    with _db(req).reader() as session:
        items = [{**view(row), "created_at": row.created_at.isoformat()}
                 for row in qos_service.list_specs(session)]
    items, more = spec.page(spec.sort(items))
    body = {"qos_specs": [{k: v for k, v in item.items() if k != "created_at"}
                          for item in items]}
    if more and items:
        body["qos_specs_links"] = listing.next_link(req, "qos-specs", items[-1]["id"])
    return json_response(body)


def show_qos_spec(req, qos_id):
    req.authorize(policies.GET)
    with _db(req).reader() as session:
        body = _detail(req, qos_service.get(session, qos_id))
    return json_response(body)


def create_qos_spec(req):
    body = dict(req.json_body(schemas.CREATE)["qos_specs"])
    req.authorize(policies.CREATE)
    name = body.pop("name").strip()
    consumer = body.pop("consumer", qos_service.DEFAULT_CONSUMER)
    with _db(req).writer() as session:
        result = _detail(req, qos_service.create(session, name, body, consumer))
    notifications.info(req, "qos_specs.create.end", {"qos_specs": result["qos_specs"]})
    return json_response(result)


def update_qos_spec(req, qos_id):
    """Set keys: the answer echoes what was set."""
    specs = req.json_body(schemas.UPDATE)["qos_specs"]
    req.authorize(policies.UPDATE)
    with _db(req).writer() as session:
        qos_service.set_keys(session, qos_id, specs)
    notifications.info(req, "qos_specs.update.end", {"id": qos_id, "specs": specs})
    return json_response({"qos_specs": specs})


def delete_qos_spec_keys(req, qos_id):
    keys = req.json_body(schemas.DELETE_KEYS)["keys"]
    req.authorize(policies.UPDATE)
    with _db(req).writer() as session:
        qos_service.delete_keys(session, qos_id, keys)
    notifications.info(req, "qos_specs.delete_keys.end", {"id": qos_id, "keys": keys})
    return json_response(None, status=202)


def delete_qos_spec(req, qos_id):
    query = req.query(schemas.DELETE_QUERY)
    req.authorize(policies.DELETE)
    force = common.to_bool(query.get("force", False))
    with _db(req).writer() as session:
        qos_service.delete(session, qos_id, force=force)
    notifications.info(req, "qos_specs.delete.end", {"id": qos_id})
    return json_response(None, status=202)


def list_qos_associations(req, qos_id):
    req.authorize(policies.GET)
    with _db(req).reader() as session:
        rows = qos_service.associated_types(session, qos_id)
        items = [{"association_type": "volume_type", "name": row.name, "id": row.id}
                 for row in rows]
    return json_response({"qos_associations": items})


def associate_qos_spec(req, qos_id):
    type_id = req.query(schemas.TYPE_QUERY)["vol_type_id"]
    req.authorize(policies.UPDATE)
    with _db(req).writer() as session:
        qos_service.associate(session, req.context, qos_id, type_id)
    notifications.info(req, "qos_specs.associate.end", {"id": qos_id, "type_id": type_id})
    return json_response(None, status=202)


def disassociate_qos_spec(req, qos_id):
    type_id = req.query(schemas.TYPE_QUERY)["vol_type_id"]
    req.authorize(policies.UPDATE)
    with _db(req).writer() as session:
        qos_service.disassociate(session, req.context, qos_id, type_id)
    notifications.info(req, "qos_specs.disassociate.end",
                       {"id": qos_id, "type_id": type_id})
    return json_response(None, status=202)


def disassociate_all_qos_spec(req, qos_id):
    req.authorize(policies.UPDATE)
    with _db(req).writer() as session:
        qos_service.disassociate_all(session, qos_id)
    notifications.info(req, "qos_specs.disassociate_all.end", {"id": qos_id})
    return json_response(None, status=202)

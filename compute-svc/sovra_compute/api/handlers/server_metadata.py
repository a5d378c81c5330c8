"""Server metadata: /servers/{id}/metadata and /servers/{id}/metadata/{key}.

Changing it needs the server unlocked (or the lock override); POST merges, PUT
replaces the whole set (both answer 200 with the result, as upstream).
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute.api.handlers.server import load
from sovra_compute.api.handlers.server_action import check_unlocked
from sovra_compute.api.policies import server_metadata as policies
from sovra_compute.api.schemas import server_metadata as schemas
from sovra_compute.service import quota, server_metadata


def _db(req):
    return req.state.extras["db"]


def _set(req, instance, items, *, replace) -> dict:
    check_unlocked(req, instance)
    max_items = quota.limits(_db(req), req.state.conf,
                             instance["project_id"])["metadata_items"]
    return server_metadata.update(_db(req), instance["uuid"], items, replace=replace,
                                  max_items=max_items)


def list_metadata(req, server_id):
    instance = load(req, server_id, policies.LIST)
    return json_response({"metadata": instance["metadata"]})


def create_metadata(req, server_id):
    body = req.json_body(schemas.SET)
    instance = load(req, server_id, policies.CREATE)
    return json_response({"metadata": _set(req, instance, body["metadata"],
                                           replace=False)})


def update_all_metadata(req, server_id):
    body = req.json_body(schemas.SET)
    instance = load(req, server_id, policies.UPDATE_ALL)
    return json_response({"metadata": _set(req, instance, body["metadata"],
                                           replace=True)})


def show_metadata_item(req, server_id, key):
    instance = load(req, server_id, policies.SHOW)
    if key not in instance["metadata"]:
        raise server_metadata.MetadataNotFound()
    return json_response({"meta": {key: instance["metadata"][key]}})


def update_metadata_item(req, server_id, key):
    body = req.json_body(schemas.SET_ITEM)
    instance = load(req, server_id, policies.UPDATE)
    if key not in body["meta"]:
        raise exception.Invalid("Request body and URI mismatch")
    _set(req, instance, body["meta"], replace=False)
    return json_response({"meta": body["meta"]})


def delete_metadata_item(req, server_id, key):
    instance = load(req, server_id, policies.DELETE)
    check_unlocked(req, instance)
    server_metadata.delete(_db(req), instance["uuid"], key)
    return json_response(None, status=204)

"""Tags of any resource with standard attributes:
``GET|PUT|DELETE /v2.0/<collection>/<id>/tags`` and
``GET|PUT|DELETE /v2.0/<collection>/<id>/tags/<tag>`` (api/tags.py lists the
collections). Changing tags bumps the resource's revision_number."""

from __future__ import annotations

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_network import exception as net_exc
from sovra_network.api import tags as taggable
from sovra_network.api.schemas import common as schemas
from sovra_network.service import standard_attrs
from sovra_network.service.races import retry_on_race


def _resource(collection):
    module = taggable.TAGGABLE.get(collection)
    if module is None:
        raise exception.NotFound(f"The resource {collection} has no tags.")
    return module


def _db(req):
    return req.state.extras["db"]


@retry_on_race
def _write(db, req, collection, resource_id, change):
    module = _resource(collection)
    with db.writer() as session:
        row = module.load(session, req.context, resource_id, lock=True)
        req.authorize(f"update_{module.RESOURCE}", module.target(row))
        return change(session, module.RESOURCE, row)


def list_tags(req, collection, resource_id):
    module = _resource(collection)
    with _db(req).reader() as session:
        row = module.load(session, req.context, resource_id)
        req.authorize(f"get_{module.RESOURCE}", module.target(row))
        tags = standard_attrs.tags_for(session, module.RESOURCE, [row])[row.id]
    return json_response({"tags": tags})


def check_tag(req, collection, resource_id, tag):
    module = _resource(collection)
    with _db(req).reader() as session:
        row = module.load(session, req.context, resource_id)
        req.authorize(f"get_{module.RESOURCE}", module.target(row))
        if not standard_attrs.has_tag(session, module.RESOURCE, row, tag):
            raise net_exc.TagNotFound(tag=tag, resource=module.RESOURCE, id=row.id)
    return json_response(None, status=204)


def replace_tags(req, collection, resource_id):
    body = req.json_body(schemas.TAGS_BODY)
    tags = _write(_db(req), req, collection, resource_id,
                  lambda s, rt, row: standard_attrs.set_tags(s, rt, row, body["tags"]))
    return json_response({"tags": tags})


def add_tag(req, collection, resource_id, tag):
    _write(_db(req), req, collection, resource_id,
           lambda s, rt, row: standard_attrs.add_tag(s, rt, row, tag))
    return json_response(None, status=201)


def delete_tags(req, collection, resource_id):
    _write(_db(req), req, collection, resource_id, standard_attrs.clear_tags)
    return json_response(None, status=204)


def delete_tag(req, collection, resource_id, tag):
    _write(_db(req), req, collection, resource_id,
           lambda s, rt, row: standard_attrs.remove_tag(s, rt, row, tag))
    return json_response(None, status=204)

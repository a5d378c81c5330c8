"""Server tags (2.26): /servers/{id}/tags and /servers/{id}/tags/{tag}."""

from __future__ import annotations

from sovra_common import exception
from sovra_common.wsgi import validation
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import views
from sovra_compute.api.handlers.server import load
from sovra_compute.api.microversion import require
from sovra_compute.api.policies import server_tag as policies
from sovra_compute.api.schemas import server as server_schemas
from sovra_compute.api.schemas import server_tag as schemas
from sovra_compute.service import server_tag


def _db(req):
    return req.state.extras["db"]


def _check_tag(tag: str) -> None:
    try:
        validation.validate(server_schemas.TAG, tag)
    except exception.ValidationError as exc:
        raise exception.Invalid(f"Tag '{tag}' is invalid. It must be a non empty string "
                                f"without characters '/' and ','. {exc}") from None


def list_tags(req, server_id):
    require(req, "2.26")
    instance = load(req, server_id, policies.LIST)
    return json_response({"tags": instance["tags"]})


def update_all_tags(req, server_id):
    require(req, "2.26")
    body = req.json_body(schemas.UPDATE_ALL)
    instance = load(req, server_id, policies.UPDATE_ALL)
    tags = server_tag.replace(_db(req), instance["uuid"], body["tags"])
    return json_response({"tags": tags})


def delete_all_tags(req, server_id):
    require(req, "2.26")
    instance = load(req, server_id, policies.DELETE_ALL)
    server_tag.delete_all(_db(req), instance["uuid"])
    return json_response(None, status=204)


def show_tag(req, server_id, tag):
    require(req, "2.26")
    instance = load(req, server_id, policies.SHOW)
    if tag not in instance["tags"]:
        raise server_tag.TagNotFound(uuid=server_id, tag=tag)
    return json_response(None, status=204)


def update_tag(req, server_id, tag):
    require(req, "2.26")
    instance = load(req, server_id, policies.UPDATE)
    _check_tag(tag)
    if not server_tag.add(_db(req), instance["uuid"], tag):
        return json_response(None, status=204)
    location = f"{views.base_url()}/v2.1/servers/{server_id}/tags/{tag}"
    return json_response(None, status=201, headers={"Location": location})


def delete_tag(req, server_id, tag):
    require(req, "2.26")
    instance = load(req, server_id, policies.DELETE)
    server_tag.delete(_db(req), instance["uuid"], tag)
    return json_response(None, status=204)

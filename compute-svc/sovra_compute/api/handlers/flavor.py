"""Flavors (description from 2.55, extra specs in their bodies from 2.61) and their
extra specs (checked from 2.86). A private flavor is listed and shown only to
admins and the projects given it (``flavor_access.py``)."""

from __future__ import annotations

from sovra_common import exception
from sovra_common.db import schema
from sovra_common.wsgi import validation
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import views
from sovra_compute.api.microversion import require
from sovra_compute.api.policies import flavor as policies
from sovra_compute.api.schemas import flavor as schemas
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import flavor_extra_spec

_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")


def _db(req):
    return req.state.extras["db"]


def _view(req, flavor, detail=True) -> dict:
    """The flavor body: description from 2.55, extra_specs (detail bodies, if the
    caller may read them) from 2.61, swap 0 rather than "" from 2.75."""
    mv = req.microversion
    shown = {"id": flavor["flavorid"], "name": flavor["name"],
             "links": views.links("flavors", flavor["flavorid"])}
    if detail:
        swap = flavor["swap"] if flavor["swap"] or mv.matches("2.75") else ""
        shown.update({"ram": flavor["memory_mb"], "disk": flavor["root_gb"],
                      "vcpus": flavor["vcpus"],
                      "OS-FLV-EXT-DATA:ephemeral": flavor["ephemeral_gb"],
                      "OS-FLV-DISABLED:disabled": flavor["disabled"],
                      "swap": swap,
                      "rxtx_factor": flavor["rxtx_factor"],
                      "os-flavor-access:is_public": flavor["is_public"]})
    if mv.matches("2.55"):
        shown["description"] = flavor["description"]
    if detail and mv.matches("2.61") and views.may(req, policies.EXTRA_SPECS_SHOW):
        shown["extra_specs"] = dict(flavor["extra_specs"])
    return shown


def _bool(value, what) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in _TRUE:
        return True
    if str(value).lower() in _FALSE:
        return False
    raise exception.Invalid(f"Invalid {what}: {value!r} is not a boolean.")


def _list(req, detail):
    query = req.query(schemas.LIST_QUERY)
    req.authorize(policies.LIST)
    is_public = True
    if req.context.check_is_admin() and "is_public" in query:
        raw = query["is_public"].lower()
        is_public = None if raw in ("none", "") else _bool(raw, "is_public")
    flavors = flavor_service.list_(
        _db(req), is_public=is_public, project_id=req.context.project_id,
        min_ram=_at_least(query, "minRam"), min_disk=_at_least(query, "minDisk"))
    if "marker" in query:
        ids = [f["flavorid"] for f in flavors]
        if query["marker"] not in ids:
            raise exception.Invalid(f"marker [{query['marker']}] not found")
        flavors = flavors[ids.index(query["marker"]) + 1:]
    limit = int(query["limit"]) if "limit" in query else None
    flavors = flavors[:limit] if limit is not None else flavors
    body = {"flavors": [_view(req, f, detail) for f in flavors]}
    next_links = views.pagination_links("flavors/detail" if detail else "flavors",
                                        body["flavors"], limit)
    if next_links:
        body["flavors_links"] = next_links
    return json_response(body)


def _at_least(query: dict, name: str) -> int | None:
    """A minRam / minDisk filter; one above any flavor's size (they are at most
    INT_MAX) matches none, as it would in a database with unbounded integers."""
    if name not in query:
        return None
    return min(validation.integer(query[name], name, maximum=None),
               schema.INT_MAX + 1)


def list_flavors(req):
    return _list(req, detail=False)


def list_flavors_detail(req):
    return _list(req, detail=True)


def show_flavor(req, flavor_id):
    req.authorize(policies.SHOW)
    return json_response({"flavor": _view(req, flavor_service.get(
        _db(req), flavor_id, context=req.context))})


def create_flavor(req):
    body = req.json_body(schemas.CREATE_V2_55 if req.microversion.matches("2.55")
                         else schemas.CREATE)["flavor"]
    req.authorize(policies.CREATE)
    flavor = flavor_service.create(
        _db(req), name=body["name"].strip(), flavorid=body.get("id"),
        vcpus=validation.integer(body["vcpus"], "vcpus"),
        ram=validation.integer(body["ram"], "ram"),
        disk=validation.integer(body["disk"], "disk"),
        ephemeral=validation.integer(body.get("OS-FLV-EXT-DATA:ephemeral", 0),
                                     "OS-FLV-EXT-DATA:ephemeral"),
        swap=validation.integer(body.get("swap", 0) or 0, "swap"),
        rxtx_factor=float(body.get("rxtx_factor", 1.0)),
        is_public=_bool(body.get("os-flavor-access:is_public", True), "is_public"),
        description=body.get("description"))
    return json_response({"flavor": _view(req, flavor)})


def update_flavor(req, flavor_id):
    require(req, "2.55")
    body = req.json_body(schemas.UPDATE)["flavor"]
    req.authorize(policies.UPDATE)
    flavor = flavor_service.update(_db(req), flavor_id, description=body["description"])
    return json_response({"flavor": _view(req, flavor)})


def delete_flavor(req, flavor_id):
    req.authorize(policies.DELETE)
    flavor_service.delete(_db(req), flavor_id)
    return json_response(None, status=202)


def _validate(req, specs: dict) -> None:
    """From 2.86, keys of known namespaces must be known, their values valid."""
    if req.microversion.matches("2.86"):
        for key, value in specs.items():
            flavor_extra_spec.validate(key, value)


def list_extra_specs(req, flavor_id):
    req.authorize(policies.EXTRA_SPECS_SHOW)
    flavor = flavor_service.get(_db(req), flavor_id, context=req.context)
    return json_response({"extra_specs": flavor["extra_specs"]})


def create_extra_specs(req, flavor_id):
    body = req.json_body(schemas.EXTRA_SPECS)
    req.authorize(policies.EXTRA_SPECS_SET)
    specs = {k: str(v) for k, v in body["extra_specs"].items()}
    _validate(req, specs)
    flavor_service.set_extra_specs(_db(req), flavor_id, specs)
    return json_response({"extra_specs": specs})


def show_extra_spec(req, flavor_id, key):
    req.authorize(policies.EXTRA_SPECS_SHOW)
    specs = flavor_service.get(_db(req), flavor_id, context=req.context)["extra_specs"]
    if key not in specs:
        raise flavor_service.ExtraSpecNotFound(flavor_id=flavor_id, key=key)
    return json_response({key: specs[key]})


def update_extra_spec(req, flavor_id, key):
    body = req.json_body(schemas.EXTRA_SPEC)
    req.authorize(policies.EXTRA_SPECS_SET)
    if key not in body:
        raise exception.Invalid("The request body and URI do not match.")
    value = str(body[key])
    _validate(req, {key: value})
    flavor_service.set_extra_specs(_db(req), flavor_id, {key: value})
    return json_response({key: value})


def delete_extra_spec(req, flavor_id, key):
    req.authorize(policies.EXTRA_SPECS_DELETE)
    flavor_service.delete_extra_spec(_db(req), flavor_id, key)
    return json_response(None, status=202)

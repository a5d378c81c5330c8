"""Volume type handlers: ``/v3/types`` (list, create), ``/v3/types/{id}`` (show,
update, delete), ``/v3/types/default``, extra specs
(``/v3/types/{id}/extra_specs[/{key}]``) and the access list of private types
(``/v3/types/{id}/action``, ``/v3/types/{id}/os-volume-type-access``)."""

from __future__ import annotations

from sovra_block.api import listing, notifications
from sovra_block.api.policies import volume_type as policies
from sovra_block.api.schemas import common
from sovra_block.api.schemas import volume_type as schemas
from sovra_block.service import volume_type as type_service
from sovra_common import exception
from sovra_common.wsgi.routes import json_response

SORT_KEYS = ("id", "name", "description", "is_public")


def _db(req):
    return req.state.extras["db"]



def _may(req, rule: str) -> bool:
    """Whether the caller passes ``rule`` (for attributes only some may see)."""
    return req.state.enforcer.enforce(rule, {"project_id": req.context.project_id},
                                      req.context)


def view(req, row) -> dict:
    result = {
        "id": row.id, "name": row.name, "description": row.description,
        "is_public": row.is_public, "os-volume-type-access:is_public": row.is_public,
        "extra_specs": type_service.visible_extra_specs(
            row, _may(req, policies.ALL_EXTRA_SPECS)),
    }
    if _may(req, policies.QOS_SPECS_ID):
        result["qos_specs_id"] = row.qos_specs_id
    return result


def _is_public_filter(req, query) -> bool | None:
    """?is_public= (admins only): true (default), false, or none (all types)."""
    raw = query.get("is_public")
    if raw is None or not req.context.is_admin:
        return True
    if raw.lower() == "none":
        return None
    return common.to_bool(raw)


def list_types(req):
    req.authorize(policies.GET_ALL)
    query = req.query(schemas.LIST_QUERY)
    spec = listing.ListRequest(req, sort_keys=SORT_KEYS, filters=())
    with _db(req).reader() as session:
        items = [view(req, row) for row in type_service.list_types(
            session, req.context, _is_public_filter(req, query))]
    if "sort" in req.args or "sort_key" in req.args:
        items = spec.sort(items)
    items, more = spec.page(items)
    body = {"volume_types": items}
    if more and items:
        body["volume_type_links"] = listing.next_link(req, "types", items[-1]["id"])
    return json_response(body)


def show_type(req, volume_type_id):
    req.authorize(policies.GET)
    with _db(req).reader() as session:
        result = view(req, type_service.get(session, req.context, volume_type_id))
    return json_response({"volume_type": result})


def show_default_type(req):
    req.authorize(policies.GET)
    with _db(req).reader() as session:
        result = view(req, type_service.get_default(session, req.state.conf))
    return json_response({"volume_type": result})


def create_type(req):
    body = req.json_body(schemas.CREATE)["volume_type"]
    req.authorize(policies.CREATE)
    is_public = body.get("os-volume-type-access:is_public", body.get("is_public", True))
    with _db(req).writer() as session:
        row = type_service.create(
            session, name=body["name"].strip(), description=body.get("description"),
            is_public=common.to_bool(is_public), extra_specs=body.get("extra_specs"))
        result = view(req, row)
    notifications.info(req, "volume_type.create.end", {"volume_types": result})
    return json_response({"volume_type": result})


def update_type(req, volume_type_id):
    body = req.json_body(schemas.UPDATE)["volume_type"]
    req.authorize(policies.UPDATE)
    name = body.get("name")
    is_public = body.get("is_public")
    with _db(req).writer() as session:
        row = type_service.update(
            session, req.state.conf, req.context, volume_type_id,
            name=name.strip() if name is not None else None,
            description=body.get("description"),
            description_given="description" in body,
            is_public=common.to_bool(is_public) if is_public is not None else None)
        result = view(req, row)
    notifications.info(req, "volume_type.update.end", {"volume_types": result})
    return json_response({"volume_type": result})


def delete_type(req, volume_type_id):
    req.authorize(policies.DELETE)
    with _db(req).writer() as session:
        type_id = type_service.delete(session, req.state.conf, req.context,
                                      volume_type_id)
    notifications.info(req, "volume_type.delete.end", {"volume_types": {"id": type_id}})
    return json_response(None, status=202)


# --- extra specs ---------------------------------------------------------------

def list_extra_specs(req, volume_type_id):
    req.authorize(policies.EXTRA_SPECS_INDEX)
    with _db(req).reader() as session:
        row = type_service.get(session, req.context, volume_type_id)
        specs = type_service.visible_extra_specs(
            row, _may(req, policies.ALL_EXTRA_SPECS))
    return json_response({"extra_specs": specs})


def create_extra_specs(req, volume_type_id):
    specs = req.json_body(schemas.EXTRA_SPECS_CREATE)["extra_specs"]
    req.authorize(policies.EXTRA_SPECS_CREATE)
    with _db(req).writer() as session:
        type_service.set_extra_specs(session, req.context, volume_type_id, specs)
    notifications.info(req, "volume_type_extra_specs.create.end",
                       {"type_id": volume_type_id, "specs": specs})
    return json_response({"extra_specs": specs})


def show_extra_spec(req, volume_type_id, key):
    req.authorize(policies.EXTRA_SPECS_SHOW)
    with _db(req).reader() as session:
        row = type_service.get(session, req.context, volume_type_id)
        visible = type_service.visible_extra_specs(
            row, _may(req, policies.ALL_EXTRA_SPECS))
    if key not in visible:
        raise type_service.VolumeTypeExtraSpecNotFound(type_id=row.id, key=key)
    return json_response({key: visible[key]})


def update_extra_spec(req, volume_type_id, key):
    body = req.json_body(schemas.EXTRA_SPEC_UPDATE)
    req.authorize(policies.EXTRA_SPECS_UPDATE)
    if key not in body:
        raise exception.Invalid("Request body and URI mismatch")
    with _db(req).writer() as session:
        type_service.set_extra_specs(session, req.context, volume_type_id,
                                     {key: body[key]})
    notifications.info(req, "volume_type_extra_specs.create.end",
                       {"type_id": volume_type_id, "specs": {key: body[key]}})
    return json_response({key: body[key]})


def delete_extra_spec(req, volume_type_id, key):
    req.authorize(policies.EXTRA_SPECS_DELETE)
    with _db(req).writer() as session:
        type_service.delete_extra_spec(session, req.context, volume_type_id, key)
    notifications.info(req, "volume_type_extra_specs.delete.end",
                       {"type_id": volume_type_id, "id": key})
    return json_response(None, status=202)


# --- access to private types ------------------------------------------------------

def type_action(req, volume_type_id):
    """``{"addProjectAccess": {"project": ...}}`` or ``removeProjectAccess``."""
    body = req.json_body(schemas.ACTION)
    if "addProjectAccess" in body:
        req.authorize(policies.ADD_PROJECT)
        change, project = type_service.add_project, body["addProjectAccess"]["project"]
        event = "volume_type_project.access.add"
    else:
        req.authorize(policies.REMOVE_PROJECT)
        change = type_service.remove_project
        project = body["removeProjectAccess"]["project"]
        event = "volume_type_project.access.remove"
    with _db(req).writer() as session:
        change(session, req.context, volume_type_id, project)
    notifications.info(req, event, {"volume_type_id": volume_type_id,
                                    "project_id": project})
    return json_response(None, status=202)


def list_type_access(req, volume_type_id):
    req.authorize(policies.ACCESS_LIST)
    with _db(req).reader() as session:
        type_id, projects = type_service.access_list(session, req.context,
                                                     volume_type_id)
    return json_response({"volume_type_access": [
        {"volume_type_id": type_id, "project_id": p} for p in projects]})

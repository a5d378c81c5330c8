"""Image handlers: create, show, list, update (JSON patch), delete, (de)activate."""

from __future__ import annotations

import datetime
import urllib.parse

from sovra_common import exception
from sovra_common.wsgi import validation
from sovra_common.wsgi.routes import json_response
from sovra_image.api import notifications, views
from sovra_image.api.policies import image as policies
from sovra_image.api.schemas import image as schemas
from sovra_image.db.api import image as image_db
from sovra_image.service import image as image_service
from sovra_image.service import image_import, image_patch

_FILTER_KEYS = ("name", "id", "status", "visibility", "owner", "member_status", "tag",
                "size_min", "size_max", "disk_format", "container_format", "protected",
                "os_hidden", "created_at", "updated_at")
_PAGING_KEYS = ("limit", "marker", "sort", "sort_key", "sort_dir")


def _db(req):
    return req.state.extras["db"]


def _schemas(req) -> schemas.ImageSchemas:
    return req.state.extras["schemas"]


def _authorize_visibility(req, visibility, owner) -> None:
    if visibility == "public":
        req.authorize(policies.PUBLICIZE, {"project_id": owner or ""})
    elif visibility == "community":
        req.authorize(policies.COMMUNITIZE, {"project_id": owner or ""})


def _validate_values(req, core: dict, custom: dict) -> None:
    s = _schemas(req)
    validation.validate(s.core_values, core)
    validation.validate(s.custom_values, custom)


def create_image(req):
    body = req.json_body(schemas.CREATE_BODY)
    core = {k: v for k, v in body.items() if k in _schemas(req).writable}  # id too
    custom = {k: v for k, v in body.items() if k not in core}
    image_service.check_attribute_names(custom)
    _validate_values(req, core, custom)
    owner = core.get("owner") or req.context.project_id
    req.authorize(policies.ADD, {"project_id": owner or ""})
    _authorize_visibility(req, core.get("visibility"), owner)
    if core.get("owner") is None:
        core.pop("owner", None)
    image = image_service.create(_db(req), req.state.conf, req.context,
                                 {**core, **custom}, req.state.extras["limits"])
    headers = {"Location": f"{req.host_url}v2/images/{image.id}"}
    methods = image_import.offered_methods(req.state.conf, req.state.extras["store"])
    if methods:  # how clients learn that interoperable import is offered
        headers["OpenStack-image-import-methods"] = ",".join(methods)
    notifications.image_event(req, "create", image)
    return json_response(views.image(image), status=201, headers=headers)


def show_image(req, image_id):
    row, properties, tags, stores, target = image_service.shown(
        _db(req), req.context, image_id)
    req.authorize(policies.GET, target)
    return json_response(views.image_body(row, tags=tags, stores=stores,
                                          properties=properties))


def _bool(value: str) -> bool:
    return value.lower() == "true"


def _time_filters(values: list[str], key: str) -> list:
    parsed = []
    for value in values:
        op, sep, when = value.partition(":")
        if not sep or op not in ("eq", "neq", "gt", "gte", "lt", "lte"):
            op, when = "eq", value
        try:
            moment = datetime.datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            raise exception.Invalid(f"Invalid {key} filter value: {value}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        parsed.append((op, moment))
    return parsed


def _sort(query: dict) -> list[tuple[str, str]]:
    if "sort" in query and ("sort_key" in query or "sort_dir" in query):
        raise exception.Invalid("The 'sort' parameter cannot be combined with "
                                "'sort_key' or 'sort_dir'.")
    if "sort" in query:
        pairs = []
        for item in query["sort"].split(","):
            key, _, direction = item.strip().partition(":")
            pairs.append((key, direction or "desc"))
    else:
        keys = query.get("sort_key") or ["created_at"]
        dirs = query.get("sort_dir") or ["desc"]
        if len(dirs) == 1:
            dirs = dirs * len(keys)
        if len(dirs) != len(keys):
            raise exception.Invalid("The number of sort_dir values must be one or "
                                    "match the number of sort_key values.")
        pairs = list(zip(keys, dirs, strict=True))
    for key, direction in pairs:
        if key not in image_db.SORT_KEYS:
            raise exception.Invalid(f"Invalid sort key: {key}. It must be one of: "
                                    f"{', '.join(image_db.SORT_KEYS)}.")
        if direction not in ("asc", "desc"):
            raise exception.Invalid(f"Invalid sort direction: {direction}.")
    return pairs


def _filters(query: dict) -> tuple[dict, dict]:
    filters, properties = {}, {}
    for key, value in query.items():
        if key in _PAGING_KEYS:
            continue
        if key not in _FILTER_KEYS:
            properties[key] = value
        elif key in ("protected", "os_hidden"):
            filters[key] = _bool(value)
        elif key in ("size_min", "size_max"):
            filters[key] = int(value)
        elif key in ("created_at", "updated_at"):
            filters[key] = _time_filters(value, key)
        else:
            filters[key] = value
    return filters, properties


def list_images(req):
    query = req.query(schemas.LIST_QUERY)
    req.authorize(policies.LIST)
    limit = int(query["limit"]) if "limit" in query else None
    if limit is not None and limit < 0:
        raise exception.Invalid("limit param must be positive")
    filters, properties = _filters(query)
    images, limit = image_service.list_images(
        _db(req), req.state.conf, req.context, filters, properties, _sort(query),
        limit, query.get("marker"))
    params = [(k, v) for k, v in req.args.items(multi=True) if k != "marker"]
    first = "/v2/images" + (f"?{urllib.parse.urlencode(params)}" if params else "")
    body = {"images": [views.image(i) for i in images], "first": first,
            "schema": "/v2/schemas/images"}
    if images and len(images) == limit:
        params.append(("marker", images[-1].id))
        body["next"] = f"/v2/images?{urllib.parse.urlencode(params)}"
    return json_response(body)


def update_image(req, image_id):
    operations = req.json_body(schemas.PATCH, media_type=schemas.MEDIA_TYPE_PATCH)
    db = _db(req)
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.MODIFY, {"project_id": image.owner or ""})
    change = image_patch.apply(image, operations)
    _validate_values(req, {**change.core, **({"tags": change.tags}
                                             if change.tags is not None else {})},
                     change.properties)
    if "owner" in change.core:
        req.authorize(policies.MODIFY, {"project_id": change.core["owner"] or ""})
    if "visibility" in change.core:
        _authorize_visibility(req, change.core["visibility"], image.owner)
    updated = image_service.update(db, req.state.conf, req.context, image, change.core,
                                   change.properties, change.removed, change.tags)
    notifications.image_event(req, "update", updated)
    return json_response(views.image(updated))


def delete_image(req, image_id):
    db = _db(req)
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.DELETE, {"project_id": image.owner or ""})
    image_service.delete(db, req.state.extras["store"], image)
    image_import.discard_staged(req.state.conf, image.id)
    notifications.image_event(req, "delete", image)
    return json_response(None, status=204)


def deactivate_image(req, image_id):
    db = _db(req)
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.DEACTIVATE, {"project_id": image.owner or ""})
    image_service.deactivate(db, image)
    notifications.image_event(req, "deactivate",
                              image_service.get_visible(db, req.context, image_id))
    return json_response(None, status=204)


def reactivate_image(req, image_id):
    db = _db(req)
    image = image_service.get_visible(db, req.context, image_id)
    req.authorize(policies.REACTIVATE, {"project_id": image.owner or ""})
    image_service.reactivate(db, image)
    notifications.image_event(req, "reactivate",
                              image_service.get_visible(db, req.context, image_id))
    return json_response(None, status=204)

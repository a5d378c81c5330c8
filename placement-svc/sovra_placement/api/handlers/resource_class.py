"""/resource_classes (1.2; PUT creates from 1.7)."""

from sovra_common import exception
from sovra_placement.api import wire
from sovra_placement.api.policies import resource_class as policies
from sovra_placement.api.schemas import resource_class as schemas
from sovra_placement.service import resource_class as rc_service


def _db(req):
    return req.state.extras["db"]


def _view(name):
    return {"name": name, "links": [wire.link("self", f"/resource_classes/{name}")]}


def list_resource_classes(req):
    wire.require(req, "1.2")
    req.authorize(policies.LIST)
    classes = rc_service.list_classes(_db(req))
    return wire.respond(req, {"resource_classes": [_view(c.name) for c in classes]},
                        last_modified=wire.latest(*(c.updated_at or c.created_at
                                                    for c in classes)))


def show_resource_class(req, name):
    wire.require(req, "1.2")
    req.authorize(policies.SHOW)
    obj = rc_service.get_class(_db(req), name)
    return wire.respond(req, _view(obj.name), last_modified=obj.updated_at or obj.created_at)


def create_resource_class(req):
    wire.require(req, "1.2")
    body = req.json_body(schemas.CREATE)
    req.authorize(policies.CREATE)
    obj = rc_service.create_class(_db(req), body["name"])
    return wire.respond(req, None, status=201,
                        headers={"Location": f"/resource_classes/{obj.name}"})


def update_resource_class(req, name):
    wire.require(req, "1.2")
    if req.microversion.matches("1.7"):
        req.authorize(policies.UPDATE)
        if not name.startswith("CUSTOM_"):
            if rc_service.TABLE.is_standard(name):
                raise exception.Invalid(f"Cannot update standard resource class {name}")
        created = rc_service.ensure_class(_db(req), name)
        return wire.respond(req, None, status=201 if created else 204,
                            headers={"Location": f"/resource_classes/{name}"})
    body = req.json_body(schemas.UPDATE)
    req.authorize(policies.UPDATE)
    obj = rc_service.rename_class(_db(req), name, body["name"])
    return wire.respond(req, _view(obj.name))


def delete_resource_class(req, name):
    wire.require(req, "1.2")
    req.authorize(policies.DELETE)
    rc_service.delete_class(_db(req), name)
    return wire.respond(req, None, status=204)

"""/resource_providers/{uuid}/inventories[/{resource_class}]."""

from sovra_placement.api import wire
from sovra_placement.api.policies import inventory as policies
from sovra_placement.api.schemas import inventory as schemas
from sovra_placement.service import inventory as inv_service


def _db(req):
    return req.state.extras["db"]


def _full(req, record):
    return inv_service.with_defaults(
        record, reserved_may_equal_total=req.microversion.matches("1.26"))


def _one(rp, record):
    return {**record, "resource_provider_generation": rp.generation}


def list_inventories(req, uuid):
    req.authorize(policies.LIST)
    rp, inventories = inv_service.list_inventories(_db(req), uuid)
    return wire.respond(req, {"inventories": inventories,
                              "resource_provider_generation": rp.generation},
                        last_modified=rp.updated_at or rp.created_at)


def show_inventory(req, uuid, resource_class):
    req.authorize(policies.SHOW)
    rp, record = inv_service.show_inventory(_db(req), uuid, resource_class)
    return wire.respond(req, _one(rp, record), last_modified=rp.updated_at or rp.created_at)


def set_inventories(req, uuid):
    body = req.json_body(schemas.REPLACE)
    req.authorize(policies.UPDATE)
    records = {rc: _full(req, rec) for rc, rec in body["inventories"].items()}
    rp, inventories = inv_service.set_inventories(
        _db(req), uuid, body["resource_provider_generation"], records)
    return wire.respond(req, {"inventories": inventories,
                              "resource_provider_generation": rp.generation})


def create_inventory(req, uuid):
    body = req.json_body(schemas.CREATE)
    req.authorize(policies.CREATE)
    rc = body["resource_class"]
    rp, record = inv_service.add_inventory(_db(req), uuid,
                                           body["resource_provider_generation"], rc,
                                           _full(req, body))
    return wire.respond(req, _one(rp, record), status=201, headers={
        "Location": f"/resource_providers/{uuid}/inventories/{rc}"})


def update_inventory(req, uuid, resource_class):
    body = req.json_body(schemas.UPDATE_ONE)
    req.authorize(policies.UPDATE)
    rp, record = inv_service.update_inventory(_db(req), uuid,
                                              body["resource_provider_generation"],
                                              resource_class, _full(req, body))
    return wire.respond(req, _one(rp, record))


def delete_inventory(req, uuid, resource_class):
    req.authorize(policies.DELETE)
    inv_service.delete_inventory(_db(req), uuid, resource_class)
    return wire.respond(req, None, status=204)


def delete_inventories(req, uuid):
    wire.require(req, "1.5")
    req.authorize(policies.DELETE)
    inv_service.delete_inventories(_db(req), uuid)
    return wire.respond(req, None, status=204)

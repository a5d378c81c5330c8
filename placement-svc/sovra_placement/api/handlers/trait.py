"""/traits and /resource_providers/{uuid}/traits (1.6)."""

from sovra_common import exception
from sovra_placement.api import query_params, wire
from sovra_placement.api.policies import trait as policies
from sovra_placement.api.schemas import trait as schemas
from sovra_placement.service import trait as trait_service


def _db(req):
    return req.state.extras["db"]


def list_traits(req):
    wire.require(req, "1.6")
    query_params.unknown(req, ["name", "associated"])
    req.authorize(policies.LIST)
    names = prefix = associated = None
    name = query_params.single(req, "name")
    if name is not None:
        if name.startswith("in:"):
            names = {n.strip() for n in name[3:].split(",") if n.strip()}
        elif name.startswith("startswith:"):
            prefix = name[len("startswith:"):]
        else:
            raise exception.Invalid(f"Badly formatted name parameter. Expected name query "
                                    f"string parameter in form: ?name=[in|startswith]:"
                                    f"[name1,name2|prefix]. Got: \"{name}\"")
    value = query_params.single(req, "associated")
    if value is not None:
        if value.lower() not in ("true", "false"):
            raise exception.Invalid(f"The query parameter \"associated\" only accepts "
                                    f"\"true\" or \"false\", got \"{value}\"")
        associated = value.lower() == "true"
    traits = trait_service.list_traits(_db(req), names=names, prefix=prefix,
                                       associated=associated)
    return wire.respond(req, {"traits": traits})


def show_trait(req, name):
    wire.require(req, "1.6")
    req.authorize(policies.SHOW)
    if not trait_service.trait_exists(_db(req), name):
        raise exception.NotFound(f"No such trait(s): {name}.")
    return wire.respond(req, None, status=204)


def update_trait(req, name):
    wire.require(req, "1.6")
    req.authorize(policies.UPDATE)
    created = trait_service.ensure_trait(_db(req), name)
    return wire.respond(req, None, status=201 if created else 204,
                        headers={"Location": f"/traits/{name}"})


def delete_trait(req, name):
    wire.require(req, "1.6")
    req.authorize(policies.DELETE)
    trait_service.delete_trait(_db(req), name)
    return wire.respond(req, None, status=204)


def list_provider_traits(req, uuid):
    wire.require(req, "1.6")
    req.authorize(policies.RP_LIST)
    rp, traits = trait_service.get_provider_traits(_db(req), uuid)
    return wire.respond(req, {"traits": traits,
                              "resource_provider_generation": rp.generation},
                        last_modified=rp.updated_at or rp.created_at)


def set_provider_traits(req, uuid):
    wire.require(req, "1.6")
    body = req.json_body(schemas.SET_PROVIDER_TRAITS)
    req.authorize(policies.RP_UPDATE)
    rp, traits = trait_service.set_provider_traits(
        _db(req), uuid, body["traits"], body["resource_provider_generation"])
    return wire.respond(req, {"traits": traits,
                              "resource_provider_generation": rp.generation})


def delete_provider_traits(req, uuid):
    wire.require(req, "1.6")
    req.authorize(policies.RP_DELETE)
    trait_service.delete_provider_traits(_db(req), uuid)
    return wire.respond(req, None, status=204)

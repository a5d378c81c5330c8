"""/resource_providers and /resource_providers/{uuid}."""

from sovra_common import exception
from sovra_placement.api import query_params, wire
from sovra_placement.api.policies import resource_provider as policies
from sovra_placement.api.schemas import resource_provider as schemas
from sovra_placement.service import resource_provider as rp_service


def _db(req):
    return req.state.extras["db"]


def view(req, rp: dict) -> dict:
    base = f"/resource_providers/{rp['uuid']}"
    links = [wire.link("self", base), wire.link("inventories", f"{base}/inventories"),
             wire.link("usages", f"{base}/usages")]
    version = req.microversion
    if version.matches("1.1"):
        links.append(wire.link("aggregates", f"{base}/aggregates"))
    if version.matches("1.6"):
        links.append(wire.link("traits", f"{base}/traits"))
    if version.matches("1.11"):
        links.append(wire.link("allocations", f"{base}/allocations"))
    shown = {"uuid": rp["uuid"], "name": rp["name"], "generation": rp["generation"],
             "links": links}
    if version.matches("1.14"):
        shown["parent_provider_uuid"] = rp["parent_provider_uuid"]
        shown["root_provider_uuid"] = rp["root_provider_uuid"]
    return shown


_LIST_PARAMS = [("name", "1.0"), ("uuid", "1.0"), ("member_of", "1.3"),
                ("resources", "1.4"), ("in_tree", "1.14"), ("required", "1.18")]


def list_resource_providers(req):
    version = req.microversion
    query_params.unknown(req, [n for n, v in _LIST_PARAMS if version.matches(v)])
    req.authorize(policies.LIST)
    uuid = query_params.single(req, "uuid")
    if uuid is not None and not query_params.is_uuid(uuid):
        raise exception.Invalid(f"Invalid query string parameters: Invalid uuid value: "
                                f"{uuid}")
    in_tree = query_params.single(req, "in_tree")
    if in_tree is not None and not query_params.is_uuid(in_tree):
        raise exception.Invalid(f"Invalid uuid value: {in_tree}")
    member_of, forbidden_aggs = query_params.member_of(
        query_params.values(req, "member_of", repeatable=version.matches("1.24")),
        allow_forbidden=version.matches("1.32"))
    required, forbidden = query_params.required(
        query_params.values(req, "required", repeatable=version.matches("1.39")),
        allow_forbidden=version.matches("1.22"), allow_any=version.matches("1.39"))
    resources = req.args.get("resources")
    rps = rp_service.list_providers(
        _db(req), name=query_params.single(req, "name"), uuid=uuid, in_tree=in_tree,
        member_of=member_of, forbidden_aggs=forbidden_aggs,
        resources=query_params.resources(resources) if resources is not None else None,
        required=required, forbidden=forbidden)
    return wire.respond(req, {"resource_providers": [view(req, rp) for rp in rps]},
                        last_modified=wire.latest(*(rp["updated_at"] for rp in rps)))


def create_resource_provider(req):
    version = req.microversion
    body = req.json_body(schemas.CREATE_V1_14 if version.matches("1.14")
                         else schemas.CREATE_V1_0)
    req.authorize(policies.CREATE)
    rp = rp_service.create(_db(req), body["name"], uuid=body.get("uuid"),
                           parent_uuid=body.get("parent_provider_uuid"))
    location = f"/resource_providers/{rp['uuid']}"
    if version.matches("1.20"):
        return wire.respond(req, view(req, rp), headers={"Location": location})
    return wire.respond(req, None, status=201, headers={"Location": location})


def show_resource_provider(req, uuid):
    req.authorize(policies.SHOW)
    rp = rp_service.show(_db(req), uuid)
    return wire.respond(req, view(req, rp), last_modified=rp["updated_at"])


def update_resource_provider(req, uuid):
    version = req.microversion
    body = req.json_body(schemas.UPDATE_V1_14 if version.matches("1.14")
                         else schemas.UPDATE_V1_0)
    req.authorize(policies.UPDATE)
    rp = rp_service.update(_db(req), uuid, body["name"],
                           body.get("parent_provider_uuid"),
                           set_parent="parent_provider_uuid" in body,
                           allow_reparent=version.matches("1.37"))
    return wire.respond(req, view(req, rp))


def delete_resource_provider(req, uuid):
    req.authorize(policies.DELETE)
    rp_service.delete(_db(req), uuid)
    return wire.respond(req, None, status=204)

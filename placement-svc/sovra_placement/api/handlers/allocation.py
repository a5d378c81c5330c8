"""/allocations/{consumer_uuid}, POST /allocations (1.13) and
/resource_providers/{uuid}/allocations."""

from sovra_placement.api import wire
from sovra_placement.api.policies import allocation as policies
from sovra_placement.api.schemas import allocation as schemas
from sovra_placement.service import allocation as alloc_service

# Consumers written before 1.8 may lack a project or user: they get these.
INCOMPLETE_PROJECT = "00000000-0000-0000-0000-000000000000"
INCOMPLETE_USER = "00000000-0000-0000-0000-000000000000"


def _db(req):
    return req.state.extras["db"]


def to_request(req, consumer_uuid, body) -> alloc_service.ConsumerAllocations:
    """One consumer's body (any microversion's shape) as a ConsumerAllocations."""
    version = req.microversion
    raw = body["allocations"]
    if isinstance(raw, list):
        allocations = {}
        for item in raw:
            per_rp = allocations.setdefault(item["resource_provider"]["uuid"], {})
            per_rp.update(item["resources"])
    else:
        allocations = {rp: dict(v["resources"]) for rp, v in raw.items()}
    return alloc_service.ConsumerAllocations(
        consumer_uuid, allocations,
        project_id=body.get("project_id") or INCOMPLETE_PROJECT,
        user_id=body.get("user_id") or INCOMPLETE_USER,
        generation=body.get("consumer_generation"),
        check_generation=version.matches("1.28"),
        consumer_type=body.get("consumer_type"))


def list_for_consumer(req, consumer_uuid):
    req.authorize(policies.LIST)
    version = req.microversion
    consumer, allocations, ctype = alloc_service.get_consumer_allocations(
        _db(req), consumer_uuid)
    body = {"allocations": allocations}
    if consumer is not None and version.matches("1.12"):
        body["project_id"] = consumer.project_id
        body["user_id"] = consumer.user_id
        if version.matches("1.28"):
            body["consumer_generation"] = consumer.generation
        if version.matches("1.38"):
            body["consumer_type"] = ctype or "unknown"
    return wire.respond(req, body)


def set_allocations(req, consumer_uuid):
    body = req.json_body(schemas.put_schema(req.microversion))
    req.authorize(policies.UPDATE)
    alloc_service.replace_all(_db(req), [to_request(req, consumer_uuid, body)])
    return wire.respond(req, None, status=204)


def set_allocations_for_many(req):
    wire.require(req, "1.13")
    body = req.json_body(schemas.post_schema(req.microversion))
    req.authorize(policies.MANAGE)
    alloc_service.replace_all(_db(req), [to_request(req, uuid, per_consumer)
                                         for uuid, per_consumer in body.items()])
    return wire.respond(req, None, status=204)


def delete_allocations(req, consumer_uuid):
    req.authorize(policies.DELETE)
    alloc_service.delete_consumer_allocations(_db(req), consumer_uuid)
    return wire.respond(req, None, status=204)


def list_for_resource_provider(req, uuid):
    req.authorize(policies.RP_LIST)
    rp, allocations = alloc_service.get_provider_allocations(_db(req), uuid)
    return wire.respond(req, {"allocations": allocations,
                              "resource_provider_generation": rp.generation})

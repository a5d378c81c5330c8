"""/resource_providers/{uuid}/aggregates (1.1; generations from 1.19)."""

from sovra_placement.api import wire
from sovra_placement.api.policies import aggregate as policies
from sovra_placement.api.schemas import aggregate as schemas
from sovra_placement.service import aggregate as agg_service


def _body(req, rp, aggregates):
    if req.microversion.matches("1.19"):
        return {"aggregates": aggregates, "resource_provider_generation": rp.generation}
    return {"aggregates": aggregates}


def get_aggregates(req, uuid):
    wire.require(req, "1.1")
    req.authorize(policies.LIST)
    rp, aggregates = agg_service.get_aggregates(req.state.extras["db"], uuid)
    return wire.respond(req, _body(req, rp, aggregates),
                        last_modified=rp.updated_at or rp.created_at)


def set_aggregates(req, uuid):
    wire.require(req, "1.1")
    with_generation = req.microversion.matches("1.19")
    body = req.json_body(schemas.UPDATE_V1_19 if with_generation else schemas.UPDATE_V1_1)
    req.authorize(policies.UPDATE)
    if with_generation:
        aggregates, generation = body["aggregates"], body["resource_provider_generation"]
    else:
        aggregates, generation = body, None
    rp, aggregates = agg_service.set_aggregates(req.state.extras["db"], uuid, aggregates,
                                                generation)
    return wire.respond(req, _body(req, rp, aggregates))

"""POST /reshaper (1.30)."""

from sovra_placement.api import wire
from sovra_placement.api.handlers.allocation import to_request
from sovra_placement.api.handlers.inventory import _full
from sovra_placement.api.policies import reshaper as policies
from sovra_placement.api.schemas import reshaper as schemas
from sovra_placement.service import reshaper as reshaper_service


def reshape(req):
    wire.require(req, "1.30")
    version = req.microversion
    schema = (schemas.RESHAPE_V1_38 if version.matches("1.38") else
              schemas.RESHAPE_V1_34 if version.matches("1.34") else schemas.RESHAPE_V1_30)
    body = req.json_body(schema)
    req.authorize(policies.RESHAPE)
    inventories = {uuid: (entry["resource_provider_generation"],
                          {rc: _full(req, rec) for rc, rec in entry["inventories"].items()})
                   for uuid, entry in body["inventories"].items()}
    allocations = [to_request(req, uuid, per_consumer)
                   for uuid, per_consumer in body["allocations"].items()]
    reshaper_service.reshape(req.state.extras["db"], inventories, allocations)
    return wire.respond(req, None, status=204)

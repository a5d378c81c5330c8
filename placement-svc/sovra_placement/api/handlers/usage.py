"""/resource_providers/{uuid}/usages and /usages (1.9; per consumer type 1.38)."""

from sovra_common import exception
from sovra_placement.api import query_params, wire
from sovra_placement.api.policies import usage as policies
from sovra_placement.service import usage as usage_service


def get_provider_usages(req, uuid):
    req.authorize(policies.PROVIDER_USAGES)
    rp, usages = usage_service.provider_usages(req.state.extras["db"], uuid)
    return wire.respond(req, {"usages": usages,
                              "resource_provider_generation": rp.generation})


def get_total_usages(req):
    wire.require(req, "1.9")
    by_type = req.microversion.matches("1.38")
    query_params.unknown(req, ["project_id", "user_id"] + (["consumer_type"] if by_type
                                                          else []))
    project_id = query_params.single(req, "project_id")
    if not project_id:
        raise exception.Invalid("Invalid query string parameters: 'project_id' is a "
                                "required property")
    user_id = query_params.single(req, "user_id")
    req.authorize(policies.PROJECT_USAGES, {"project_id": project_id,
                                            "user_id": user_id})
    db = req.state.extras["db"]
    if by_type:
        usages = usage_service.project_usages_by_type(
            db, project_id, user_id, query_params.single(req, "consumer_type"))
    else:
        usages = usage_service.project_usages(db, project_id, user_id)
    return wire.respond(req, {"usages": usages})

from oslo_policy import policy as oslo_policy

from sovra_network.api.policies import base

GET = "get_router"
CREATE = "create_router"
UPDATE = "update_router"
DELETE = "delete_router"
CREATE_GW_SNAT = "create_router:external_gateway_info:enable_snat"
CREATE_GW_FIXED_IPS = "create_router:external_gateway_info:external_fixed_ips"
UPDATE_GW_SNAT = "update_router:external_gateway_info:enable_snat"
UPDATE_GW_FIXED_IPS = "update_router:external_gateway_info:external_fixed_ips"
ADD_INTERFACE = "add_router_interface"
REMOVE_INTERFACE = "remove_router_interface"
ADD_EXTRAROUTES = "add_extraroutes"
REMOVE_EXTRAROUTES = "remove_extraroutes"

_PATH = "/v2.0/routers"
_ITEM = _PATH + "/{id}"

RULES = [
    *base.crud("router", _PATH),
    oslo_policy.DocumentedRuleDefault(
        CREATE_GW_SNAT, base.ADMIN,
        "Choose whether a new router's gateway SNATs (enable_snat).",
        [{"method": "POST", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE_GW_FIXED_IPS, base.ADMIN,
        "Choose a new router's gateway addresses (external_fixed_ips).",
        [{"method": "POST", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE_GW_SNAT, base.ADMIN,
        "Choose whether a router's gateway SNATs (enable_snat).",
        [{"method": "PUT", "path": _ITEM}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE_GW_FIXED_IPS, base.ADMIN,
        "Choose a router's gateway addresses (external_fixed_ips).",
        [{"method": "PUT", "path": _ITEM}]),
    oslo_policy.DocumentedRuleDefault(
        ADD_INTERFACE, base.OWNER_MEMBER, "Add an interface (subnet or port) to a "
        "router.", [{"method": "PUT", "path": _ITEM + "/add_router_interface"}]),
    oslo_policy.DocumentedRuleDefault(
        REMOVE_INTERFACE, base.OWNER_MEMBER, "Remove an interface from a router.",
        [{"method": "PUT", "path": _ITEM + "/remove_router_interface"}]),
    oslo_policy.DocumentedRuleDefault(
        ADD_EXTRAROUTES, base.OWNER_MEMBER, "Add extra routes to a router.",
        [{"method": "PUT", "path": _ITEM + "/add_extraroutes"}]),
    oslo_policy.DocumentedRuleDefault(
        REMOVE_EXTRAROUTES, base.OWNER_MEMBER, "Remove extra routes from a router.",
        [{"method": "PUT", "path": _ITEM + "/remove_extraroutes"}]),
]

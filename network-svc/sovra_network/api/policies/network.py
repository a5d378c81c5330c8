from oslo_policy import policy as oslo_policy

from sovra_network.api.policies import base

GET = "get_network"
CREATE = "create_network"
UPDATE = "update_network"
DELETE = "delete_network"
CREATE_SHARED = "create_network:shared"
CREATE_EXTERNAL = "create_network:router:external"
CREATE_PROVIDER = "create_network:provider"
UPDATE_SHARED = "update_network:shared"
UPDATE_EXTERNAL = "update_network:router:external"
GET_PROVIDER = "get_network:provider"

_PATH = "/v2.0/networks"

RULES = [
    *base.crud("network", _PATH, get=f"{base.SHARED_READER} or "
               "(role:reader and rule:network_external)"),
    oslo_policy.RuleDefault("network_external", "'True':%(router:external)s",
                            "The target network is external (routers' gateways)."),
    oslo_policy.DocumentedRuleDefault(
        CREATE_SHARED, base.ADMIN, "Create a shared network.",
        [{"method": "POST", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE_EXTERNAL, base.ADMIN, "Create an external network.",
        [{"method": "POST", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE_PROVIDER, base.ADMIN,
        "Create a network with provider attributes (type, physnet, VNI).",
        [{"method": "POST", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE_SHARED, base.ADMIN, "Share or unshare a network.",
        [{"method": "PUT", "path": _PATH + "/{id}"}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE_EXTERNAL, base.ADMIN, "Make a network external or not.",
        [{"method": "PUT", "path": _PATH + "/{id}"}]),
    oslo_policy.DocumentedRuleDefault(
        GET_PROVIDER, base.ADMIN, "See a network's provider attributes.",
        [{"method": "GET", "path": _PATH + "/{id}"}]),
]

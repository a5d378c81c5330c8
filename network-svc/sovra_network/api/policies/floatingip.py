from oslo_policy import policy as oslo_policy

from sovra_network.api.policies import base

GET = "get_floatingip"
CREATE = "create_floatingip"
UPDATE = "update_floatingip"
DELETE = "delete_floatingip"
CREATE_ADDRESS = "create_floatingip:floating_ip_address"

_PATH = "/v2.0/floatingips"

RULES = [
    *base.crud("floatingip", _PATH, what="floating IP"),
    oslo_policy.DocumentedRuleDefault(
        CREATE_ADDRESS, base.ADMIN, "Choose a new floating IP's address.",
        [{"method": "POST", "path": _PATH}]),
]

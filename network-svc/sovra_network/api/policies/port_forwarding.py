"""Port forwardings belong to their floating IP: the target is its project."""

from oslo_policy import policy as oslo_policy

from sovra_network.api.policies import base

GET = "get_floatingip_port_forwarding"
CREATE = "create_floatingip_port_forwarding"
UPDATE = "update_floatingip_port_forwarding"
DELETE = "delete_floatingip_port_forwarding"

_PATH = "/v2.0/floatingips/{floatingip_id}/port_forwardings"
_ITEM = _PATH + "/{port_forwarding_id}"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        GET, base.OWNER_READER, "List a floating IP's port forwardings, or show one.",
        [{"method": "GET", "path": _PATH}, {"method": "GET", "path": _ITEM}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE, base.OWNER_MEMBER, "Create a floating IP port forwarding.",
        [{"method": "POST", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE, base.OWNER_MEMBER, "Update a floating IP port forwarding.",
        [{"method": "PUT", "path": _ITEM}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, base.OWNER_MEMBER, "Delete a floating IP port forwarding.",
        [{"method": "DELETE", "path": _ITEM}]),
]

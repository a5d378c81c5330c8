"""Policies of os-server-external-events (other services' news of servers)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

CREATE = "compute:os-server-external-events:create"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        CREATE, policy.ADMIN_OR_SERVICE,
        "Send servers events (network-vif-plugged, volume-extended...): how the "
        "network and block storage services tell compute of a port or volume.",
        [{"method": "POST", "path": "/os-server-external-events"}]),
]

"""Policies of a server's NUMA topology (/servers/{server_id}/topology, 2.78)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

SHOW = "compute:server:topology:index"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN, "Show a server's NUMA topology.",
        [{"method": "GET", "path": "/servers/{server_id}/topology"}]),
]

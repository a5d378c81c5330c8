"""Policies of hypervisors (os-hypervisors)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:os-hypervisors:list"
SHOW = "compute:os-hypervisors:show"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.ADMIN, "List hypervisors (and their statistics).",
        [{"method": "GET", "path": "/os-hypervisors"}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.ADMIN, "Show a hypervisor.",
        [{"method": "GET", "path": "/os-hypervisors/{hypervisor_id}"}]),
]

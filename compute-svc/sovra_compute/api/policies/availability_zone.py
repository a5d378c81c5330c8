"""Policies of availability zones (os-availability-zone)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:availability_zone:list"
DETAIL = "compute:availability_zone:detail"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.PROJECT_READER_OR_ADMIN, "List availability zones.",
        [{"method": "GET", "path": "/os-availability-zone"}]),
    oslo_policy.DocumentedRuleDefault(
        DETAIL, policy.ADMIN, "List availability zones with their hosts.",
        [{"method": "GET", "path": "/os-availability-zone/detail"}]),
]

"""Policies of usage reports (os-simple-tenant-usage)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:os-simple-tenant-usage:list"
SHOW = "compute:os-simple-tenant-usage:show"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.ADMIN, "Report every project's usage of a period.",
        [{"method": "GET", "path": "/os-simple-tenant-usage"}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN, "Report a project's usage of a period.",
        [{"method": "GET", "path": "/os-simple-tenant-usage/{tenant_id}"}]),
]

"""Policies of limits and quota sets."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIMITS = "compute:limits"
SHOW = "compute:os-quota-sets:show"
UPDATE = "compute:os-quota-sets:update"
DEFAULTS = "compute:os-quota-sets:defaults"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIMITS, policy.PROJECT_READER_OR_ADMIN,
        "Show the caller's project's limits and usage.",
        [{"method": "GET", "path": "/limits"}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN,
        "Show a project's quotas.",
        [{"method": "GET", "path": "/os-quota-sets/{project_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE, policy.ADMIN,
        "Set a project's quotas.",
        [{"method": "PUT", "path": "/os-quota-sets/{project_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        DEFAULTS, policy.PROJECT_READER_OR_ADMIN,
        "Show the default quotas.",
        [{"method": "GET", "path": "/os-quota-sets/{project_id}/defaults"}]),
]

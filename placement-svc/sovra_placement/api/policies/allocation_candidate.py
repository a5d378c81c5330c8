"""Policy rules for allocation candidate APIs: admins and services (the api-ref's
defaults)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "placement:allocation_candidates:list"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST,
        policy.ADMIN_OR_SERVICE,
        "List allocation candidates.",
        [{"method": "GET", "path": "/allocation_candidates"}],
    ),
]

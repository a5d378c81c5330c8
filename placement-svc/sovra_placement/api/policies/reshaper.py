"""Policy rules for reshaper APIs: admins and services (the api-ref's
defaults)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

RESHAPE = "placement:reshaper:reshape"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        RESHAPE,
        policy.ADMIN_OR_SERVICE,
        "Move inventories and allocations atomically.",
        [{"method": "POST", "path": "/reshaper"}],
    ),
]

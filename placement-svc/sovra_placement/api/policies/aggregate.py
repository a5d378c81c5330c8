"""Policy rules for aggregate APIs: admins and services (the api-ref's
defaults)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "placement:resource_providers:aggregates:list"
UPDATE = "placement:resource_providers:aggregates:update"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST,
        policy.ADMIN_OR_SERVICE,
        "List a provider's aggregates.",
        [{"method": "GET", "path": "/resource_providers/{uuid}/aggregates"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        UPDATE,
        policy.ADMIN_OR_SERVICE,
        "Replace a provider's aggregates.",
        [{"method": "PUT", "path": "/resource_providers/{uuid}/aggregates"}],
    ),
]

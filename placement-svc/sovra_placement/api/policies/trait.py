"""Policy rules for trait APIs: admins and services (the api-ref's
defaults)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "placement:traits:list"
SHOW = "placement:traits:show"
UPDATE = "placement:traits:update"
DELETE = "placement:traits:delete"
RP_LIST = "placement:resource_providers:traits:list"
RP_UPDATE = "placement:resource_providers:traits:update"
RP_DELETE = "placement:resource_providers:traits:delete"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.ADMIN_OR_SERVICE, "List traits.", [{"method": "GET", "path": "/traits"}]
    ),
    oslo_policy.DocumentedRuleDefault(
        SHOW,
        policy.ADMIN_OR_SERVICE,
        "Check that a trait exists.",
        [{"method": "GET", "path": "/traits/{name}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        UPDATE,
        policy.ADMIN_OR_SERVICE,
        "Create a custom trait.",
        [{"method": "PUT", "path": "/traits/{name}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        DELETE,
        policy.ADMIN_OR_SERVICE,
        "Delete a custom trait.",
        [{"method": "DELETE", "path": "/traits/{name}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        RP_LIST,
        policy.ADMIN_OR_SERVICE,
        "List a provider's traits.",
        [{"method": "GET", "path": "/resource_providers/{uuid}/traits"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        RP_UPDATE,
        policy.ADMIN_OR_SERVICE,
        "Replace a provider's traits.",
        [{"method": "PUT", "path": "/resource_providers/{uuid}/traits"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        RP_DELETE,
        policy.ADMIN_OR_SERVICE,
        "Remove a provider's traits.",
        [{"method": "DELETE", "path": "/resource_providers/{uuid}/traits"}],
    ),
]

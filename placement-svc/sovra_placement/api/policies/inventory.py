"""Policy rules for inventory APIs: admins and services (the api-ref's
defaults)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "placement:resource_providers:inventories:list"
CREATE = "placement:resource_providers:inventories:create"
SHOW = "placement:resource_providers:inventories:show"
UPDATE = "placement:resource_providers:inventories:update"
DELETE = "placement:resource_providers:inventories:delete"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST,
        policy.ADMIN_OR_SERVICE,
        "List a provider's inventories.",
        [{"method": "GET", "path": "/resource_providers/{uuid}/inventories"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        CREATE,
        policy.ADMIN_OR_SERVICE,
        "Add one inventory to a provider.",
        [{"method": "POST", "path": "/resource_providers/{uuid}/inventories"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        SHOW,
        policy.ADMIN_OR_SERVICE,
        "Show one inventory of a provider.",
        [{"method": "GET", "path": "/resource_providers/{uuid}/inventories/{resource_class}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        UPDATE,
        policy.ADMIN_OR_SERVICE,
        "Replace or update a provider's inventories.",
        [{"method": "PUT", "path": "/resource_providers/{uuid}/inventories"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        DELETE,
        policy.ADMIN_OR_SERVICE,
        "Delete a provider's inventories.",
        [{"method": "DELETE", "path": "/resource_providers/{uuid}/inventories"}],
    ),
]

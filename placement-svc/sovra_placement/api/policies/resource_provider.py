"""Policy rules for resource provider APIs: admins and services (the api-ref's
defaults)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "placement:resource_providers:list"
CREATE = "placement:resource_providers:create"
SHOW = "placement:resource_providers:show"
UPDATE = "placement:resource_providers:update"
DELETE = "placement:resource_providers:delete"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST,
        policy.ADMIN_OR_SERVICE,
        "List resource providers.",
        [{"method": "GET", "path": "/resource_providers"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        CREATE,
        policy.ADMIN_OR_SERVICE,
        "Create a resource provider.",
        [{"method": "POST", "path": "/resource_providers"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        SHOW,
        policy.ADMIN_OR_SERVICE,
        "Show a resource provider.",
        [{"method": "GET", "path": "/resource_providers/{uuid}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        UPDATE,
        policy.ADMIN_OR_SERVICE,
        "Update a resource provider.",
        [{"method": "PUT", "path": "/resource_providers/{uuid}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        DELETE,
        policy.ADMIN_OR_SERVICE,
        "Delete a resource provider.",
        [{"method": "DELETE", "path": "/resource_providers/{uuid}"}],
    ),
]

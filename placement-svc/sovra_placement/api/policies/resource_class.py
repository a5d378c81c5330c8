"""Policy rules for resource class APIs: admins and services (the api-ref's
defaults)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "placement:resource_classes:list"
CREATE = "placement:resource_classes:create"
SHOW = "placement:resource_classes:show"
UPDATE = "placement:resource_classes:update"
DELETE = "placement:resource_classes:delete"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST,
        policy.ADMIN_OR_SERVICE,
        "List resource classes.",
        [{"method": "GET", "path": "/resource_classes"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        CREATE,
        policy.ADMIN_OR_SERVICE,
        "Create a custom resource class.",
        [{"method": "POST", "path": "/resource_classes"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        SHOW,
        policy.ADMIN_OR_SERVICE,
        "Show a resource class.",
        [{"method": "GET", "path": "/resource_classes/{name}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        UPDATE,
        policy.ADMIN_OR_SERVICE,
        "Create or rename a custom resource class.",
        [{"method": "PUT", "path": "/resource_classes/{name}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        DELETE,
        policy.ADMIN_OR_SERVICE,
        "Delete a custom resource class.",
        [{"method": "DELETE", "path": "/resource_classes/{name}"}],
    ),
]

"""Policy rules for allocation APIs: admins and services (the api-ref's
defaults)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "placement:allocations:list"
MANAGE = "placement:allocations:manage"
UPDATE = "placement:allocations:update"
DELETE = "placement:allocations:delete"
RP_LIST = "placement:resource_providers:allocations:list"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST,
        policy.ADMIN_OR_SERVICE,
        "Show a consumer's allocations.",
        [{"method": "GET", "path": "/allocations/{consumer_uuid}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        MANAGE,
        policy.ADMIN_OR_SERVICE,
        "Write allocations of many consumers.",
        [{"method": "POST", "path": "/allocations"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        UPDATE,
        policy.ADMIN_OR_SERVICE,
        "Replace a consumer's allocations.",
        [{"method": "PUT", "path": "/allocations/{consumer_uuid}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        DELETE,
        policy.ADMIN_OR_SERVICE,
        "Delete a consumer's allocations.",
        [{"method": "DELETE", "path": "/allocations/{consumer_uuid}"}],
    ),
    oslo_policy.DocumentedRuleDefault(
        RP_LIST,
        policy.ADMIN_OR_SERVICE,
        "List the allocations against a provider.",
        [{"method": "GET", "path": "/resource_providers/{uuid}/allocations"}],
    ),
]

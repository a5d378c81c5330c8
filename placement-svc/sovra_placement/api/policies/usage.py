"""Policy rules for usage APIs: admins and services (the api-ref's
defaults)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

PROVIDER_USAGES = "placement:resource_providers:usages"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        PROVIDER_USAGES,
        policy.ADMIN_OR_SERVICE,
        "Show a provider's usages.",
        [{"method": "GET", "path": "/resource_providers/{uuid}/usages"}],
    ),
]

# GET /usages is about one project: its readers may see it (the api-ref's default).
PROJECT_USAGES = "placement:usages"
RULES.append(
    oslo_policy.DocumentedRuleDefault(
        PROJECT_USAGES,
        policy.PROJECT_READER_OR_ADMIN + " or " + policy.SERVICE,
        "Show a project's (or user's) usages.",
        [{"method": "GET", "path": "/usages"}],
    )
)

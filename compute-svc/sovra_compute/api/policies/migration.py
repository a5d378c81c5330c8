"""Policies of the migrations list (os-migrations)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "os_compute_api:os-migrations:index"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.ADMIN,
        "List the migrations (cold migrations and resizes) of every server.",
        [{"method": "GET", "path": "/os-migrations"}]),
]

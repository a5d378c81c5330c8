"""Shorthand for declaring rules."""

from oslo_policy import policy as oslo_policy

ADMIN = "rule:admin_api"
ADMIN_OR_SYSTEM_READER = "rule:admin_api or rule:identity:system_reader"
ADMIN_OR_READER_OF_DOMAIN = (
    "rule:admin_api or rule:identity:system_reader or rule:identity:domain_reader")
ALWAYS = "@"


def rule(name, check, description, method, path):
    return oslo_policy.DocumentedRuleDefault(name, check, description,
                                             [{"method": method, "path": path}])

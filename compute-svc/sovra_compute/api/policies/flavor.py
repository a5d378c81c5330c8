"""Policies of flavors and their extra specs."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:flavors:index"
SHOW = "compute:flavors:show"
CREATE = "compute:flavors:create"
UPDATE = "compute:flavors:update"
DELETE = "compute:flavors:delete"
EXTRA_SPECS_SHOW = "compute:flavors:extra_specs:show"
EXTRA_SPECS_SET = "compute:flavors:extra_specs:set"
EXTRA_SPECS_DELETE = "compute:flavors:extra_specs:delete"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.PROJECT_READER_OR_ADMIN,
        "List flavors.",
        [{"method": "GET", "path": "/flavors"}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN,
        "Show a flavor.",
        [{"method": "GET", "path": "/flavors/{flavor_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE, policy.ADMIN,
        "Create a flavor.",
        [{"method": "POST", "path": "/flavors"}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE, policy.ADMIN,
        "Change a flavor's description (2.55).",
        [{"method": "PUT", "path": "/flavors/{flavor_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.ADMIN,
        "Delete a flavor.",
        [{"method": "DELETE", "path": "/flavors/{flavor_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        EXTRA_SPECS_SHOW, policy.PROJECT_READER_OR_ADMIN,
        "Read a flavor's extra specs.",
        [{"method": "GET", "path": "/flavors/{flavor_id}/os-extra_specs"}]),
    oslo_policy.DocumentedRuleDefault(
        EXTRA_SPECS_SET, policy.ADMIN,
        "Set a flavor's extra specs.",
        [{"method": "POST", "path": "/flavors/{flavor_id}/os-extra_specs"}]),
    oslo_policy.DocumentedRuleDefault(
        EXTRA_SPECS_DELETE, policy.ADMIN,
        "Delete a flavor's extra spec.",
        [{"method": "DELETE", "path": "/flavors/{flavor_id}/os-extra_specs/{key}"}]),
]

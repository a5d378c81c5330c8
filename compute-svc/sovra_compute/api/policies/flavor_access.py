"""Policies of private flavors' access lists (os-flavor-access)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:flavor_access:list"
ADD = "compute:flavor_access:add_tenant_access"
REMOVE = "compute:flavor_access:remove_tenant_access"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.ADMIN, "List the projects given a private flavor.",
        [{"method": "GET", "path": "/flavors/{flavor_id}/os-flavor-access"}]),
    oslo_policy.DocumentedRuleDefault(
        ADD, policy.ADMIN, "Give a project a private flavor.",
        [{"method": "POST", "path": "/flavors/{flavor_id}/action (addTenantAccess)"}]),
    oslo_policy.DocumentedRuleDefault(
        REMOVE, policy.ADMIN, "Take a private flavor from a project.",
        [{"method": "POST",
          "path": "/flavors/{flavor_id}/action (removeTenantAccess)"}]),
]

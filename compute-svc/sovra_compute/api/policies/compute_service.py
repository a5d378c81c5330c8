"""Policies of compute services (os-services)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:os-services:list"
UPDATE = "compute:os-services:update"
DELETE = "compute:os-services:delete"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.ADMIN,
        "List compute services.",
        [{"method": "GET", "path": "/os-services"}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE, policy.ADMIN,
        "Enable, disable or force down a compute service.",
        [{"method": "PUT", "path": "/os-services/{action}"},
         {"method": "PUT", "path": "/os-services/{service_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.ADMIN,
        "Delete a compute service (one that hosts no server).",
        [{"method": "DELETE", "path": "/os-services/{service_id}"}]),
]

"""Policies of server groups (os-server-groups)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:server-groups:index"
LIST_ALL = "compute:server-groups:index:all_projects"
SHOW = "compute:server-groups:show"
CREATE = "compute:server-groups:create"
DELETE = "compute:server-groups:delete"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.PROJECT_READER_OR_ADMIN, "List the project's server groups.",
        [{"method": "GET", "path": "/os-server-groups"}]),
    oslo_policy.DocumentedRuleDefault(
        LIST_ALL, policy.ADMIN, "List the server groups of every project.",
        [{"method": "GET", "path": "/os-server-groups?all_projects=True"}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN, "Show a server group.",
        [{"method": "GET", "path": "/os-server-groups/{server_group_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE, policy.PROJECT_MEMBER_OR_ADMIN, "Create a server group.",
        [{"method": "POST", "path": "/os-server-groups"}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.PROJECT_MEMBER_OR_ADMIN, "Delete a server group.",
        [{"method": "DELETE", "path": "/os-server-groups/{server_group_id}"}]),
]

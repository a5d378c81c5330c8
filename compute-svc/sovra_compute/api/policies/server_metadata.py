"""Policies of server metadata (/servers/{server_id}/metadata)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:servers:metadata:index"
SHOW = "compute:servers:metadata:show"
CREATE = "compute:servers:metadata:create"
UPDATE = "compute:servers:metadata:update"
UPDATE_ALL = "compute:servers:metadata:update_all"
DELETE = "compute:servers:metadata:delete"

_PATH = "/servers/{server_id}/metadata"
RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.PROJECT_READER_OR_ADMIN, "List a server's metadata.",
        [{"method": "GET", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN, "Show one metadata item of a server.",
        [{"method": "GET", "path": _PATH + "/{key}"}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE, policy.PROJECT_MEMBER_OR_ADMIN, "Add or change metadata items.",
        [{"method": "POST", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE, policy.PROJECT_MEMBER_OR_ADMIN, "Set one metadata item.",
        [{"method": "PUT", "path": _PATH + "/{key}"}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE_ALL, policy.PROJECT_MEMBER_OR_ADMIN, "Replace a server's metadata.",
        [{"method": "PUT", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.PROJECT_MEMBER_OR_ADMIN, "Delete one metadata item.",
        [{"method": "DELETE", "path": _PATH + "/{key}"}]),
]

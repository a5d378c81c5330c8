"""Policies of server tags (/servers/{server_id}/tags)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:servers:tags:index"
SHOW = "compute:servers:tags:show"
UPDATE = "compute:servers:tags:update"
UPDATE_ALL = "compute:servers:tags:update_all"
DELETE = "compute:servers:tags:delete"
DELETE_ALL = "compute:servers:tags:delete_all"

_PATH = "/servers/{server_id}/tags"
RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.PROJECT_READER_OR_ADMIN, "List a server's tags.",
        [{"method": "GET", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN, "Check whether a server has a tag.",
        [{"method": "GET", "path": _PATH + "/{tag}"}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE, policy.PROJECT_MEMBER_OR_ADMIN, "Add a tag to a server.",
        [{"method": "PUT", "path": _PATH + "/{tag}"}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE_ALL, policy.PROJECT_MEMBER_OR_ADMIN, "Replace a server's tags.",
        [{"method": "PUT", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.PROJECT_MEMBER_OR_ADMIN, "Remove a tag from a server.",
        [{"method": "DELETE", "path": _PATH + "/{tag}"}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE_ALL, policy.PROJECT_MEMBER_OR_ADMIN, "Remove every tag of a server.",
        [{"method": "DELETE", "path": _PATH}]),
]

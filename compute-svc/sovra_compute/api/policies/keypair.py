"""Policies of key pairs."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:keypairs:index"
SHOW = "compute:keypairs:show"
CREATE = "compute:keypairs:create"
DELETE = "compute:keypairs:delete"
OTHER_USER = "compute:keypairs:other_user"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.PROJECT_READER_OR_ADMIN,
        "List the caller's key pairs.",
        [{"method": "GET", "path": "/os-keypairs"}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN,
        "Show a key pair.",
        [{"method": "GET", "path": "/os-keypairs/{name}"}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Import or generate a key pair.",
        [{"method": "POST", "path": "/os-keypairs"}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Delete a key pair.",
        [{"method": "DELETE", "path": "/os-keypairs/{name}"}]),
    oslo_policy.DocumentedRuleDefault(
        OTHER_USER, policy.ADMIN,
        "Act on another user's key pairs (2.10+).",
        [{"method": "GET", "path": "/os-keypairs?user_id={user_id}"}]),
]

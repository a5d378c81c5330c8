"""Policies of a server's password (os-server-password)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

SHOW = "compute:server_password:show"
CLEAR = "compute:server_password:clear"

_PATH = "/servers/{server_id}/os-server-password"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN,
        "Show the encrypted password a server's guest posted.",
        [{"method": "GET", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        CLEAR, policy.PROJECT_MEMBER_OR_ADMIN,
        "Clear a server's password (its guest may post a new one).",
        [{"method": "DELETE", "path": _PATH}]),
]

"""Policies of a server's interfaces (/servers/{server_id}/os-interface)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:os-attach-interfaces:list"
SHOW = "compute:os-attach-interfaces:show"
CREATE = "compute:os-attach-interfaces:create"
DELETE = "compute:os-attach-interfaces:delete"

_PATH = "/servers/{server_id}/os-interface"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.PROJECT_READER_OR_ADMIN, "List a server's interfaces.",
        [{"method": "GET", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN, "Show one of a server's interfaces.",
        [{"method": "GET", "path": _PATH + "/{port_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Plug a port (made on a network, or an existing one) into a server.",
        [{"method": "POST", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.PROJECT_MEMBER_OR_ADMIN, "Unplug a port from a server.",
        [{"method": "DELETE", "path": _PATH + "/{port_id}"}]),
]

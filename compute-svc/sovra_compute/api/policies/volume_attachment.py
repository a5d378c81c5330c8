"""Policies of a server's volume attachments (os-volume_attachments)."""

from oslo_policy import policy as oslo_policy

from sovra_common import policy

LIST = "compute:os-volumes-attachments:index"
SHOW = "compute:os-volumes-attachments:show"
CREATE = "compute:os-volumes-attachments:create"
UPDATE = "compute:os-volumes-attachments:update"
SWAP = "compute:os-volumes-attachments:swap"
DELETE = "compute:os-volumes-attachments:delete"

_PATH = "/servers/{server_id}/os-volume_attachments"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        LIST, policy.PROJECT_READER_OR_ADMIN, "List a server's volume attachments.",
        [{"method": "GET", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        SHOW, policy.PROJECT_READER_OR_ADMIN, "Show a server's volume attachment.",
        [{"method": "GET", "path": _PATH + "/{volume_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        CREATE, policy.PROJECT_MEMBER_OR_ADMIN, "Attach a volume to a server.",
        [{"method": "POST", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Change a volume attachment's delete_on_termination (2.85).",
        [{"method": "PUT", "path": _PATH + "/{volume_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        SWAP, policy.ADMIN, "Swap a server's volume for another.",
        [{"method": "PUT", "path": _PATH + "/{volume_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.PROJECT_MEMBER_OR_ADMIN, "Detach a volume from a server.",
        [{"method": "DELETE", "path": _PATH + "/{volume_id}"}]),
]

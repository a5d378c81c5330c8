from oslo_policy import policy as oslo_policy

from sovra_common import policy
from sovra_image.api.policies import base

ADD = "image:add_member"
LIST = "image:get_members"
GET = "image:get_member"
MODIFY = "image:modify_member"
DELETE = "image:delete_member"

_MEMBERS = "/v2/images/{image_id}/members"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        ADD, policy.PROJECT_MEMBER_OR_ADMIN, "Share an image with a project.",
        [{"method": "POST", "path": _MEMBERS}]),
    oslo_policy.DocumentedRuleDefault(
        LIST, base.MEMBER_READER, "List an image's members.",
        [{"method": "GET", "path": _MEMBERS}]),
    oslo_policy.DocumentedRuleDefault(
        GET, base.MEMBER_READER, "Show an image member.",
        [{"method": "GET", "path": _MEMBERS + "/{member_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        MODIFY, base.MEMBER_SELF,
        "Accept or reject an image shared with the caller's project.",
        [{"method": "PUT", "path": _MEMBERS + "/{member_id}"}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.PROJECT_MEMBER_OR_ADMIN, "Stop sharing an image with a project.",
        [{"method": "DELETE", "path": _MEMBERS + "/{member_id}"}]),
]

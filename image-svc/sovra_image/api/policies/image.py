from oslo_policy import policy as oslo_policy

from sovra_common import policy
from sovra_image.api.policies import base

ADD = "image:add_image"
GET = "image:get_image"
LIST = "image:get_images"
MODIFY = "image:modify_image"
PUBLICIZE = "image:publicize_image"
COMMUNITIZE = "image:communitize_image"
DELETE = "image:delete_image"
DEACTIVATE = "image:deactivate"
REACTIVATE = "image:reactivate"

_IMAGE = "/v2/images/{image_id}"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        ADD, policy.PROJECT_MEMBER_OR_ADMIN,
        "Create an image (the owner given must be the caller's project, but for "
        "admins).", [{"method": "POST", "path": "/v2/images"}]),
    oslo_policy.DocumentedRuleDefault(
        GET, base.IMAGE_READER, "Show an image the caller can see.",
        [{"method": "GET", "path": _IMAGE}]),
    oslo_policy.DocumentedRuleDefault(
        LIST, base.READER, "List the images the caller can see.",
        [{"method": "GET", "path": "/v2/images"}]),
    oslo_policy.DocumentedRuleDefault(
        MODIFY, policy.PROJECT_MEMBER_OR_ADMIN,
        "Update an image, or its tags.",
        [{"method": "PATCH", "path": _IMAGE},
         {"method": "PUT", "path": _IMAGE + "/tags/{tag}"},
         {"method": "DELETE", "path": _IMAGE + "/tags/{tag}"}]),
    oslo_policy.DocumentedRuleDefault(
        PUBLICIZE, policy.ADMIN, "Make an image public (visible to every project).",
        [{"method": "POST", "path": "/v2/images"},
         {"method": "PATCH", "path": _IMAGE}]),
    oslo_policy.DocumentedRuleDefault(
        COMMUNITIZE, policy.PROJECT_MEMBER_OR_ADMIN,
        "Make an image a community image (usable by all, listed on request).",
        [{"method": "POST", "path": "/v2/images"},
         {"method": "PATCH", "path": _IMAGE}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE, policy.PROJECT_MEMBER_OR_ADMIN, "Delete an image.",
        [{"method": "DELETE", "path": _IMAGE}]),
    oslo_policy.DocumentedRuleDefault(
        DEACTIVATE, policy.ADMIN, "Deactivate an image (its data cannot be read).",
        [{"method": "POST", "path": _IMAGE + "/actions/deactivate"}]),
    oslo_policy.DocumentedRuleDefault(
        REACTIVATE, policy.ADMIN, "Reactivate a deactivated image.",
        [{"method": "POST", "path": _IMAGE + "/actions/reactivate"}]),
]

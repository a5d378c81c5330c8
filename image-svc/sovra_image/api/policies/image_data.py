from oslo_policy import policy as oslo_policy

from sovra_common import policy
from sovra_image.api.policies import base

UPLOAD = "image:upload_image"
DOWNLOAD = "image:download_image"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        UPLOAD, policy.PROJECT_MEMBER_OR_ADMIN, "Upload an image's data.",
        [{"method": "PUT", "path": "/v2/images/{image_id}/file"}]),
    oslo_policy.DocumentedRuleDefault(
        DOWNLOAD, base.IMAGE_READER, "Download an image's data.",
        [{"method": "GET", "path": "/v2/images/{image_id}/file"}]),
]

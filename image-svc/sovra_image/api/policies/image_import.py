from oslo_policy import policy as oslo_policy

from sovra_common import policy

STAGE = "image:stage_image"
IMPORT = "image:import_image"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        STAGE, policy.PROJECT_MEMBER_OR_ADMIN, "Stage an image's data for import.",
        [{"method": "PUT", "path": "/v2/images/{image_id}/stage"}]),
    oslo_policy.DocumentedRuleDefault(
        IMPORT, policy.PROJECT_MEMBER_OR_ADMIN,
        "Import an image's data (glance-direct, web-download).",
        [{"method": "POST", "path": "/v2/images/{image_id}/import"}]),
]

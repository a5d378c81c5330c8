from oslo_policy import policy as oslo_policy

from sovra_image.api.policies import base

GET = "image:get_schema"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        GET, base.READER, "Read the JSON schemas of images and members.",
        [{"method": "GET", "path": "/v2/schemas/{name}"}]),
]

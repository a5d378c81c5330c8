from oslo_policy import policy as oslo_policy

from sovra_image.api.policies import base

GET_STORES = "image:get_stores"
GET_IMPORT_INFO = "image:get_import_info"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        GET_STORES, base.READER, "List the stores image data can go to.",
        [{"method": "GET", "path": "/v2/info/stores"}]),
    oslo_policy.DocumentedRuleDefault(
        GET_IMPORT_INFO, base.READER, "List the image import methods offered.",
        [{"method": "GET", "path": "/v2/info/import"}]),
]

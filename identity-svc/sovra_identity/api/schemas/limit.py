"""/v3/registered_limits and /v3/limits"""

from sovra_identity.api.schemas.common import DESCRIPTION, body, query

_ID = {"type": "string", "minLength": 1, "maxLength": 64}
_NULLABLE_ID = {"type": ["string", "null"], "maxLength": 255}
_RESOURCE = {"type": "string", "minLength": 1, "maxLength": 255}
_COUNT = {"type": "integer", "minimum": -1, "maximum": 2147483647}

_REGISTERED = {"type": "object",
               "properties": {"service_id": _ID, "region_id": _NULLABLE_ID,
                              "resource_name": _RESOURCE, "default_limit": _COUNT,
                              "description": DESCRIPTION},
               "required": ["service_id", "resource_name", "default_limit"]}
CREATE_REGISTERED = {"type": "object",
                     "properties": {"registered_limits": {
                         "type": "array", "minItems": 1, "maxItems": 100,
                         "items": _REGISTERED}},
                     "required": ["registered_limits"]}
UPDATE_REGISTERED = body("registered_limit", {
    k: v for k, v in _REGISTERED["properties"].items()})
LIST_REGISTERED = query("service_id", "region_id", "resource_name")

_LIMIT = {"type": "object",
          "properties": {"service_id": _ID, "region_id": _NULLABLE_ID,
                         "project_id": _NULLABLE_ID, "domain_id": _NULLABLE_ID,
                         "resource_name": _RESOURCE, "resource_limit": _COUNT,
                         "description": DESCRIPTION},
          "required": ["service_id", "resource_name", "resource_limit"]}
CREATE = {"type": "object",
          "properties": {"limits": {"type": "array", "minItems": 1, "maxItems": 100,
                                    "items": _LIMIT}},
          "required": ["limits"]}
UPDATE = body("limit", {"resource_limit": _COUNT, "description": DESCRIPTION})
LIST = query("service_id", "region_id", "resource_name", "project_id", "domain_id")

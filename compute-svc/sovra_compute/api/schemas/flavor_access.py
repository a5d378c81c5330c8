"""Flavor access request bodies (POST /flavors/{id}/action)."""

_TENANT = {"type": "object",
           "properties": {"tenant": {"type": "string", "minLength": 1, "maxLength": 255,
                                     "pattern": "^[a-zA-Z0-9_-]+$"}},
           "required": ["tenant"], "additionalProperties": False}

ACTION = {
    "type": "object",
    "properties": {"addTenantAccess": _TENANT, "removeTenantAccess": _TENANT},
    "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
}

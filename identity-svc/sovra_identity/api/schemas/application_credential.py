"""/v3/users/{user_id}/application_credentials"""

from sovra_identity.api.schemas.common import DESCRIPTION, LONG_NAME, body, query

_ROLE_REF = {"type": "object", "properties": {"id": {"type": "string"},
                                              "name": {"type": "string"}},
             "anyOf": [{"required": ["id"]}, {"required": ["name"]}]}

CREATE = body("application_credential", {
    "name": LONG_NAME,
    "description": DESCRIPTION,
    "secret": {"type": ["string", "null"], "minLength": 1, "maxLength": 72},
    "expires_at": {"type": ["string", "null"], "format": "date-time"},
    "roles": {"type": "array", "items": _ROLE_REF},
    "unrestricted": {"type": "boolean"},
    "access_rules": {"type": "array", "maxItems": 0},
}, ["name"])

LIST = query("name")

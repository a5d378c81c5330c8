"""/v3/credentials"""

from sovra_identity.api.schemas.common import body, query

_BLOB = {"type": "string", "minLength": 1, "maxLength": 65535}
_NULLABLE_ID = {"type": ["string", "null"], "maxLength": 64}

CREATE = body("credential", {"blob": _BLOB, "type": {"type": "string", "minLength": 1,
                                                     "maxLength": 255},
                             "user_id": {"type": "string", "minLength": 1,
                                         "maxLength": 64},
                             "project_id": _NULLABLE_ID},
              ["blob", "type", "user_id"])
UPDATE = body("credential", {"blob": _BLOB, "project_id": _NULLABLE_ID})
LIST = query("user_id", "type")

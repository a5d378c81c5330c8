"""Key pair request bodies and query strings."""

_KEYPAIR = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255,
                 "pattern": r"^[a-zA-Z0-9 _.@-]+$"},
        "public_key": {"type": "string"},
        "type": {"type": "string", "enum": ["ssh", "x509"]},
        "user_id": {"type": "string"},
    },
    "required": ["name"],
    "additionalProperties": False,
}

CREATE = {"type": "object", "properties": {"keypair": _KEYPAIR},
          "required": ["keypair"], "additionalProperties": False}

QUERY = {
    "type": "object",
    "properties": {"user_id": {"type": "string"},
                   "limit": {"type": "string", "pattern": "^[0-9]+$"},
                   "marker": {"type": "string"}},
    "additionalProperties": True,
}

"""Key pair request bodies and query strings."""

_KEYPAIR = {
    "type": "object",
    "properties": {
        # "@" and "." are safe in names from 2.92 only (CREATE_V2_92)
        "name": {"type": "string", "minLength": 1, "maxLength": 255,
                 "pattern": r"^[a-zA-Z0-9 _-]+$"},
        "public_key": {"type": "string"},
        "type": {"type": "string", "enum": ["ssh", "x509"]},
        "user_id": {"type": "string"},
    },
    "required": ["name"],
    "additionalProperties": False,
}

CREATE = {"type": "object", "properties": {"keypair": _KEYPAIR},
          "required": ["keypair"], "additionalProperties": False}
#: 2.92: a public key must be imported (no more generated ones); "@" and "." in names
CREATE_V2_92 = {**CREATE, "properties": {"keypair": {
    **_KEYPAIR, "properties": {**_KEYPAIR["properties"], "name": {
        "type": "string", "minLength": 1, "maxLength": 255,
        "pattern": r"^[a-zA-Z0-9 _.@-]+$"}},
    "required": ["name", "public_key"]}}}

QUERY = {
    "type": "object",
    "properties": {"user_id": {"type": "string"},
                   "limit": {"type": "string", "pattern": "^[0-9]+$"},
                   "marker": {"type": "string"}},
    "additionalProperties": True,
}

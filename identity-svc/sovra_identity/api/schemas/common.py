"""Pieces shared by identity's schemas."""

NAME = {"type": "string", "minLength": 1, "maxLength": 64}
LONG_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
ID = {"type": "string", "minLength": 1, "maxLength": 64}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 65535}
ENABLED = {"type": "boolean"}
BOOL_QUERY = {"type": "string"}


def body(key: str, properties: dict, required=()) -> dict:
    """``{key: {...}}`` with ``properties``; other attributes are accepted and
    ignored (Keystone stores them as "extra"; we do not)."""
    return {
        "type": "object",
        "properties": {key: {"type": "object", "properties": properties,
                             "required": list(required)}},
        "required": [key],
    }


def query(*names, arrays=()) -> dict:
    props = {name: {"type": "string"} for name in names}
    props.update({name: {"type": "array", "items": {"type": "string"}} for name in arrays})
    return {"type": "object", "properties": props}

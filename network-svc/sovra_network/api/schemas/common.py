"""Pieces the resources' schemas share."""

NAME = {"type": "string", "maxLength": 255}
DESCRIPTION = {"type": "string", "maxLength": 255}
UUID = {"type": "string", "pattern": "^[0-9a-fA-F-]{32,36}$"}
PROJECT_ID = {"type": "string", "minLength": 1, "maxLength": 255}
BOOL = {"type": "boolean"}
TAG = {"type": "string", "minLength": 1, "maxLength": 255}


def envelope(key: str, properties: dict, *, required=(), min_properties=0) -> dict:
    """``{key: {...}}`` with exactly ``properties`` allowed inside."""
    inner = {"type": "object", "properties": properties, "additionalProperties": False,
             "required": list(required)}
    if min_properties:
        inner["minProperties"] = min_properties
    return {"type": "object", "properties": {key: inner}, "required": [key],
            "additionalProperties": False}


TAGS_BODY = {"type": "object", "required": ["tags"], "additionalProperties": False,
             "properties": {"tags": {"type": "array", "items": TAG}}}

"""Pieces the block resources' schemas share."""

NAME = {"type": ["string", "null"], "maxLength": 255}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 255}
UUID = {"type": "string", "pattern": "^[0-9a-fA-F-]{32,36}$"}
# sizes come as integers, or as digit strings from older clients
SIZE = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1,
        "maximum": 2 ** 31 - 1}
METADATA = {"type": "object", "maxProperties": 500,
            "propertyNames": {"minLength": 1, "maxLength": 255},
            "additionalProperties": {"type": "string", "maxLength": 255}}
# true/false as JSON booleans or the strings clients send
BOOLISH = {"type": ["boolean", "string"],
           "pattern": "^(?i:true|false|t|f|yes|no|y|n|on|off|1|0)$"}


def envelope(key: str, properties: dict, *, required=(), additional=False,
             min_properties=0) -> dict:
    inner = {"type": "object", "properties": properties,
             "additionalProperties": additional, "required": list(required)}
    if min_properties:
        inner["minProperties"] = min_properties
    return {"type": "object", "properties": {key: inner}, "required": [key]}


def to_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "t", "1", "yes", "y", "on")


def to_int(value) -> int:
    return int(value)


#: os-reset_status / os-force_delete, the admin actions of snapshots and backups
ADMIN_ACTIONS = {
    "os-reset_status": {"type": "object", "required": ["os-reset_status"],
                        "additionalProperties": False,
                        "properties": {"os-reset_status": {
                            "type": "object", "required": ["status"],
                            "properties": {"status": {"type": "string"}}}}},
    "os-force_delete": {"type": "object", "required": ["os-force_delete"],
                        "additionalProperties": False,
                        "properties": {"os-force_delete": {"type": ["object", "null"]}}},
}


def with_current_names(body: dict) -> dict:
    """``body`` with the older ``display_name`` / ``display_description`` read as
    ``name`` / ``description`` (the current names win when both are given)."""
    out = dict(body)
    for old, new in (("display_name", "name"), ("display_description", "description")):
        if old in out:
            value = out.pop(old)
            out.setdefault(new, value)
    return out

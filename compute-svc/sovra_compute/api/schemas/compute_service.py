"""os-services request bodies and query strings."""

UPDATE = {
    "type": "object",
    "properties": {
        "host": {"type": "string", "minLength": 1, "maxLength": 255},
        "binary": {"type": "string", "minLength": 1, "maxLength": 255},
        "disabled_reason": {"type": "string", "minLength": 1, "maxLength": 255},
        "forced_down": {"type": "boolean"},
    },
    "required": ["host", "binary"],
    "additionalProperties": False,
}

UPDATE_V2_53 = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["enabled", "disabled"]},
        "disabled_reason": {"type": "string", "minLength": 1, "maxLength": 255},
        "forced_down": {"type": "boolean"},
    },
    "additionalProperties": False,
}

LIST_QUERY = {
    "type": "object",
    "properties": {"host": {"type": "string"}, "binary": {"type": "string"}},
    "additionalProperties": True,
}

"""os-services bodies and query strings."""

_HOST = {"type": "string", "minLength": 1, "maxLength": 255}
_BINARY = {"type": "string", "minLength": 1, "maxLength": 255}

LIST_QUERY = {
    "type": "object",
    "properties": {"host": _HOST, "binary": _BINARY},
}

ENABLE = {
    "type": "object", "required": ["host", "binary"],
    "properties": {"host": _HOST, "binary": _BINARY},
}

DISABLE_LOG_REASON = {
    "type": "object", "required": ["host", "binary", "disabled_reason"],
    "properties": {"host": _HOST, "binary": _BINARY,
                   "disabled_reason": {"type": "string", "minLength": 1,
                                       "maxLength": 255, "pattern": r"\S"}},
}

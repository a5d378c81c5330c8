"""os-services bodies and query strings."""

_HOST = {"type": "string", "minLength": 1, "maxLength": 255}
_BINARY = {"type": "string", "minLength": 1, "maxLength": 255}

LIST_QUERY = {
    "type": "object",
    "properties": {"host": _HOST, "binary": _BINARY},
}

#: ``service`` is the older name of ``binary``; one of them is required.
_NAMES = [{"required": ["binary"]}, {"required": ["service"]}]

ENABLE = {
    "type": "object", "required": ["host"], "anyOf": _NAMES,
    "properties": {"host": _HOST, "binary": _BINARY, "service": _BINARY},
}

DISABLE_LOG_REASON = {
    "type": "object", "required": ["host", "disabled_reason"], "anyOf": _NAMES,
    "properties": {"host": _HOST, "binary": _BINARY, "service": _BINARY,
                   "disabled_reason": {"type": "string", "minLength": 1,
                                       "maxLength": 255, "pattern": r"\S"}},
}

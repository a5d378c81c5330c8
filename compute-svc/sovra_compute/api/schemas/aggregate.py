"""Host aggregate request bodies."""

_NAME = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^(?!\s*$)[\S ]+$"}
#: a zone name: not blank, no ':' (the zone:host:node form of a create uses it)
_ZONE = {"type": ["string", "null"], "minLength": 1, "maxLength": 255,
         "pattern": r"^(?!\s*$)[^:]*$"}

CREATE = {
    "type": "object",
    "properties": {"aggregate": {
        "type": "object",
        "properties": {"name": _NAME, "availability_zone": _ZONE},
        "required": ["name"], "additionalProperties": False}},
    "required": ["aggregate"], "additionalProperties": False,
}

UPDATE = {
    "type": "object",
    "properties": {"aggregate": {
        "type": "object",
        "properties": {"name": _NAME, "availability_zone": _ZONE},
        "minProperties": 1, "additionalProperties": False}},
    "required": ["aggregate"], "additionalProperties": False,
}

_HOST = {"type": "object",
         "properties": {"host": {"type": "string", "minLength": 1, "maxLength": 255}},
         "required": ["host"], "additionalProperties": False}

_METADATA = {"type": "object", "properties": {"metadata": {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {
        "type": ["string", "null"], "maxLength": 255}},
    "additionalProperties": False}},
    "required": ["metadata"], "additionalProperties": False}

ACTION = {
    "type": "object",
    "properties": {"add_host": _HOST, "remove_host": _HOST,
                   "set_metadata": _METADATA},
    "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
}

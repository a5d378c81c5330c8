"""Volume type bodies: create, update, extra specs, access actions; the list's
query string."""

from sovra_block.api.schemas import common

NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 255}
SPEC_KEY_PATTERN = "^[a-zA-Z0-9-_:. /]{1,255}$"
EXTRA_SPECS = {
    "type": "object",
    "patternProperties": {SPEC_KEY_PATTERN: {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
#: Project ids are stored in 64 characters.
PROJECT = {"type": "string", "minLength": 1, "maxLength": 64}

CREATE = {
    "type": "object", "required": ["volume_type"], "additionalProperties": False,
    "properties": {"volume_type": {
        "type": "object", "required": ["name"], "additionalProperties": False,
        "properties": {
            "name": NAME, "description": DESCRIPTION,
            "os-volume-type-access:is_public": common.BOOLISH, "is_public": common.BOOLISH,
            "extra_specs": EXTRA_SPECS,
        }}},
}

UPDATE = {
    "type": "object", "required": ["volume_type"], "additionalProperties": False,
    "properties": {"volume_type": {
        "type": "object", "minProperties": 1, "additionalProperties": False,
        "properties": {"name": NAME, "description": DESCRIPTION,
                       "is_public": common.BOOLISH}}},
}

EXTRA_SPECS_CREATE = {
    "type": "object", "required": ["extra_specs"], "additionalProperties": False,
    "properties": {"extra_specs": {**EXTRA_SPECS, "minProperties": 1}},
}

#: PUT /types/{id}/extra_specs/{key}: ``{key: value}``, the key of the URL.
EXTRA_SPEC_UPDATE = {**EXTRA_SPECS, "minProperties": 1, "maxProperties": 1}

_ACCESS = {"type": "object", "required": ["project"], "additionalProperties": False,
           "properties": {"project": PROJECT}}
ACTION = {
    "type": "object", "minProperties": 1, "maxProperties": 1,
    "additionalProperties": False,
    "properties": {"addProjectAccess": _ACCESS, "removeProjectAccess": _ACCESS},
}

LIST_QUERY = {
    "type": "object",
    "properties": {"is_public": {"type": "string",
                                 "pattern": "^(?i:true|false|t|f|yes|no|y|n|on|off|1|0|"
                                            "none)$"}},
}

"""QoS spec bodies and query strings."""

from sovra_block.api.schemas import common
from sovra_block.api.schemas import volume_type as type_schemas

_SPEC_VALUE = {"type": "string", "maxLength": 255}
_SPECS = {
    "type": "object",
    "patternProperties": {type_schemas.SPEC_KEY_PATTERN: _SPEC_VALUE},
    "additionalProperties": False,
}

#: ``{"qos_specs": {"name": ..., "consumer": ..., <key>: <value>...}}``
CREATE = {
    "type": "object", "required": ["qos_specs"], "additionalProperties": False,
    "properties": {"qos_specs": {**_SPECS, "required": ["name"],
                                 "properties": {"name": type_schemas.NAME}}},
}

#: Set keys: ``{"qos_specs": {<key>: <value>...}}`` (``consumer`` among them).
UPDATE = {
    "type": "object", "required": ["qos_specs"], "additionalProperties": False,
    "properties": {"qos_specs": {**_SPECS, "minProperties": 1}},
}

DELETE_KEYS = {
    "type": "object", "required": ["keys"], "additionalProperties": False,
    "properties": {"keys": {"type": "array", "minItems": 1, "uniqueItems": True,
                            "items": {"type": "string", "minLength": 1,
                                      "maxLength": 255}}},
}

DELETE_QUERY = {
    "type": "object",
    "properties": {"force": common.BOOLISH},
}

TYPE_QUERY = {
    "type": "object", "required": ["vol_type_id"],
    "properties": {"vol_type_id": {"type": "string", "minLength": 1,
                                   "maxLength": 255}},
}

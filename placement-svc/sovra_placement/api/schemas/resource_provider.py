from sovra_placement.api.schemas.common import UUID

_NAME = {"type": "string", "minLength": 1, "maxLength": 200}
_PARENT = {"anyOf": [UUID, {"type": "null"}]}

CREATE_V1_0 = {
    "type": "object",
    "properties": {"name": _NAME, "uuid": UUID},
    "required": ["name"],
    "additionalProperties": False,
}
CREATE_V1_14 = {**CREATE_V1_0, "properties": {**CREATE_V1_0["properties"],
                                             "parent_provider_uuid": _PARENT}}

UPDATE_V1_0 = {
    "type": "object",
    "properties": {"name": _NAME},
    "required": ["name"],
    "additionalProperties": False,
}
UPDATE_V1_14 = {**UPDATE_V1_0, "properties": {"name": _NAME, "parent_provider_uuid": _PARENT}}

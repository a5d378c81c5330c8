"""Server group request bodies and query strings."""

from sovra_compute.service.server_group import POLICIES, SOFT_POLICIES

_NAME = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^(?!\s)[\S ]*(?<!\s)$"}


def _create(group: dict) -> dict:
    return {"type": "object", "properties": {"server_group": group},
            "required": ["server_group"], "additionalProperties": False}


def _with_policies(names) -> dict:
    return _create({"type": "object",
                    "properties": {"name": _NAME, "policies": {
                        "type": "array", "minItems": 1, "maxItems": 1,
                        "items": {"type": "string", "enum": list(names)}}},
                    "required": ["name", "policies"], "additionalProperties": False})


CREATE = _with_policies(POLICIES)
CREATE_V2_15 = _with_policies(POLICIES + SOFT_POLICIES)
CREATE_V2_64 = _create({
    "type": "object",
    "properties": {
        "name": _NAME,
        "policy": {"type": "string", "enum": list(POLICIES + SOFT_POLICIES)},
        "rules": {"type": "object", "properties": {"max_server_per_host": {
            "type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1}},
            "additionalProperties": False},
    },
    "required": ["name", "policy"], "additionalProperties": False})

_LIST = {"all_projects": {"type": "string"},
         "limit": {"type": "string", "pattern": "^[0-9]+$"},
         "offset": {"type": "string", "pattern": "^[0-9]+$"}}
LIST_QUERY = {"type": "object", "properties": _LIST, "additionalProperties": True}
LIST_QUERY_V2_75 = {"type": "object", "properties": _LIST, "additionalProperties": False}

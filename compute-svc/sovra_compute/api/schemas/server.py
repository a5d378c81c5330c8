"""Server request bodies and query strings."""

_NAME = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^(?!\s)[\S ]*(?<!\s)$"}
_REF = {"type": "string", "minLength": 1, "maxLength": 255}
_METADATA = {"type": "object", "maxProperties": 128,
             "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {
                 "type": "string", "maxLength": 255}},
             "additionalProperties": False}
_NETWORK = {"type": "object", "properties": {
    "uuid": {"type": "string"}, "port": {"type": ["string", "null"]},
    "fixed_ip": {"type": "string"}, "tag": {"type": "string", "maxLength": 60}},
    "additionalProperties": False}

_SERVER = {
    "type": "object",
    "properties": {
        "name": _NAME,
        "imageRef": {"type": "string", "maxLength": 255},
        "flavorRef": _REF,
        "key_name": _NAME,
        "user_data": {"type": "string", "maxLength": 65535},
        "metadata": _METADATA,
        "availability_zone": {"type": "string", "maxLength": 255},
        "networks": {"oneOf": [{"type": "array", "items": _NETWORK},
                               {"type": "string", "enum": ["auto", "none"]}]},
        "security_groups": {"type": "array", "items": {"type": "object"}},
        "min_count": {"type": ["integer", "string"], "pattern": "^[0-9]+$"},
        "max_count": {"type": ["integer", "string"], "pattern": "^[0-9]+$"},
        "return_reservation_id": {"type": ["boolean", "string"]},
        "adminPass": {"type": "string"},
        "accessIPv4": {"type": "string"},
        "accessIPv6": {"type": "string"},
        "config_drive": {"type": ["boolean", "string"]},
        "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
        "description": {"type": ["string", "null"], "maxLength": 255},
        "block_device_mapping_v2": {"type": "array"},
    },
    "required": ["name", "flavorRef"],
    "additionalProperties": False,
}

CREATE = {
    "type": "object",
    "properties": {"server": _SERVER, "os:scheduler_hints": {"type": "object"},
                   "OS-SCH-HNT:scheduler_hints": {"type": "object"}},
    "required": ["server"],
    "additionalProperties": False,
}

CREATE_V2_37 = {**CREATE, "properties": {**CREATE["properties"], "server": {
    **_SERVER, "required": ["name", "flavorRef", "networks"]}}}

LIST_QUERY = {
    "type": "object",
    "properties": {
        "limit": {"type": "string", "pattern": "^[0-9]+$"},
        "marker": {"type": "string"},
        "name": {"type": "string"},
        "status": {"type": "string"},
        "host": {"type": "string"},
        "image": {"type": "string"},
        "flavor": {"type": "string"},
        "all_tenants": {"type": "string"},
        "project_id": {"type": "string"},
        "tenant_id": {"type": "string"},
        "deleted": {"type": "string"},
        "changes-since": {"type": "string"},
        "sort_key": {"type": "string"},
        "sort_dir": {"type": "string"},
    },
    "additionalProperties": True,  # upstream ignores filters it does not know
}

ACTION = {"type": "object", "minProperties": 1, "maxProperties": 1}
REBOOT = {"type": "object", "properties": {"type": {
    "type": "string", "enum": ["SOFT", "HARD", "soft", "hard"]}},
    "required": ["type"], "additionalProperties": False}
CREATE_IMAGE = {"type": "object", "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
    "metadata": {"type": "object", "maxProperties": 128,
                 "propertyNames": {"minLength": 1, "maxLength": 255},
                 "additionalProperties": {"type": "string", "maxLength": 255}}},
    "required": ["name"], "additionalProperties": False}
CONSOLE_OUTPUT = {"type": "object", "properties": {"length": {
    "type": ["integer", "string", "null"], "pattern": "^-?[0-9]+$"}},
    "additionalProperties": False}

UPDATE = {
    "type": "object",
    "properties": {"server": {
        "type": "object",
        "properties": {"name": _NAME, "accessIPv4": {"type": "string"},
                       "accessIPv6": {"type": "string"},
                       "OS-DCF:diskConfig": {"type": "string",
                                             "enum": ["AUTO", "MANUAL"]},
                       "description": {"type": ["string", "null"], "maxLength": 255}},
        "additionalProperties": False,
    }},
    "required": ["server"],
    "additionalProperties": False,
}

"""Flavor request bodies and query strings."""

_INT = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 0}

CREATE = {
    "type": "object",
    "properties": {"flavor": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 255},
            "id": {"type": ["string", "null"], "minLength": 1, "maxLength": 255,
                   "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$"},
            "ram": {**_INT, "minimum": 1},
            "vcpus": {**_INT, "minimum": 1},
            "disk": _INT,
            "OS-FLV-EXT-DATA:ephemeral": _INT,
            "swap": _INT,
            "rxtx_factor": {"type": ["number", "string"], "minimum": 0},
            "os-flavor-access:is_public": {"type": ["boolean", "string"]},
        },
        "required": ["name", "ram", "vcpus", "disk"],
        "additionalProperties": False,
    }},
    "required": ["flavor"],
    "additionalProperties": False,
}

_DESCRIPTION = {"type": ["string", "null"], "maxLength": 65535}
CREATE_V2_55 = {**CREATE, "properties": {"flavor": {
    **CREATE["properties"]["flavor"], "properties": {
        **CREATE["properties"]["flavor"]["properties"], "description": _DESCRIPTION}}}}

UPDATE = {
    "type": "object",
    "properties": {"flavor": {"type": "object",
                              "properties": {"description": _DESCRIPTION},
                              "required": ["description"],
                              "additionalProperties": False}},
    "required": ["flavor"],
    "additionalProperties": False,
}

LIST_QUERY = {
    "type": "object",
    "properties": {
        "is_public": {"type": "string"},
        "minRam": {"type": "string", "pattern": "^[0-9]+$"},
        "minDisk": {"type": "string", "pattern": "^[0-9]+$"},
        "limit": {"type": "string", "pattern": "^[0-9]+$"},
        "marker": {"type": "string"},
        "sort_key": {"type": "string"},
        "sort_dir": {"type": "string"},
    },
    "additionalProperties": True,
}

_SPECS = {"type": "object", "patternProperties": {
    "^[a-zA-Z0-9-_:. ]{1,255}$": {"type": ["string", "number", "boolean"]}},
    "additionalProperties": False}

EXTRA_SPECS = {"type": "object", "properties": {"extra_specs": _SPECS},
               "required": ["extra_specs"], "additionalProperties": False}
EXTRA_SPEC = {**_SPECS, "minProperties": 1, "maxProperties": 1}

_NAME = {"type": "string", "minLength": 1, "maxLength": 64}

CREATE_V1_0 = {
    "type": "object",
    "properties": {
        "widget": {
            "type": "object",
            "properties": {"name": _NAME, "size": {"type": "integer", "minimum": 1}},
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["widget"],
    "additionalProperties": False,
}

CREATE_V1_1 = {
    **CREATE_V1_0,
    "properties": {"widget": {
        **CREATE_V1_0["properties"]["widget"],
        "properties": {**CREATE_V1_0["properties"]["widget"]["properties"],
                       "description": {"type": "string", "maxLength": 255}},
    }},
}

LIST_QUERY = {
    "type": "object",
    "properties": {
        "limit": {"type": "string", "pattern": "^[0-9]+$"},
        "name": _NAME,
    },
    "additionalProperties": False,
}

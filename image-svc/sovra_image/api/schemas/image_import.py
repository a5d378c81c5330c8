"""Body of ``POST /v2/images/{id}/import``."""

IMPORT = {
    "type": "object",
    "properties": {
        "method": {
            "type": "object",
            "properties": {"name": {"type": "string"},
                           "uri": {"type": "string", "maxLength": 2048}},
            "required": ["name"],
        },
        "stores": {"type": "array", "items": {"type": "string"}},
        "all_stores": {"type": "boolean"},
        "all_stores_must_succeed": {"type": "boolean"},
    },
    "required": ["method"],
}

UPDATE = {
    "type": "object", "required": ["quota"], "additionalProperties": False,
    "properties": {"quota": {
        "type": "object", "minProperties": 1,
        "additionalProperties": {"type": ["integer", "string"],
                                 "pattern": "^-?[0-9]+$", "minimum": -1}}},
}

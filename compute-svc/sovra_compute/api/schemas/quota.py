"""Quota set bodies."""

_LIMIT = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": -1}

UPDATE = {
    "type": "object",
    "properties": {"quota_set": {
        "type": "object",
        "properties": {"instances": _LIMIT, "cores": _LIMIT, "ram": _LIMIT,
                       "key_pairs": _LIMIT, "metadata_items": _LIMIT,
                       "server_groups": _LIMIT, "server_group_members": _LIMIT,
                       "force": {"type": ["boolean", "string"]}},
        "additionalProperties": False,
    }},
    "required": ["quota_set"],
    "additionalProperties": False,
}

QUERY = {"type": "object", "properties": {"user_id": {"type": "string"},
                                          "tenant_id": {"type": "string"}},
         "additionalProperties": True}

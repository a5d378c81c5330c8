"""Usage report query strings."""

_PROPERTIES = {"start": {"type": "string"}, "end": {"type": "string"},
               "detailed": {"type": "string"}}
QUERY = {"type": "object", "properties": _PROPERTIES, "additionalProperties": True}
QUERY_V2_40 = {"type": "object",
               "properties": {**_PROPERTIES,
                              "limit": {"type": "string", "pattern": "^[0-9]+$"},
                              "marker": {"type": "string"}},
               "additionalProperties": True}

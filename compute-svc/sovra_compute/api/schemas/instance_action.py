"""Instance action query strings."""

_MULTI = {"type": "array", "items": {"type": "string"}}

LIST_QUERY_V2_58 = {
    "type": "object",
    "properties": {"limit": {"type": "string", "pattern": "^[0-9]+$"},
                   "marker": {"type": "string"}, "changes-since": _MULTI},
    "additionalProperties": False,
}
LIST_QUERY_V2_66 = {**LIST_QUERY_V2_58, "properties": {
    **LIST_QUERY_V2_58["properties"], "changes-before": _MULTI}}

"""The limits query string."""

QUERY = {
    "type": "object",
    "properties": {"project_id": {"type": "string", "minLength": 1, "maxLength": 255}},
}

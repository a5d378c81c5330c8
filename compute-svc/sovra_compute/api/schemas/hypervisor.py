"""os-hypervisors query strings."""

_LIMIT = {"type": "string", "pattern": "^[0-9]+$"}

LIST_QUERY = {"type": "object", "properties": {"limit": _LIMIT,
                                               "marker": {"type": "string"}},
              "additionalProperties": True}
LIST_QUERY_V2_53 = {
    "type": "object",
    "properties": {"limit": _LIMIT, "marker": {"type": "string"},
                   "hypervisor_hostname_pattern": {"type": "string", "minLength": 1},
                   "with_servers": {"type": "string"}},
    "additionalProperties": False,
}
SHOW_QUERY_V2_53 = {"type": "object",
                    "properties": {"with_servers": {"type": "string"}},
                    "additionalProperties": False}

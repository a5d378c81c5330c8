"""Quota set bodies and query strings."""

from sovra_block.api.schemas import common

#: Project ids are stored in 64 characters.
PROJECT_ID_MAX = 64
#: Limits are stored as 32-bit integers.
LIMIT_MAX = 2 ** 31 - 1

#: ``{"quota_set": {<resource>: <limit>...}}``: which resources exist is the quota
#: service's to say (per-type ones follow the volume types).
UPDATE = {
    "type": "object", "required": ["quota_set"], "additionalProperties": False,
    "properties": {"quota_set": {
        "type": "object",
        "properties": {"skip_validation": common.BOOLISH},
        "additionalProperties": {"type": ["integer", "string"],
                                 "pattern": "^-?[0-9]{1,10}$", "minimum": -1,
                                 "maximum": LIMIT_MAX}}},
}

SHOW_QUERY = {
    "type": "object",
    "properties": {"usage": common.BOOLISH},
}

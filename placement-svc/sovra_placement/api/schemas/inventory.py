from sovra_common.db.schema import INT_MAX
from sovra_placement.api.schemas.common import GENERATION, RESOURCE_CLASS

_FIELDS = {
    "total": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
    "reserved": {"type": "integer", "minimum": 0, "maximum": INT_MAX},
    "min_unit": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
    "max_unit": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
    "step_size": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
    "allocation_ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 3.40282e38},
}

RECORD = {"type": "object", "properties": _FIELDS, "required": ["total"],
          "additionalProperties": False}

CREATE = {
    "type": "object",
    "properties": {"resource_class": RESOURCE_CLASS,
                   "resource_provider_generation": GENERATION, **_FIELDS},
    "required": ["total", "resource_class", "resource_provider_generation"],
    "additionalProperties": False,
}

UPDATE_ONE = {
    "type": "object",
    "properties": {"resource_provider_generation": GENERATION, **_FIELDS},
    "required": ["total", "resource_provider_generation"],
    "additionalProperties": False,
}

REPLACE = {
    "type": "object",
    "properties": {
        "resource_provider_generation": GENERATION,
        "inventories": {"type": "object",
                        "patternProperties": {"^[A-Z0-9_]+$": RECORD},
                        "additionalProperties": False},
    },
    "required": ["resource_provider_generation", "inventories"],
    "additionalProperties": False,
}

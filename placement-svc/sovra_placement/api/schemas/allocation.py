"""Allocation bodies, one schema per shape the microversions gave them."""

import copy

from sovra_common.db.schema import INT_MAX
from sovra_placement.api.schemas.common import GENERATION, RESOURCE_CLASS, UUID

_RESOURCES = {
    "type": "object",
    "minProperties": 1,
    "patternProperties": {RESOURCE_CLASS["pattern"]: {"type": "integer", "minimum": 1,
                                                      "maximum": INT_MAX}},
    "additionalProperties": False,
}
_ID = {"type": "string", "minLength": 1, "maxLength": 255}
_CONSUMER_TYPE = {"type": "string", "pattern": "^[A-Z0-9_]+$", "maxLength": 255}

# 1.0 - 1.11: a list of {resource_provider: {uuid}, resources}
PUT_V1_0 = {
    "type": "object",
    "properties": {
        "allocations": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "properties": {"resource_provider": {
                "type": "object", "properties": {"uuid": UUID}, "required": ["uuid"],
                "additionalProperties": False},
                "resources": _RESOURCES},
            "required": ["resource_provider", "resources"],
            "additionalProperties": False}},
        "project_id": _ID,
        "user_id": _ID,
    },
    "required": ["allocations"],
    "additionalProperties": False,
}
PUT_V1_8 = {**PUT_V1_0, "required": ["allocations", "project_id", "user_id"]}

_DICT_ALLOCS = {
    "type": "object",
    "minProperties": 1,
    "patternProperties": {UUID["pattern"]: {
        "type": "object",
        "properties": {"resources": _RESOURCES, "generation": GENERATION},
        "required": ["resources"],
        "additionalProperties": False}},
    "additionalProperties": False,
}

# 1.12: keyed by provider uuid
PUT_V1_12 = {
    "type": "object",
    "properties": {"allocations": _DICT_ALLOCS, "project_id": _ID, "user_id": _ID},
    "required": ["allocations", "project_id", "user_id"],
    "additionalProperties": False,
}

# 1.28: consumer_generation; an empty dict removes the consumer's allocations
PUT_V1_28 = copy.deepcopy(PUT_V1_12)
PUT_V1_28["properties"]["allocations"]["minProperties"] = 0
PUT_V1_28["properties"]["consumer_generation"] = {"type": ["integer", "null"]}
PUT_V1_28["required"].append("consumer_generation")

# 1.34: "mappings" may come along (clients echo a candidate); it is not stored
PUT_V1_34 = copy.deepcopy(PUT_V1_28)
PUT_V1_34["properties"]["mappings"] = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": UUID, "minItems": 1}}

# 1.38: consumer_type
PUT_V1_38 = copy.deepcopy(PUT_V1_34)
PUT_V1_38["properties"]["consumer_type"] = _CONSUMER_TYPE
PUT_V1_38["required"].append("consumer_type")


def _many(per_consumer, empty_ok):
    per_consumer = copy.deepcopy(per_consumer)
    # POST /allocations may empty a consumer: {"allocations": {}}
    per_consumer["properties"]["allocations"]["minProperties"] = 0 if empty_ok else 0
    return {"type": "object", "minProperties": 1,
            "patternProperties": {UUID["pattern"]: per_consumer},
            "additionalProperties": False}


POST_V1_13 = _many(PUT_V1_12, True)
POST_V1_28 = _many(PUT_V1_28, True)
POST_V1_34 = _many(PUT_V1_34, True)
POST_V1_38 = _many(PUT_V1_38, True)


def put_schema(version):
    for minimum, schema in (("1.38", PUT_V1_38), ("1.34", PUT_V1_34), ("1.28", PUT_V1_28),
                            ("1.12", PUT_V1_12), ("1.8", PUT_V1_8)):
        if version.matches(minimum):
            return schema
    return PUT_V1_0


def post_schema(version):
    for minimum, schema in (("1.38", POST_V1_38), ("1.34", POST_V1_34),
                            ("1.28", POST_V1_28)):
        if version.matches(minimum):
            return schema
    return POST_V1_13

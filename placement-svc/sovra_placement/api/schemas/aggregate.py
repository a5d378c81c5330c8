from sovra_placement.api.schemas.common import GENERATION, UUID

_LIST = {"type": "array", "items": UUID, "uniqueItems": True}

UPDATE_V1_1 = _LIST
UPDATE_V1_19 = {
    "type": "object",
    "properties": {"aggregates": _LIST, "resource_provider_generation": GENERATION},
    "required": ["aggregates", "resource_provider_generation"],
    "additionalProperties": False,
}

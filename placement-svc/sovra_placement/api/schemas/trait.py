from sovra_placement.api.schemas.common import GENERATION

_TRAIT = {"type": "string", "pattern": "^[A-Z0-9_]+$", "maxLength": 255}

SET_PROVIDER_TRAITS = {
    "type": "object",
    "properties": {"traits": {"type": "array", "items": _TRAIT, "uniqueItems": True},
                   "resource_provider_generation": GENERATION},
    "required": ["traits", "resource_provider_generation"],
    "additionalProperties": False,
}

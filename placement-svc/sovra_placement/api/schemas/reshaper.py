import copy

from sovra_placement.api.schemas import allocation
from sovra_placement.api.schemas.common import GENERATION, UUID
from sovra_placement.api.schemas.inventory import RECORD


def _schema(allocations):
    return {
        "type": "object",
        "properties": {
            "inventories": {
                "type": "object",
                "patternProperties": {UUID["pattern"]: {
                    "type": "object",
                    "properties": {
                        "resource_provider_generation": GENERATION,
                        "inventories": {"type": "object",
                                        "patternProperties": {"^[A-Z0-9_]+$": RECORD},
                                        "additionalProperties": False}},
                    "required": ["resource_provider_generation", "inventories"],
                    "additionalProperties": False}},
                "additionalProperties": False},
            "allocations": copy.deepcopy(allocations),
        },
        "required": ["inventories", "allocations"],
        "additionalProperties": False,
    }


RESHAPE_V1_30 = _schema(allocation.POST_V1_28)
RESHAPE_V1_34 = _schema(allocation.POST_V1_34)
RESHAPE_V1_38 = _schema(allocation.POST_V1_38)

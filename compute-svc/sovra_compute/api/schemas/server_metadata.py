"""Server metadata request bodies."""

from sovra_compute.api.schemas.server import METADATA

SET = {"type": "object", "properties": {"metadata": METADATA},
       "required": ["metadata"], "additionalProperties": False}
SET_ITEM = {"type": "object",
            "properties": {"meta": {**METADATA, "minProperties": 1,
                                    "maxProperties": 1}},
            "required": ["meta"], "additionalProperties": False}

from sovra_placement.api.schemas.common import CUSTOM_NAME

CREATE = {"type": "object", "properties": {"name": CUSTOM_NAME}, "required": ["name"],
          "additionalProperties": False}
UPDATE = CREATE

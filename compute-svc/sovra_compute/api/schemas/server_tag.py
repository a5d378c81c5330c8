"""Server tag request bodies."""

from sovra_compute.api.schemas.server import MAX_TAGS, TAG

UPDATE_ALL = {"type": "object",
              "properties": {"tags": {"type": "array", "items": TAG,
                                      "maxItems": MAX_TAGS}},
              "required": ["tags"], "additionalProperties": False}

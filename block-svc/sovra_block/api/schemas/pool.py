"""The get_pools query string."""

from sovra_block.api.schemas import common

QUERY = {
    "type": "object",
    "properties": {"detail": common.BOOLISH,
                   "name": {"type": "string", "maxLength": 255},
                   "volume_type": {"type": "string", "maxLength": 255}},
}

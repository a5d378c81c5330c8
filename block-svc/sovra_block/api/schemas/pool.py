"""The get_pools query string."""

from sovra_block.api.schemas import volume_type as type_schemas

QUERY = {
    "type": "object",
    "properties": {"detail": type_schemas.BOOLEAN,
                   "name": {"type": "string", "maxLength": 255},
                   "volume_type": {"type": "string", "maxLength": 255}},
}

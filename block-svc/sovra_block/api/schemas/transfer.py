from sovra_block.api.schemas import common

CREATE = common.envelope("transfer", {
    "volume_id": common.UUID, "name": common.NAME,
}, required=["volume_id"])

ACCEPT = common.envelope("accept", {
    "auth_key": {"type": "string", "minLength": 1, "maxLength": 255},
}, required=["auth_key"])

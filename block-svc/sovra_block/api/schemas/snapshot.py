from sovra_block.api.schemas import common

CREATE = common.envelope("snapshot", {
    "volume_id": common.UUID, "name": common.NAME, "description": common.DESCRIPTION,
    "display_name": common.NAME, "display_description": common.DESCRIPTION,
    "force": common.BOOLISH, "metadata": {**common.METADATA, "type": ["object", "null"]},
}, required=["volume_id"])

UPDATE = common.envelope("snapshot", {
    "name": common.NAME, "description": common.DESCRIPTION,
    "display_name": common.NAME, "display_description": common.DESCRIPTION,
})

ACTIONS = common.ADMIN_ACTIONS

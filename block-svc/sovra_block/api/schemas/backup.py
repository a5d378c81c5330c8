from sovra_block.api.schemas import common

CREATE = common.envelope("backup", {
    "volume_id": common.UUID, "name": common.NAME, "description": common.DESCRIPTION,
    # one object-name segment in the backup store
    "container": {"type": ["string", "null"], "maxLength": 255,
                  "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]*$"},
    "incremental": common.BOOLISH, "force": common.BOOLISH,
    "snapshot_id": {"type": "null"},
    "metadata": {"type": ["object", "null"], "maxProperties": 0},
    "availability_zone": {"type": ["string", "null"]},
}, required=["volume_id"])

UPDATE = common.envelope("backup", {
    "name": common.NAME, "description": common.DESCRIPTION,
}, min_properties=1)

RESTORE = common.envelope("restore", {
    "volume_id": {**common.UUID, "type": ["string", "null"]},
    "name": common.NAME,
})

ACTIONS = common.ADMIN_ACTIONS

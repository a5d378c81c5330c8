from sovra_block.api.schemas import common

CREATE = common.envelope("backup", {
    "volume_id": common.UUID, "name": common.NAME, "description": common.DESCRIPTION,
    "container": {"type": ["string", "null"], "maxLength": 255,
                  "pattern": "^[A-Za-z0-9_.-]*$"},
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

ACTIONS = {
    "os-reset_status": {"type": "object", "required": ["os-reset_status"],
                        "additionalProperties": False,
                        "properties": {"os-reset_status": {
                            "type": "object", "required": ["status"],
                            "properties": {"status": {"type": "string"}}}}},
    "os-force_delete": {"type": "object", "required": ["os-force_delete"],
                        "additionalProperties": False,
                        "properties": {"os-force_delete": {"type": ["object", "null"]}}},
}

from sovra_block.api.schemas import common

# Clients send more than Sovra uses (consistencygroup_id, backup_id...): unknown
# keys are ignored, known ones checked.
CREATE = common.envelope("volume", {
    "size": {**common.SIZE, "type": ["integer", "string", "null"]},
    "name": common.NAME, "description": common.DESCRIPTION,
    "display_name": common.NAME, "display_description": common.DESCRIPTION,
    "availability_zone": {"type": ["string", "null"], "maxLength": 255},
    "volume_type": {"type": ["string", "null"], "maxLength": 255},
    "snapshot_id": {"type": ["string", "null"]},
    "source_volid": {"type": ["string", "null"]},
    "imageRef": {"type": ["string", "null"]},
    "image_id": {"type": ["string", "null"]},
    "metadata": {**common.METADATA, "type": ["object", "null"]},
    "multiattach": common.BOOLISH,
    "backup_id": {"type": "null"},
}, additional=True)

UPDATE = common.envelope("volume", {
    "name": common.NAME, "description": common.DESCRIPTION,
    "display_name": common.NAME, "display_description": common.DESCRIPTION,
    "metadata": common.METADATA,
})

METADATA = {"type": "object", "required": ["metadata"], "additionalProperties": False,
            "properties": {"metadata": common.METADATA}}
META_ITEM = {"type": "object", "required": ["meta"], "additionalProperties": False,
             "properties": {"meta": {**common.METADATA, "minProperties": 1,
                                     "maxProperties": 1}}}

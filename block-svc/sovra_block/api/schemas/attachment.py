from sovra_block.api.schemas import common

CREATE = common.envelope("attachment", {
    "volume_uuid": common.UUID,
    "instance_uuid": {"type": ["string", "null"]},
    "connector": {"type": ["object", "null"]},
    "mode": {"enum": ["rw", "ro"]},
}, required=["volume_uuid"])

UPDATE = common.envelope("attachment", {
    "connector": {"type": "object"},
}, required=["connector"])

COMPLETE = {"type": "object", "required": ["os-complete"], "additionalProperties": False,
            "properties": {"os-complete": {"type": ["object", "null"]}}}

"""Bodies of POST /volumes/{id}/action: one action key each."""

from sovra_block.api.schemas import common

_CONNECTOR = {"type": "object"}


def _action(name, inner):
    return {"type": "object", "required": [name], "additionalProperties": False,
            "properties": {name: inner}}


ACTIONS = {
    "os-extend": _action("os-extend", {
        "type": "object", "required": ["new_size"],
        "properties": {"new_size": common.SIZE}}),
    "os-reset_status": _action("os-reset_status", {
        "type": "object", "minProperties": 1, "additionalProperties": False,
        "properties": {"status": {"type": "string"},
                       "attach_status": {"type": "string"},
                       "migration_status": {"type": ["string", "null"]}}}),
    "os-force_delete": _action("os-force_delete", {"type": ["object", "null"]}),
    "os-set_bootable": _action("os-set_bootable", {
        "type": "object", "required": ["bootable"],
        "properties": {"bootable": common.BOOLISH}}),
    "os-update_readonly_flag": _action("os-update_readonly_flag", {
        "type": "object", "required": ["readonly"],
        "properties": {"readonly": common.BOOLISH}}),
    "os-retype": _action("os-retype", {
        "type": "object", "required": ["new_type"],
        "properties": {"new_type": {"type": "string", "minLength": 1},
                       "migration_policy": {"enum": ["never", "on-demand", None]}}}),
    "os-volume_upload_image": _action("os-volume_upload_image", {
        "type": "object", "required": ["image_name"],
        "properties": {"image_name": {"type": "string", "minLength": 1,
                                      "maxLength": 255},
                       "force": common.BOOLISH,
                       "disk_format": {"enum": ["raw", "qcow2", "vmdk", "vdi",
                                                "vhd", "vhdx"]},
                       "container_format": {"enum": ["bare"]},
                       "visibility": {"enum": ["public", "private", "community",
                                               "shared"]},
                       "protected": common.BOOLISH}}),
    "os-set_image_metadata": _action("os-set_image_metadata", {
        "type": "object", "required": ["metadata"],
        "properties": {"metadata": common.METADATA}}),
    "os-unset_image_metadata": _action("os-unset_image_metadata", {
        "type": "object", "required": ["key"],
        "properties": {"key": {"type": "string", "minLength": 1}}}),
    "os-show_image_metadata": _action("os-show_image_metadata",
                                      {"type": ["object", "null"]}),
    "os-reserve": _action("os-reserve", {"type": ["object", "null"]}),
    "os-unreserve": _action("os-unreserve", {"type": ["object", "null"]}),
    "os-begin_detaching": _action("os-begin_detaching", {"type": ["object", "null"]}),
    "os-roll_detaching": _action("os-roll_detaching", {"type": ["object", "null"]}),
    "os-attach": _action("os-attach", {
        "type": "object",
        "properties": {"instance_uuid": {"type": ["string", "null"]},
                       "host_name": {"type": ["string", "null"]},
                       "mountpoint": {"type": "string"},
                       "mode": {"enum": ["rw", "ro"]}}}),
    "os-detach": _action("os-detach", {
        "type": ["object", "null"],
        "properties": {"attachment_id": {"type": ["string", "null"]}}}),
    "os-initialize_connection": _action("os-initialize_connection", {
        "type": "object", "required": ["connector"],
        "properties": {"connector": _CONNECTOR}}),
    "os-terminate_connection": _action("os-terminate_connection", {
        "type": "object", "required": ["connector"],
        "properties": {"connector": _CONNECTOR}}),
}

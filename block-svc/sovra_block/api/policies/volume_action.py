"""Rules of POST /v3/volumes/{id}/action, one per action."""

from sovra_block.api.policies import base

EXTEND = "volume:extend"
EXTEND_ATTACHED = "volume:extend_attached_volume"
RESET_STATUS = "volume_extension:volume_admin_actions:reset_status"
RETYPE = "volume:retype"
SET_BOOTABLE = "volume:update_volume_bootable"  # os-set_bootable
READONLY = "volume:update_readonly_flag"
UPLOAD_IMAGE = "volume_extension:volume_actions:upload_image"
UPLOAD_PUBLIC = "volume_extension:volume_actions:upload_public"
IMAGE_METADATA_SET = "volume_extension:volume_image_metadata:set"
IMAGE_METADATA_REMOVE = "volume_extension:volume_image_metadata:remove"
# The legacy attach flow (os-reserve ... os-detach): compute's, or the owner's.
ATTACH = "volume_extension:volume_actions:attach"
DETACH = "volume_extension:volume_actions:detach"
RESERVE = "volume_extension:volume_actions:reserve"
UNRESERVE = "volume_extension:volume_actions:unreserve"
BEGIN_DETACHING = "volume_extension:volume_actions:begin_detaching"
ROLL_DETACHING = "volume_extension:volume_actions:roll_detaching"
INITIALIZE = "volume_extension:volume_actions:initialize_connection"
TERMINATE = "volume_extension:volume_actions:terminate_connection"

_ACTION = "/v3/volumes/{volume_id}/action"

RULES = [
    base.rule(name, check, what, "POST", _ACTION) for name, check, what in (
        (EXTEND, base.OWNER_MEMBER, "Extend a volume (os-extend)."),
        (EXTEND_ATTACHED, base.OWNER_MEMBER, "Extend an in-use volume (3.42)."),
        (RESET_STATUS, base.ADMIN, "Reset a volume's status (os-reset_status)."),
        (RETYPE, base.OWNER_MEMBER, "Change a volume's type (os-retype)."),
        (SET_BOOTABLE, base.OWNER_MEMBER, "Set the bootable flag (os-set_bootable)."),
        (READONLY, base.OWNER_MEMBER,
         "Set the read-only flag (os-update_readonly_flag)."),
        (UPLOAD_IMAGE, base.OWNER_MEMBER,
         "Upload a volume to an image (os-volume_upload_image)."),
        (UPLOAD_PUBLIC, base.ADMIN, "Upload a volume to a public image."),
        (IMAGE_METADATA_SET, base.OWNER_MEMBER,
         "Set image metadata of a volume (os-set_image_metadata)."),
        (IMAGE_METADATA_REMOVE, base.OWNER_MEMBER,
         "Remove image metadata of a volume (os-unset_image_metadata)."),
        (ATTACH, base.OWNER_MEMBER_OR_SERVICE, "Mark a volume attached (os-attach)."),
        (DETACH, base.OWNER_MEMBER_OR_SERVICE, "Mark a volume detached (os-detach)."),
        (RESERVE, base.OWNER_MEMBER_OR_SERVICE, "Reserve a volume (os-reserve)."),
        (UNRESERVE, base.OWNER_MEMBER_OR_SERVICE, "Unreserve (os-unreserve)."),
        (BEGIN_DETACHING, base.OWNER_MEMBER_OR_SERVICE,
         "Begin detaching (os-begin_detaching)."),
        (ROLL_DETACHING, base.OWNER_MEMBER_OR_SERVICE,
         "Roll back detaching (os-roll_detaching)."),
        (INITIALIZE, base.OWNER_MEMBER_OR_SERVICE,
         "Get connection info (os-initialize_connection)."),
        (TERMINATE, base.OWNER_MEMBER_OR_SERVICE,
         "End a connection (os-terminate_connection)."),
    )
]

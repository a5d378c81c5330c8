from sovra_block.api.policies import base

CREATE = "volume:create_snapshot"
GET = "volume:get_snapshot"
GET_ALL = "volume:get_all_snapshots"
UPDATE = "volume:update_snapshot"
DELETE = "volume:delete_snapshot"
RESET_STATUS = "volume_extension:snapshot_admin_actions:reset_status"
FORCE_DELETE = "volume_extension:snapshot_admin_actions:force_delete"
GET_METADATA = "volume:get_snapshot_metadata"
UPDATE_METADATA = "volume:update_snapshot_metadata"
DELETE_METADATA = "volume:delete_snapshot_metadata"
PROJECT_ATTRIBUTE = "volume_extension:extended_snapshot_attributes"

_PATH = "/v3/snapshots"
_ITEM = _PATH + "/{snapshot_id}"

RULES = [
    base.rule(CREATE, base.OWNER_MEMBER, "Create a snapshot.", "POST", _PATH),
    base.rule(GET, base.OWNER_READER, "Show a snapshot.", "GET", _ITEM),
    base.rule(GET_ALL, base.OWNER_READER, "List snapshots.", "GET", _PATH),
    base.rule(UPDATE, base.OWNER_MEMBER, "Update a snapshot.", "PUT", _ITEM),
    base.rule(DELETE, base.OWNER_MEMBER, "Delete a snapshot.", "DELETE", _ITEM),
    base.rule(RESET_STATUS, base.ADMIN, "Reset a snapshot's status.", "POST",
              _ITEM + "/action"),
    base.rule(FORCE_DELETE, base.ADMIN, "Delete a snapshot whatever its status.",
              "POST", _ITEM + "/action"),
    base.rule(GET_METADATA, base.OWNER_READER, "Show a snapshot's metadata.", "GET",
              _ITEM + "/metadata"),
    base.rule(UPDATE_METADATA, base.OWNER_MEMBER, "Set a snapshot's metadata.", "PUT",
              _ITEM + "/metadata"),
    base.rule(DELETE_METADATA, base.OWNER_MEMBER, "Delete a snapshot metadata item.",
              "DELETE", _ITEM + "/metadata/{key}"),
    base.rule(PROJECT_ATTRIBUTE, base.OWNER_READER,
              "See os-extended-snapshot-attributes:*.", "GET", _ITEM),
]

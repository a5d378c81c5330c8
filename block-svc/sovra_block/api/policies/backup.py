from sovra_block.api.policies import base

CREATE = "backup:create"
GET = "backup:get"
GET_ALL = "backup:get_all"
UPDATE = "backup:update"
DELETE = "backup:delete"
RESTORE = "backup:restore"
RESET_STATUS = "volume_extension:backup_admin_actions:reset_status"
FORCE_DELETE = "volume_extension:backup_admin_actions:force_delete"

_PATH = "/v3/backups"
_ITEM = _PATH + "/{backup_id}"

RULES = [
    base.rule(CREATE, base.OWNER_MEMBER, "Back up a volume.", "POST", _PATH),
    base.rule(GET, base.OWNER_READER, "Show a backup.", "GET", _ITEM),
    base.rule(GET_ALL, base.OWNER_READER, "List backups.", "GET", _PATH),
    base.rule(UPDATE, base.OWNER_MEMBER, "Rename or describe a backup.", "PUT", _ITEM),
    base.rule(DELETE, base.OWNER_MEMBER, "Delete a backup.", "DELETE", _ITEM),
    base.rule(RESTORE, base.OWNER_MEMBER, "Restore a backup into a volume.", "POST",
              _ITEM + "/restore"),
    base.rule(RESET_STATUS, base.ADMIN, "Reset a backup's status.", "POST",
              _ITEM + "/action"),
    base.rule(FORCE_DELETE, base.ADMIN, "Delete a backup whatever its status.", "POST",
              _ITEM + "/action"),
]

"""Quota sets: a project's readers see its quotas; administrators see and change
every project's."""

from sovra_block.api.policies import base

SHOW = "volume_extension:quotas:show"
UPDATE = "volume_extension:quotas:update"
DELETE = "volume_extension:quotas:delete"

_ITEM = "/v3/os-quota-sets/{project_id}"

RULES = [
    base.rule(SHOW, base.OWNER_READER, "Show a project's quotas (or their defaults).",
              "GET", _ITEM),
    base.rule(UPDATE, base.ADMIN, "Set a project's quotas.", "PUT", _ITEM),
    base.rule(DELETE, base.ADMIN, "Reset a project's quotas to the defaults.",
              "DELETE", _ITEM),
]

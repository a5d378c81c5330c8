"""Volume types: every reader lists and shows the types they may see (public ones,
and private ones shared with their project); administrators manage them."""

from sovra_block.api.policies import base

CREATE = "volume_extension:type_create"
UPDATE = "volume_extension:type_update"
DELETE = "volume_extension:type_delete"
GET = "volume_extension:type_get"
GET_ALL = "volume_extension:type_get_all"
QOS_SPECS_ID = "volume_extension:access_types_qos_specs_id"
ALL_EXTRA_SPECS = "volume_extension:access_types_extra_specs"
EXTRA_SPECS_INDEX = "volume_extension:types_extra_specs:index"
EXTRA_SPECS_SHOW = "volume_extension:types_extra_specs:show"
EXTRA_SPECS_CREATE = "volume_extension:types_extra_specs:create"
EXTRA_SPECS_UPDATE = "volume_extension:types_extra_specs:update"
EXTRA_SPECS_DELETE = "volume_extension:types_extra_specs:delete"
ADD_PROJECT = "volume_extension:volume_type_access:addProjectAccess"
REMOVE_PROJECT = "volume_extension:volume_type_access:removeProjectAccess"
ACCESS_LIST = "volume_extension:volume_type_access:get_all_for_type"

_PATH = "/v3/types"
_ITEM = _PATH + "/{volume_type_id}"
_SPECS = _ITEM + "/extra_specs"

RULES = [
    base.rule(CREATE, base.ADMIN, "Create a volume type.", "POST", _PATH),
    base.rule(UPDATE, base.ADMIN, "Update a volume type.", "PUT", _ITEM),
    base.rule(DELETE, base.ADMIN, "Delete a volume type.", "DELETE", _ITEM),
    base.rule(GET, base.ANY_READER, "Show a volume type (or the default one).",
              "GET", _ITEM),
    base.rule(GET_ALL, base.ANY_READER, "List volume types.", "GET", _PATH),
    base.rule(QOS_SPECS_ID, base.ADMIN, "See a volume type's qos_specs_id.", "GET",
              _ITEM),
    base.rule(ALL_EXTRA_SPECS, base.ADMIN,
              "See every extra spec of a volume type (others see only the "
              "user-visible ones: RESKEY:availability_zones, multiattach, "
              "replication_enabled).", "GET", _ITEM),
    base.rule(EXTRA_SPECS_INDEX, base.ANY_READER, "List a volume type's extra specs.",
              "GET", _SPECS),
    base.rule(EXTRA_SPECS_SHOW, base.ANY_READER, "Show one extra spec.", "GET",
              _SPECS + "/{key}"),
    base.rule(EXTRA_SPECS_CREATE, base.ADMIN, "Add or change extra specs.", "POST",
              _SPECS),
    base.rule(EXTRA_SPECS_UPDATE, base.ADMIN, "Change one extra spec.", "PUT",
              _SPECS + "/{key}"),
    base.rule(EXTRA_SPECS_DELETE, base.ADMIN, "Delete one extra spec.", "DELETE",
              _SPECS + "/{key}"),
    base.rule(ADD_PROJECT, base.ADMIN, "Share a private volume type with a project.",
              "POST", _ITEM + "/action"),
    base.rule(REMOVE_PROJECT, base.ADMIN, "Stop sharing a private volume type with a "
              "project.", "POST", _ITEM + "/action"),
    base.rule(ACCESS_LIST, base.ADMIN, "List the projects a private type is shared "
              "with.", "GET", _ITEM + "/os-volume-type-access"),
]

from sovra_block.api.policies import base

CREATE = "volume:create"
CREATE_FROM_IMAGE = "volume:create_from_image"
GET = "volume:get"
GET_ALL = "volume:get_all"
UPDATE = "volume:update"
DELETE = "volume:delete"
FORCE_DELETE = "volume:force_delete"
GET_METADATA = "volume:get_volume_metadata"
UPDATE_METADATA = "volume:update_volume_metadata"
DELETE_METADATA = "volume:delete_volume_metadata"
HOST_ATTRIBUTE = "volume_extension:volume_host_attribute"
TENANT_ATTRIBUTE = "volume_extension:volume_tenant_attribute"
IMAGE_METADATA = "volume_extension:volume_image_metadata:show"

_PATH = "/v3/volumes"
_ITEM = _PATH + "/{volume_id}"

RULES = [
    base.rule(CREATE, base.OWNER_MEMBER, "Create a volume.", "POST", _PATH),
    base.rule(CREATE_FROM_IMAGE, base.OWNER_MEMBER, "Create a volume from an image.",
              "POST", _PATH),
    base.rule(GET, base.OWNER_READER_OR_SERVICE, "Show a volume.", "GET", _ITEM),
    base.rule(GET_ALL, base.OWNER_READER, "List volumes.", "GET", _PATH),
    base.rule(UPDATE, base.OWNER_MEMBER, "Update a volume's name or description.",
              "PUT", _ITEM),
    base.rule(DELETE, base.OWNER_MEMBER, "Delete a volume.", "DELETE", _ITEM),
    base.rule(FORCE_DELETE, base.ADMIN, "Delete a volume whatever its status.",
              "POST", _ITEM + "/action"),
    base.rule(GET_METADATA, base.OWNER_READER, "Show a volume's metadata.", "GET",
              _ITEM + "/metadata"),
    base.rule(UPDATE_METADATA, base.OWNER_MEMBER, "Set a volume's metadata.", "PUT",
              _ITEM + "/metadata"),
    base.rule(DELETE_METADATA, base.OWNER_MEMBER, "Delete a volume metadata item.",
              "DELETE", _ITEM + "/metadata/{key}"),
    base.rule(HOST_ATTRIBUTE, base.ADMIN, "See os-vol-host-attr:host.", "GET", _ITEM),
    base.rule(TENANT_ATTRIBUTE, base.OWNER_READER,
              "See os-vol-tenant-attr:tenant_id.", "GET", _ITEM),
    base.rule(IMAGE_METADATA, base.OWNER_READER,
              "See volume_image_metadata.", "GET", _ITEM),
]

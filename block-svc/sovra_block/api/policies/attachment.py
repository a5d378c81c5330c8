from sovra_block.api.policies import base

CREATE = "volume:attachment_create"
GET = "volume:attachment_get"
GET_ALL = "volume:attachment_get_all"
UPDATE = "volume:attachment_update"
DELETE = "volume:attachment_delete"
COMPLETE = "volume:attachment_complete"

_PATH = "/v3/attachments"
_ITEM = _PATH + "/{attachment_id}"

RULES = [
    base.rule(CREATE, base.OWNER_MEMBER_OR_SERVICE, "Create an attachment.", "POST",
              _PATH),
    base.rule(GET, base.OWNER_READER_OR_SERVICE, "Show an attachment.", "GET", _ITEM),
    base.rule(GET_ALL, base.OWNER_READER_OR_SERVICE, "List attachments.", "GET",
              _PATH),
    base.rule(UPDATE, base.OWNER_MEMBER_OR_SERVICE,
              "Update an attachment with a connector.", "PUT", _ITEM),
    base.rule(DELETE, base.OWNER_MEMBER_OR_SERVICE, "Delete an attachment.",
              "DELETE", _ITEM),
    base.rule(COMPLETE, base.OWNER_MEMBER_OR_SERVICE,
              "Mark an attachment complete (os-complete, 3.44).", "POST",
              _ITEM + "/action"),
]

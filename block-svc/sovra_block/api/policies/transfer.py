from sovra_block.api.policies import base

CREATE = "volume:create_transfer"
ACCEPT = "volume:accept_transfer"
DELETE = "volume:delete_transfer"
GET = "volume:get_transfer"
GET_ALL = "volume:get_all_transfers"

_PATH = "/v3/os-volume-transfer"
_ITEM = _PATH + "/{transfer_id}"

RULES = [
    base.rule(CREATE, base.OWNER_MEMBER, "Offer a volume to another project.", "POST",
              _PATH),
    # whoever holds the transfer id and key may accept it into their own project
    base.rule(ACCEPT, "role:member", "Accept a volume transfer.", "POST",
              _ITEM + "/accept"),
    base.rule(DELETE, base.OWNER_MEMBER, "Withdraw a volume transfer.", "DELETE",
              _ITEM),
    base.rule(GET, base.OWNER_READER, "Show a volume transfer.", "GET", _ITEM),
    base.rule(GET_ALL, base.OWNER_READER, "List volume transfers.", "GET", _PATH),
]

"""QoS specs: administrators only."""

from sovra_block.api.policies import base

CREATE = "volume_extension:qos_specs_manage:create"
GET = "volume_extension:qos_specs_manage:get"
GET_ALL = "volume_extension:qos_specs_manage:get_all"
UPDATE = "volume_extension:qos_specs_manage:update"
DELETE = "volume_extension:qos_specs_manage:delete"

_PATH = "/v3/qos-specs"
_ITEM = _PATH + "/{qos_id}"

RULES = [
    base.rule(CREATE, base.ADMIN, "Create a QoS spec.", "POST", _PATH),
    base.rule(GET, base.ADMIN, "Show a QoS spec or its associations.", "GET", _ITEM),
    base.rule(GET_ALL, base.ADMIN, "List QoS specs.", "GET", _PATH),
    base.rule(UPDATE, base.ADMIN, "Set or unset a QoS spec's keys; associate it with "
              "volume types or disassociate it.", "PUT", _ITEM),
    base.rule(DELETE, base.ADMIN, "Delete a QoS spec.", "DELETE", _ITEM),
]

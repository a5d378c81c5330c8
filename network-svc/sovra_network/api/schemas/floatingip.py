from sovra_network.api.schemas import common

_ADDRESS = {"type": ["string", "null"], "maxLength": 64}

CREATE = common.envelope("floatingip", {
    "floating_network_id": common.UUID,
    "floating_ip_address": {"type": "string", "maxLength": 64},
    "subnet_id": common.UUID,
    "port_id": {"oneOf": [common.UUID, {"type": "null"}]},
    "fixed_ip_address": _ADDRESS,
    "description": common.DESCRIPTION,
    "project_id": common.PROJECT_ID, "tenant_id": common.PROJECT_ID,
}, required=["floating_network_id"])
UPDATE = common.envelope("floatingip", {
    "port_id": {"oneOf": [common.UUID, {"type": "null"}]},
    "fixed_ip_address": _ADDRESS,
    "description": common.DESCRIPTION,
})

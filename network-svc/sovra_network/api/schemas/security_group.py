from sovra_network.api.schemas import common

_PORT = {"type": ["integer", "null"], "minimum": 0, "maximum": 65535}

CREATE = common.envelope("security_group", {
    "name": common.NAME, "description": common.DESCRIPTION,
    "stateful": common.BOOL, "project_id": common.PROJECT_ID,
    "tenant_id": common.PROJECT_ID,
})
UPDATE = common.envelope("security_group", {
    "name": common.NAME, "description": common.DESCRIPTION, "stateful": common.BOOL,
})
RULE_CREATE = common.envelope("security_group_rule", {
    "security_group_id": {"type": "string"},
    "direction": {"enum": ["ingress", "egress"]},
    "ethertype": {"enum": ["IPv4", "IPv6"]},
    "protocol": {"type": ["string", "integer", "null"]},
    "port_range_min": _PORT, "port_range_max": _PORT,
    "remote_ip_prefix": {"type": ["string", "null"]},
    "remote_group_id": {"type": ["string", "null"]},
    "remote_address_group_id": {"type": "null"},
    "description": common.DESCRIPTION,
    "project_id": common.PROJECT_ID, "tenant_id": common.PROJECT_ID,
}, required=["security_group_id", "direction"])

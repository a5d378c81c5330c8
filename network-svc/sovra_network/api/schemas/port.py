from sovra_network.api.schemas import common

_FIXED_IPS = {"type": "array", "items": {
    "type": "object", "additionalProperties": False,
    "properties": {"subnet_id": {"type": "string"}, "ip_address": {"type": "string"}}}}
_PAIRS = {"type": ["array", "null"], "items": {
    "type": "object", "required": ["ip_address"], "additionalProperties": False,
    "properties": {"ip_address": {"type": "string"},
                   "mac_address": {"type": "string"}}}}

_WRITABLE = {
    "name": common.NAME, "description": common.DESCRIPTION,
    "admin_state_up": common.BOOL,
    "device_id": {"type": "string", "maxLength": 255},
    "device_owner": {"type": "string", "maxLength": 255},
    "fixed_ips": _FIXED_IPS,
    "mac_address": {"type": "string"},
    "security_groups": {"type": ["array", "null"], "items": {"type": "string"}},
    "allowed_address_pairs": _PAIRS,
    "port_security_enabled": common.BOOL,
    "binding:host_id": {"type": ["string", "null"], "maxLength": 255},
    "binding:profile": {"type": ["object", "null"]},
    "binding:vnic_type": {"type": "string"},
    "extra_dhcp_opts": {"type": "array", "maxItems": 0},
    "qos_policy_id": {"type": "null"},
}
CREATE = common.envelope("port", {
    **_WRITABLE, "network_id": common.UUID, "project_id": common.PROJECT_ID,
    "tenant_id": common.PROJECT_ID,
}, required=["network_id"])
UPDATE = common.envelope("port", {
    **_WRITABLE,
    "status": {"enum": ["ACTIVE", "DOWN", "BUILD", "ERROR"]},
})

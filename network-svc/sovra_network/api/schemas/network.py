from sovra_network.api.schemas import common

_WRITABLE = {
    "name": common.NAME,
    "description": common.DESCRIPTION,
    "admin_state_up": common.BOOL,
    "shared": common.BOOL,
    "router:external": common.BOOL,
    "mtu": {"type": "integer", "minimum": 68, "maximum": 65535},
    "port_security_enabled": common.BOOL,
}

_CREATE_ONLY = {
    "project_id": common.PROJECT_ID,
    "tenant_id": common.PROJECT_ID,
    "availability_zone_hints": {"type": "array", "items": {"type": "string"}},
    "provider:network_type": {"type": "string"},
    "provider:physical_network": {"type": ["string", "null"]},
    "provider:segmentation_id": {"type": ["integer", "null"], "minimum": 1},
    # Accepted and ignored by Neutron too for a new network.
    "dns_domain": {"type": "string"},
    "qos_policy_id": {"type": "null"},
    "is_default": common.BOOL,
}

CREATE = common.envelope("network", {**_WRITABLE, **_CREATE_ONLY})
UPDATE = common.envelope("network", _WRITABLE, min_properties=0)

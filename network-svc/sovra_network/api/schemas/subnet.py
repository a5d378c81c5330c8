from sovra_network.api.schemas import common

_IP = {"type": "string", "maxLength": 64}
_POOLS = {"type": "array", "items": {
    "type": "object", "required": ["start", "end"], "additionalProperties": False,
    "properties": {"start": _IP, "end": _IP}}}
_ROUTES = {"type": "array", "items": {
    "type": "object", "required": ["destination", "nexthop"],
    "additionalProperties": False,
    "properties": {"destination": _IP, "nexthop": _IP}}}
_V6_MODES = {"enum": ["slaac", "dhcpv6-stateful", "dhcpv6-stateless", None]}

_WRITABLE = {
    "name": common.NAME, "description": common.DESCRIPTION,
    "gateway_ip": {"type": ["string", "null"], "maxLength": 64},
    "enable_dhcp": common.BOOL,
    "dns_nameservers": {"type": "array", "items": _IP},
    "host_routes": _ROUTES,
    "allocation_pools": _POOLS,
    "segment_id": {"type": "null"},
    "service_types": {"type": "array", "maxItems": 0},
}
CREATE = common.envelope("subnet", {
    **_WRITABLE,
    "network_id": common.UUID, "project_id": common.PROJECT_ID,
    "tenant_id": common.PROJECT_ID,
    "ip_version": {"enum": [4, 6]}, "cidr": {"type": ["string", "null"]},
    "ipv6_ra_mode": _V6_MODES, "ipv6_address_mode": _V6_MODES,
    "subnetpool_id": {"type": ["string", "null"]},
    "prefixlen": {"type": ["integer", "string"]},
    "use_default_subnetpool": common.BOOL,
}, required=["network_id"])
UPDATE = common.envelope("subnet", _WRITABLE)

_PREFIXLEN = {"type": ["integer", "string"]}
_POOL_WRITABLE = {
    "name": common.NAME, "description": common.DESCRIPTION,
    "prefixes": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "default_prefixlen": {"type": "integer", "minimum": 0, "maximum": 128},
    "min_prefixlen": {"type": "integer", "minimum": 0, "maximum": 128},
    "max_prefixlen": {"type": "integer", "minimum": 0, "maximum": 128},
    "is_default": common.BOOL,
}
POOL_CREATE = common.envelope("subnetpool", {
    **_POOL_WRITABLE, "shared": common.BOOL, "project_id": common.PROJECT_ID,
    "tenant_id": common.PROJECT_ID, "address_scope_id": {"type": "null"},
}, required=["prefixes"])
POOL_UPDATE = common.envelope("subnetpool", _POOL_WRITABLE)

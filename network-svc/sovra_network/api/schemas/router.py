from sovra_network.api.schemas import common

_ROUTE = {"type": "object", "required": ["destination", "nexthop"],
          "additionalProperties": False,
          "properties": {"destination": {"type": "string"},
                         "nexthop": {"type": "string"}}}
_ROUTES = {"type": "array", "items": _ROUTE}
_FIXED_IP = {"type": "object", "additionalProperties": False,
             "properties": {"subnet_id": common.UUID, "ip_address": {"type": "string"}}}
_GATEWAY = {"type": ["object", "null"], "additionalProperties": False,
            "properties": {"network_id": {"oneOf": [common.UUID, {"type": "null"}]},
                           "enable_snat": common.BOOL,
                           "external_fixed_ips": {"type": "array",
                                                  "items": _FIXED_IP}}}
# Not offered (no dvr, l3-ha or l3-flavors extensions): accepted only as false/null.
_FALSE = {"enum": [False]}

_WRITABLE = {
    "name": common.NAME, "description": common.DESCRIPTION,
    "admin_state_up": common.BOOL, "external_gateway_info": _GATEWAY,
    "distributed": _FALSE, "ha": _FALSE,
}
CREATE = common.envelope("router", {
    **_WRITABLE, "project_id": common.PROJECT_ID, "tenant_id": common.PROJECT_ID,
    "availability_zone_hints": {"type": "array", "items": {"type": "string",
                                                           "maxLength": 255}},
    "flavor_id": {"type": "null"},
})
UPDATE = common.envelope("router", {**_WRITABLE,
                                    "routes": {"type": ["array", "null"],
                                               "items": _ROUTE}})
EXTRAROUTES = common.envelope("router", {"routes": _ROUTES}, required=["routes"])
INTERFACE = {"type": "object", "additionalProperties": False,
             "properties": {"subnet_id": common.UUID, "port_id": common.UUID}}

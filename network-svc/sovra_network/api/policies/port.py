from oslo_policy import policy as oslo_policy

from sovra_network.api.policies import base

GET = "get_port"
CREATE = "create_port"
UPDATE = "update_port"
DELETE = "delete_port"
GET_BINDING = "get_port:binding"
SET_BINDING = "port:binding"
SET_MAC = "port:mac_address"
SET_STATUS = "update_port:status"
SET_DEVICE_OWNER_NETWORK = "port:device_owner:network"

_PATH = "/v2.0/ports"
_NETWORK_OWNER = "project_id:%(network_project_id)s"

RULES = [
    *base.crud("port", _PATH,
               get=f"{base.OWNER_READER} or (role:reader and {_NETWORK_OWNER})",
               create=f"{base.SHARED_MEMBER} or rule:service_api",
               update=f"{base.OWNER_MEMBER} or rule:service_api or "
                      f"(role:member and {_NETWORK_OWNER})",
               delete=f"{base.OWNER_MEMBER} or rule:service_api or "
                      f"(role:member and {_NETWORK_OWNER})"),
    oslo_policy.DocumentedRuleDefault(
        GET_BINDING, base.ADMIN_OR_SERVICE,
        "See a port's binding:* attributes (host, vif type and details, profile).",
        [{"method": "GET", "path": _PATH}]),
    oslo_policy.DocumentedRuleDefault(
        SET_BINDING, base.ADMIN_OR_SERVICE,
        "Set a port's binding:host_id, binding:profile (compute binds ports).",
        [{"method": "POST", "path": _PATH}, {"method": "PUT", "path": _PATH + "/{id}"}]),
    oslo_policy.DocumentedRuleDefault(
        SET_MAC, f"{base.ADMIN_OR_SERVICE} or (role:member and {_NETWORK_OWNER})",
        "Choose a port's MAC address.",
        [{"method": "POST", "path": _PATH}, {"method": "PUT", "path": _PATH + "/{id}"}]),
    oslo_policy.DocumentedRuleDefault(
        SET_STATUS, base.ADMIN_OR_SERVICE,
        "Set a port's status: how the network agent (a service) reports a port "
        "ACTIVE once plugged, or DOWN.",
        [{"method": "PUT", "path": _PATH + "/{id}"}]),
    oslo_policy.DocumentedRuleDefault(
        SET_DEVICE_OWNER_NETWORK,
        f"{base.ADMIN_OR_SERVICE} or (role:member and {_NETWORK_OWNER})",
        "Give a port a network:* device_owner (DHCP, router interfaces).",
        [{"method": "POST", "path": _PATH}, {"method": "PUT", "path": _PATH + "/{id}"}]),
]

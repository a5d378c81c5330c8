"""The Networking API v2.0 route table."""

from sovra_network.api.handlers import (
    extension,
    floatingip,
    info,
    network,
    port,
    quota,
    root,
    router,
    security_group,
    security_group_rule,
    subnet,
    subnetpool,
    tag,
)

_V2 = "/v2.0"
_TAGS = _V2 + "/<collection>/<resource_id>/tags"
_QUOTA = _V2 + "/quotas/<project_id>"
_ROUTER = _V2 + "/routers/<router_id>"

ROUTES = {
    "/": {"GET": root.list_versions},
    _V2: {"GET": root.show_v2},
    _V2 + "/extensions": {"GET": extension.list_extensions},
    _V2 + "/extensions/<alias>": {"GET": extension.show_extension},
    _V2 + "/networks": {"GET": network.list_networks, "POST": network.create_network},
    _V2 + "/networks/<network_id>": {"GET": network.show_network,
                                     "PUT": network.update_network,
                                     "DELETE": network.delete_network},
    _V2 + "/subnets": {"GET": subnet.list_subnets, "POST": subnet.create_subnet},
    _V2 + "/subnets/<subnet_id>": {"GET": subnet.show_subnet,
                                   "PUT": subnet.update_subnet,
                                   "DELETE": subnet.delete_subnet},
    _V2 + "/subnetpools": {"GET": subnetpool.list_subnetpools,
                           "POST": subnetpool.create_subnetpool},
    _V2 + "/subnetpools/<subnetpool_id>": {"GET": subnetpool.show_subnetpool,
                                           "PUT": subnetpool.update_subnetpool,
                                           "DELETE": subnetpool.delete_subnetpool},
    _V2 + "/ports": {"GET": port.list_ports, "POST": port.create_port},
    _V2 + "/ports/<port_id>": {"GET": port.show_port, "PUT": port.update_port,
                               "DELETE": port.delete_port},
    _V2 + "/security-groups": {"GET": security_group.list_security_groups,
                               "POST": security_group.create_security_group},
    _V2 + "/security-groups/<security_group_id>": {
        "GET": security_group.show_security_group,
        "PUT": security_group.update_security_group,
        "DELETE": security_group.delete_security_group},
    _V2 + "/security-group-rules": {
        "GET": security_group_rule.list_security_group_rules,
        "POST": security_group_rule.create_security_group_rule},
    _V2 + "/security-group-rules/<rule_id>": {
        "GET": security_group_rule.show_security_group_rule,
        "DELETE": security_group_rule.delete_security_group_rule},
    _V2 + "/routers": {"GET": router.list_routers, "POST": router.create_router},
    _ROUTER: {"GET": router.show_router, "PUT": router.update_router,
              "DELETE": router.delete_router},
    _ROUTER + "/add_router_interface": {"PUT": router.add_router_interface},
    _ROUTER + "/remove_router_interface": {"PUT": router.remove_router_interface},
    _ROUTER + "/add_extraroutes": {"PUT": router.add_extraroutes},
    _ROUTER + "/remove_extraroutes": {"PUT": router.remove_extraroutes},
    _V2 + "/floatingips": {"GET": floatingip.list_floatingips,
                           "POST": floatingip.create_floatingip},
    _V2 + "/floatingips/<floatingip_id>": {"GET": floatingip.show_floatingip,
                                           "PUT": floatingip.update_floatingip,
                                           "DELETE": floatingip.delete_floatingip},
    _V2 + "/quotas": {"GET": quota.list_quotas},
    _QUOTA: {"GET": quota.show_quota, "PUT": quota.update_quota,
             "DELETE": quota.delete_quota},
    _QUOTA + "/default": {"GET": quota.show_default_quota},
    _QUOTA + "/details.json": {"GET": quota.show_quota_details},
    _QUOTA + "/details": {"GET": quota.show_quota_details},
    _V2 + "/agents": {"GET": info.list_agents},
    _V2 + "/agents/<agent_id>": {"GET": info.show_agent},
    _V2 + "/availability_zones": {"GET": info.list_availability_zones},
    _V2 + "/network-ip-availabilities": {"GET": info.list_network_ip_availabilities},
    _V2 + "/network-ip-availabilities/<network_id>": {
        "GET": info.show_network_ip_availability},
    _TAGS: {"GET": tag.list_tags, "PUT": tag.replace_tags, "DELETE": tag.delete_tags},
    _TAGS + "/<tag>": {"GET": tag.check_tag, "PUT": tag.add_tag,
                       "DELETE": tag.delete_tag},
}

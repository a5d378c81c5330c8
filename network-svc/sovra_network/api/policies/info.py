"""Agents (list, show, update, delete), availability zones, network IP
availability."""

from oslo_policy import policy as oslo_policy

from sovra_network.api.policies import base

GET_AGENT = "get_agent"
UPDATE_AGENT = "update_agent"
DELETE_AGENT = "delete_agent"
GET_AVAILABILITY_ZONE = "get_availability_zone"
GET_IP_AVAILABILITY = "get_network_ip_availability"

RULES = [
    oslo_policy.DocumentedRuleDefault(
        GET_AGENT, base.ADMIN_OR_SERVICE, "List the network agents, or show one.",
        [{"method": "GET", "path": "/v2.0/agents"},
         {"method": "GET", "path": "/v2.0/agents/{id}"}]),
    oslo_policy.DocumentedRuleDefault(
        UPDATE_AGENT, base.ADMIN, "Set a network agent's admin_state_up or description.",
        [{"method": "PUT", "path": "/v2.0/agents/{id}"}]),
    oslo_policy.DocumentedRuleDefault(
        DELETE_AGENT, base.ADMIN, "Forget a network agent (a live one comes back).",
        [{"method": "DELETE", "path": "/v2.0/agents/{id}"}]),
    oslo_policy.DocumentedRuleDefault(
        GET_AVAILABILITY_ZONE, base.ANY_READER, "List availability zones.",
        [{"method": "GET", "path": "/v2.0/availability_zones"}]),
    oslo_policy.DocumentedRuleDefault(
        GET_IP_AVAILABILITY, base.ADMIN,
        "Show how many addresses networks and subnets have and use.",
        [{"method": "GET", "path": "/v2.0/network-ip-availabilities"},
         {"method": "GET", "path": "/v2.0/network-ip-availabilities/{network_id}"}]),
]

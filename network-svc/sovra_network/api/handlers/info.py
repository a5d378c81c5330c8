"""Agents (remembered rows, alive by coordination: service/agent.py), and the
read-only views: availability zones (one "nova" zone), network IP availability."""

from __future__ import annotations

from sovra_common.wsgi.routes import json_response
from sovra_network import exception as net_exc
from sovra_network.api import listing
from sovra_network.api.policies import info as policies
from sovra_network.api.schemas import agent as agent_schemas
from sovra_network.service import agent as agent_service
from sovra_network.service import ip_availability

ZONES = [{"name": "nova", "resource": "network", "state": "available"}]


def _matches(item: dict, filters: dict) -> bool:
    for key, values in filters.items():
        if key in item and str(item[key]).lower() not in {v.lower() for v in values}:
            return False
    return True


def _agents_args(req) -> tuple:
    extras = req.state.extras
    return extras["db"], extras["coordinator"], req.state.conf


def list_agents(req):
    req.authorize(policies.GET_AGENT)
    spec, fields = listing.parse(req)
    agents = agent_service.list_agents(*_agents_args(req))
    items = [listing.select_fields(a, fields) for a in agents
             if _matches(a, spec.filters)]
    return json_response({"agents": items})


def show_agent(req, agent_id):
    req.authorize(policies.GET_AGENT)
    return json_response({"agent": agent_service.get(*_agents_args(req), agent_id)})


def update_agent(req, agent_id):
    req.authorize(policies.UPDATE_AGENT)
    changes = req.json_body(agent_schemas.UPDATE)["agent"]
    agent = agent_service.update(*_agents_args(req), agent_id, changes)
    return json_response({"agent": agent})


def delete_agent(req, agent_id):
    req.authorize(policies.DELETE_AGENT)
    agent_service.delete(*_agents_args(req), agent_id)
    return json_response(None, status=204)


def list_availability_zones(req):
    req.authorize(policies.GET_AVAILABILITY_ZONE)
    spec, _ = listing.parse(req)
    return json_response({"availability_zones": [z for z in ZONES
                                                 if _matches(z, spec.filters)]})


def list_network_ip_availabilities(req):
    req.authorize(policies.GET_IP_AVAILABILITY, {"project_id": None})
    spec, fields = listing.parse(req)
    items = ip_availability.list_availabilities(req.state.extras["db"], spec.filters)
    return json_response({"network_ip_availabilities": [
        listing.select_fields(i, fields) for i in items]})


def show_network_ip_availability(req, network_id):
    req.authorize(policies.GET_IP_AVAILABILITY, {"project_id": None})
    item = ip_availability.get(req.state.extras["db"], network_id)
    if item is None:
        raise net_exc.NetworkNotFound(id=network_id)
    return json_response({"network_ip_availability": item})

"""A server's interfaces: /servers/{id}/os-interface[/{port_id}].

List and show read the server's ports from the network API as the caller (their
state is the port's status) with the tag compute recorded (2.70). Attach checks
the port or network as a create does (api/server_network.py), then calls the
server's agent, which makes or binds the port and hot-plugs the NIC, and answers
with it (200, as upstream); detach casts (202): the agent unplugs the NIC and
releases the port (deleted if compute made it, unbound if the user gave it).
"""

from __future__ import annotations

import oslo_messaging

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute import network_api
from sovra_compute.api import server_network
from sovra_compute.api.handlers.server import load
from sovra_compute.api.handlers.server_action import check_unlocked
from sovra_compute.api.handlers.volume_attachment import _check_state
from sovra_compute.api.policies import server_interface as policies
from sovra_compute.api.schemas import server_interface as schemas
from sovra_compute.service import instance as instance_service


class PortNotAttached(exception.NotFound):
    message = "Port %(port_id)s is not attached to server %(server_id)s."


def _view(req, port: dict, vif: dict | None) -> dict:
    shown = {"port_id": port["id"], "net_id": port["network_id"],
             "mac_addr": port["mac_address"], "port_state": port.get("status"),
             "fixed_ips": [{"ip_address": ip["ip_address"],
                            "subnet_id": ip.get("subnet_id")}
                           for ip in port.get("fixed_ips") or ()]}
    if req.microversion.matches("2.70"):
        shown["tag"] = (vif or {}).get("tag")
    return shown


def _ports(req, instance) -> list[dict]:
    try:
        client = req.state.extras["networks"](req.context)
        with network_api.translated():
            return client.list_ports(device_id=instance["uuid"])
    except network_api.NoNetworkService:
        return []


def _vifs(instance) -> dict:
    return {v["port_id"]: v for v in instance.get("network_info") or ()}


def list_interfaces(req, server_id):
    instance = load(req, server_id, policies.LIST)
    vifs = _vifs(instance)
    return json_response({"interfaceAttachments": [
        _view(req, p, vifs.get(p["id"])) for p in _ports(req, instance)]})


def show_interface(req, server_id, port_id):
    instance = load(req, server_id, policies.SHOW)
    port = next((p for p in _ports(req, instance) if p["id"] == port_id), None)
    if port is None:
        raise PortNotAttached(port_id=port_id, server_id=server_id)
    return json_response({"interfaceAttachment": _view(
        req, port, _vifs(instance).get(port_id))})


def _requested(req, body) -> dict:
    """The one requested network of an attach body (as at create)."""
    port_id, net_id = body.get("port_id"), body.get("net_id")
    if port_id and net_id:
        raise exception.Invalid("Must not input both network_id and port_id")
    if body.get("fixed_ips") and not net_id:
        raise exception.Invalid("Must input network_id when request IP address")
    if port_id:
        item = {"port": port_id}
    elif net_id:
        item = {"uuid": net_id}
        if body.get("fixed_ips"):
            item["fixed_ip"] = body["fixed_ips"][0]["ip_address"]
    else:
        requested = server_network.parse(req, {"networks": "auto"})
        if not requested:
            raise exception.Invalid("No network to attach the server to: name one "
                                    "(net_id) or a port (port_id).")
        return {**requested[0], "tag": body.get("tag")}
    if body.get("tag"):
        item["tag"] = body["tag"]
    try:
        return server_network.parse(req, {"networks": [item]})[0]
    except network_api.FixedIpAlreadyInUse as exc:  # upstream: 409 here, 400 at create
        raise exception.Conflict(str(exc)) from None


def create_interface(req, server_id):
    body = (req.json_body(schemas.create(req.microversion))
            .get("interfaceAttachment") or {})
    instance = load(req, server_id, policies.CREATE)
    check_unlocked(req, instance)
    _check_state(req, instance, "attach_interface")
    requested = _requested(req, body)
    instance_service.record_action(req.state.extras["db"], req.context,
                                   instance["uuid"], "attach_interface")
    try:
        vif = req.state.extras["agents"].attach_interface(
            req.context, instance["host"], instance_service.for_agent(instance),
            requested)
    except oslo_messaging.MessagingTimeout:
        raise exception.ServiceUnavailable(
            f"The compute host {instance['host']} did not answer in time.") from None
    except exception.SovraError:
        raise
    except oslo_messaging.RemoteError as exc:  # the agent's own failure: a 500
        raise exception.SovraError(
            f"Failed to attach the interface: {exc.exc_type}: {exc.value}") from None
    port = {"id": vif["port_id"], "network_id": vif["network_id"],
            "mac_address": vif["mac"], "status": "ACTIVE" if vif.get("active")
            else "DOWN", "fixed_ips": vif["fixed_ips"]}
    return json_response({"interfaceAttachment": _view(req, port, vif)})


def delete_interface(req, server_id, port_id):
    instance = load(req, server_id, policies.DELETE)
    check_unlocked(req, instance)
    _check_state(req, instance, "detach_interface")
    if port_id not in _vifs(instance):
        raise PortNotAttached(port_id=port_id, server_id=server_id)
    instance_service.record_action(req.state.extras["db"], req.context,
                                   instance["uuid"], "detach_interface")
    req.state.extras["agents"].detach_interface(
        req.context, instance["host"], instance_service.for_agent(instance), port_id)
    return json_response(None, status=202)

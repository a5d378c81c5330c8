"""A server's ports, as its agent makes and releases them.

A build turns the server's ``requested_networks`` (the API recorded them: each
``{"network_id", "port_id", "fixed_ip", "tag"}``) into VIFs (network_api's
module docstring): a network entry gets a new port, made as the user (their
project's port, their quota) with ``device_id`` = the server and
``device_owner`` = ``compute:<zone>``; a port entry is the user's existing port.
Either is then bound to this node (``binding:host_id``: the name the network
agent knows this node by) with the service's credentials (binding is a service's
right).

Release (a failed build, a delete): the ports compute made are deleted, the
ports the user gave are unbound (device and host cleared: the port is theirs to
reuse). The server's ports are found by ``device_id``, so a port made and not
yet reported is not missed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from sovra_common import exception
from sovra_compute import network_api


class Networking:
    """``users(context)``: a network client acting for the context's user;
    ``service()``: one with the service's credentials; ``host``: this node's
    binding host."""

    def __init__(self, users: Callable, service: Callable, host: str):
        self._users, self._service, self.host = users, service, host

    def allocate(self, ctxt, instance: dict, report: Callable[[list], None]) -> list:
        """The VIFs of the server's requested networks, ports made and bound here.
        ``report(vifs)`` is called as each port is made or bound (the conductor
        records them). On failure, what was done is undone and the error raised."""
        requested = instance.get("requested_networks") or []
        if not requested:
            return []
        vifs: list[dict] = []
        try:
            for entry in requested:
                vifs.append(self._plug_port(ctxt, instance, entry,
                                            lambda item: report([*vifs, item])))
                report(list(vifs))
        except Exception:
            with contextlib.suppress(Exception):
                self.release(ctxt, instance)
            raise
        return vifs

    def attach(self, ctxt, instance: dict, entry: dict,
               report: Callable[[str, dict | None], None]) -> dict:
        """One more VIF for a running server (os-interface): ``entry`` as in
        ``requested_networks``; ``report(port_id, vif)`` records one VIF (None:
        it is gone). On failure only this port is released."""
        made: list[dict] = []

        def partial(item):
            made.append(item)
            report(item["port_id"], item)
        try:
            item = self._plug_port(ctxt, instance, entry, partial)
        except Exception:
            port_id = entry.get("port_id") or (made[-1]["port_id"] if made else None)
            if port_id:
                with contextlib.suppress(Exception):
                    network_api.release_port(self._service(), port_id,
                                             preexisting=bool(entry.get("port_id")))
                if made:
                    report(port_id, None)
            raise
        report(item["port_id"], item)
        return item

    def detach(self, instance: dict, vif: dict) -> None:
        """Release one VIF's port (os-interface detach): unbound if the user gave
        it, deleted if compute made it."""
        network_api.release_port(self._service(), vif["port_id"],
                                 preexisting=bool(vif.get("preexisting")))

    def _plug_port(self, ctxt, instance, entry, report_made) -> dict:
        """Make (or take) and bind the port of one requested network; its VIF."""
        uuid = instance["uuid"]
        owner = network_api.device_owner(instance.get("availability_zone"))
        users = self._users(ctxt)
        service = self._service()
        with network_api.translated():
            if entry.get("port_id"):
                port = service.bind_port(entry["port_id"], self.host,
                                         device_id=uuid, device_owner=owner)
                preexisting = True
            else:
                attrs = {"device_id": uuid, "device_owner": owner}
                if entry.get("fixed_ip"):
                    attrs["fixed_ips"] = [{"ip_address": entry["fixed_ip"]}]
                if entry.get("security_groups"):
                    attrs["security_groups"] = entry["security_groups"]
                port = users.create_port(entry["network_id"], **attrs)
                preexisting = False
                # on record before it is bound: a failure must not lose it
                report_made(_unbound(port, entry))
                port = service.bind_port(port["id"], self.host)
            network = users.get_network(port["network_id"])
            subnets = {ip["subnet_id"]: users.get_subnet(ip["subnet_id"])
                       for ip in port.get("fixed_ips") or () if ip.get("subnet_id")}
        # a given port may have floating IPs already
        floating = network_api.floating_ips(service, port["id"])
        item = network_api.vif(port, network, preexisting=preexisting,
                               tag=entry.get("tag"), subnets=subnets,
                               floating_ips=floating)
        item["active"] = port.get("status") == "ACTIVE"
        return item

    def refresh(self, instance: dict, vif: dict) -> dict | None:
        """``vif`` rebuilt from its port and floating IPs as the network API has
        them now (network-changed), its other fields kept; None when the port is
        gone or is no more the server's. Read with the service's credentials (the
        event has no user); only subnets ``vif`` does not know are read."""
        service = self._service()
        try:
            with network_api.translated():
                port = service.get_port(vif["port_id"])
        except exception.NotFound:
            return None
        if port.get("device_id") != instance["uuid"]:
            return None
        known = {ip["subnet_id"]: ip for ip in vif.get("fixed_ips") or ()
                 if ip.get("subnet_id") and "cidr" in ip}
        with network_api.translated():
            subnets = {ip["subnet_id"]: known.get(ip["subnet_id"])
                       or service.get_subnet(ip["subnet_id"])
                       for ip in port.get("fixed_ips") or () if ip.get("subnet_id")}
        floating = network_api.floating_ips(service, port["id"])
        network = {"id": vif["network_id"], "name": vif.get("network_name"),
                   "mtu": vif.get("mtu")}
        return {**vif, **network_api.vif(
            port, network, preexisting=bool(vif.get("preexisting")),
            tag=vif.get("tag"), subnets=subnets, floating_ips=floating)}

    def rebind(self, instance: dict) -> None:
        """Bind the server's ports to this node (its guest moved here)."""
        service = self._service()
        with network_api.translated():
            for vif in instance.get("network_info") or ():
                service.bind_port(vif["port_id"], self.host)

    def release(self, ctxt, instance: dict) -> None:
        """Release the server's ports (network_api.release_ports)."""
        network_api.release_ports(self._service(), instance)


def _unbound(port: dict, entry: dict) -> dict:
    """A made port's VIF before it is bound (its network's name not read yet)."""
    item = network_api.vif(port, {"id": port["network_id"]}, preexisting=False,
                           tag=entry.get("tag"))
    item["active"] = False
    return item

"""A new server's networks: the create's ``networks``, checked with the network
API as the caller, into the ``requested_networks`` its agent makes ports for.

- ``"none"``: no NIC.
- ``"auto"`` (the default before 2.37): the project's one network with a subnet,
  else the one shared network (network_api.auto_network); none or several: no NIC
  (Sovra has no get-me-a-network: it makes no network). No network service in
  the catalog: no NIC either.
- a list of ``{"uuid"}`` (a network; ``fixed_ip`` asks for an address in it),
  ``{"port"}`` (the caller's existing, unused port: it is bound, not made) and,
  at 2.32 and from 2.42, a device ``tag``.

``security_groups`` (names or ids, default the project's ``default``) are the
groups of the ports compute makes; ports the caller gives keep their own, as
upstream. An unknown group is 400.

Errors are upstream's: a network or port that does not exist (or that the caller
cannot see), a port of another project and a ``fixed_ip`` a port the caller can
see holds are 400, a port in use is 409.
"""

from __future__ import annotations

import ipaddress
import logging
import uuid as uuidlib

from sovra_common import exception
from sovra_compute import network_api

LOG = logging.getLogger(__name__)


def _uuid(value: str, what: str) -> str:
    try:
        uuidlib.UUID(value)
    except (TypeError, ValueError):
        raise exception.Invalid(f"Bad networks format: {what} uuid is not in proper "
                                f"format ({value})") from None
    return value


def _client(req):
    return req.state.extras["networks"](req.context)


def parse(req, body) -> list[dict]:
    """The requested networks of the create ``body`` (each ``{"network_id",
    "port_id", "fixed_ip", "tag"}``); raises the API's errors."""
    networks = body.get("networks", "auto")
    if networks == "none" or networks == []:
        return _with_groups(req, body, [])
    if networks == "auto":
        return _with_groups(req, body, _auto(req))
    entries, ports = [], set()
    for item in networks:
        port_id = item.get("port")
        if port_id:
            _uuid(port_id, "port")
            if port_id in ports:
                raise exception.Invalid(f"Port {port_id} is requested more than "
                                        "once.")
            ports.add(port_id)
            entries.append({"network_id": None, "port_id": port_id, "fixed_ip": None,
                            "tag": item.get("tag")})
            continue
        if not item.get("uuid"):
            raise exception.Invalid("Bad network format: missing 'uuid'")
        fixed_ip = item.get("fixed_ip")
        if fixed_ip is not None:
            try:
                ipaddress.ip_address(fixed_ip)
            except ValueError:
                raise exception.Invalid(
                    f"Invalid fixed IP address ({fixed_ip})") from None
        entries.append({"network_id": _uuid(item["uuid"], "network"),
                        "port_id": None, "fixed_ip": fixed_ip,
                        "tag": item.get("tag")})
    _check(req, entries)
    return _with_groups(req, body, entries)


def _with_groups(req, body, entries: list[dict]) -> list[dict]:
    """``entries`` whose new ports get the create's security groups (ids)."""
    names = [g.get("name") for g in body.get("security_groups") or ()]
    if any(not isinstance(n, str) or not n for n in names):
        raise exception.Invalid("Each security group needs a 'name'.")
    if not names or not any(e["port_id"] is None for e in entries):
        return entries
    ids = network_api.security_group_ids(_client(req), names, req.context.project_id)
    for entry in entries:
        if entry["port_id"] is None:
            entry["security_groups"] = ids
    return entries


def _check(req, entries) -> None:
    try:
        client = _client(req)
        for entry in entries:
            if entry["port_id"]:
                port = network_api.check_port(client, entry["port_id"],
                                              req.context.project_id)
                entry["network_id"] = port["network_id"]
            else:
                network_api.get_network(client, entry["network_id"])
                if entry["fixed_ip"]:
                    network_api.check_fixed_ip(client, entry["network_id"],
                                               entry["fixed_ip"])
    except network_api.NoNetworkService:
        raise exception.Invalid("Networks cannot be requested: there is no network "
                                "service.") from None


def _auto(req) -> list[dict]:
    try:
        network = network_api.auto_network(_client(req), req.context.project_id)
    except network_api.NoNetworkService as exc:
        LOG.debug("networks 'auto': %s", exc)
        return []
    if network is None:
        return []
    return [{"network_id": network["id"], "port_id": None, "fixed_ip": None,
             "tag": None}]

"""How compute reaches the network service: a Network API client per request
context (the user's token, relayed with the service's own) for what the user may
see and make (networks, ports), and one with the service's own credentials for
what only a service may do (binding a port to a host, deleting or unbinding a
server's ports after the user's token is gone).

Shared by the API (checks of a create's ``networks``), the agents (ports made,
bound, deleted) and the conductor (ports of a server deleted while its host was
down).

A VIF (what the agent hands the virt driver, and what the API shows as the
server's ``addresses``) is a plain dict::

    {"port_id", "network_id", "network_name", "mac", "mtu", "vif_type",
     "fixed_ips": [{"ip_address", "subnet_id", "version",
                    "cidr", "gateway_ip", "dns_nameservers"}],
     "devname": "tap" + port_id[:11], "preexisting": bool, "tag": str | None,
     "floating_ips": [{"id", "ip_address", "fixed_ip_address", "version"}]}

(``cidr``, ``gateway_ip`` and ``dns_nameservers`` are the subnet's, when it was
read: the guest's network_data.json needs them. ``floating_ips``: those the
network API maps to the port's fixed IPs, for the API's ``addresses`` only; a
VIF recorded before they were kept has none.)
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from collections.abc import Callable

from keystoneauth1 import exceptions as ks_exc
from oslo_config import cfg

from sovra_common import exception
from sovra_common.auth import sessions

LOG = logging.getLogger(__name__)

_ERRORS = {400: exception.Invalid, 401: exception.NotAuthenticated,
           403: exception.Forbidden, 404: exception.NotFound, 409: exception.Conflict,
           413: exception.OverQuota, 503: exception.ServiceUnavailable}

#: a port's device_owner prefix for servers' ports (``compute:<zone>``)
DEVICE_OWNER_PREFIX = "compute:"
#: the zone in device_owner when a server asked for none
DEFAULT_ZONE = "nova"
#: the length of a tap's name: "tap" + the port id's first 11 characters (IFNAMSIZ)
_PORT_ID_CHARS = 11


class NetworkNotFound(exception.Invalid):
    message = "Network %(network_id)s could not be found."


class PortNotFound(exception.Invalid):
    message = "Port id %(port_id)s could not be found."


class PortInUse(exception.Conflict):
    message = "Port %(port_id)s is still in use."


class PortNotUsable(exception.Invalid):
    message = ("Port %(port_id)s not usable for the server: it belongs to another "
               "project.")


class FixedIpAlreadyInUse(exception.Invalid):
    message = "Fixed IP address %(address)s is already in use on instance %(device)s."


class SecurityGroupNotFound(exception.Invalid):
    message = "Security group %(name)s not found."


class NetworkServiceUnavailable(exception.ServiceUnavailable):
    message = "The network service failed: %(reason)s"


class NoNetworkService(NetworkServiceUnavailable):
    message = "There is no network service: %(reason)s"


@contextlib.contextmanager
def translated():
    """keystoneauth's HTTP errors as sovra_common exceptions (the API's message
    kept); no network endpoint in the catalog (or no service credentials) as
    NoNetworkService; an unreachable network service as
    NetworkServiceUnavailable."""
    try:
        yield
    except ks_exc.HttpError as exc:
        kind = _ERRORS.get(exc.http_status)
        if kind is None:
            raise NetworkServiceUnavailable(reason=_message(exc)) from exc
        raise kind(_message(exc)) from exc
    except (ks_exc.EndpointNotFound, cfg.RequiredOptError) as exc:
        raise NoNetworkService(reason=str(exc)) from exc
    except ks_exc.ClientException as exc:  # connection refused, timeouts...
        raise NetworkServiceUnavailable(reason=str(exc)) from exc


def _message(exc: ks_exc.HttpError) -> str:
    """The network API's own message: Neutron's ``{"NeutronError": {"message"}}``,
    which keystoneauth does not read."""
    try:
        body = exc.response.json()
        (error,) = body.values()
        return str(error["message"])
    except Exception:
        return exc.message or str(exc)


def _client(sess, conf):
    from sovra_network.client import NetworkClient

    return NetworkClient(sess, interface=conf.compute.placement_interface)


def client_factory(conf) -> Callable:
    """``for_context(context) -> NetworkClient`` acting for ``context``'s user."""
    make = sessions.for_contexts(conf, lambda sess: _client(sess, conf))

    def for_context(context):
        with translated():
            return make(context)
    return for_context


def service_client_factory(conf) -> Callable:
    """``() -> NetworkClient`` with the service's own credentials (made once)."""
    state = {}

    def get():
        if "client" not in state:
            with translated():
                state["client"] = _client(sessions.service_session(conf), conf)
        return state["client"]
    return get


def device_owner(zone: str | None) -> str:
    return DEVICE_OWNER_PREFIX + (zone or DEFAULT_ZONE)


def tap_name(port_id: str) -> str:
    """The host-side device of a port: what libvirt creates and the network agent
    enslaves to the network's bridge (network-svc/README.md)."""
    return "tap" + port_id[:_PORT_ID_CHARS]


# --- checks (the API, as the user) ------------------------------------------------------
def get_network(client, network_id: str) -> dict:
    """The network as the client's user sees it; NetworkNotFound (400) if none."""
    try:
        with translated():
            return client.get_network(network_id)
    except exception.NotFound:
        raise NetworkNotFound(network_id=network_id) from None


def check_port(client, port_id: str, project_id: str) -> dict:
    """The port ``port_id`` if a server of ``project_id`` may use it: it exists
    (PortNotFound, 400), is the project's (PortNotUsable, 400) and has no device
    (PortInUse, 409)."""
    try:
        with translated():
            port = client.get_port(port_id)
    except exception.NotFound:
        raise PortNotFound(port_id=port_id) from None
    if port.get("device_id"):
        raise PortInUse(port_id=port_id)
    owner = port.get("project_id") or port.get("tenant_id")
    if owner and owner != project_id:
        raise PortNotUsable(port_id=port_id)
    return port


def check_fixed_ip(client, network_id: str, address: str) -> None:
    """FixedIpAlreadyInUse (400, upstream's create answer) if a port the caller can
    see on ``network_id`` holds ``address``. One the caller cannot see (another
    project's, on a shared network) is found by the build: ERROR with the network
    API's message."""
    with translated():
        ports = client.list_ports(network_id=network_id,
                                  fixed_ips=f"ip_address={address}")
    if ports:
        raise FixedIpAlreadyInUse(address=address,
                                  device=ports[0].get("device_id") or "(none)")


def security_group_ids(client, names: list[str], project_id: str) -> list[str]:
    """The ids of the security groups a create names (each a name or an id, as
    the caller sees them; a name is looked up among the project's groups first);
    SecurityGroupNotFound (400) for one that does not exist, Conflict (409) for
    a name several groups share."""
    with translated():
        groups = client.list_security_groups()
    ids = []
    for name in dict.fromkeys(names):
        by_id = [g for g in groups if g["id"] == name]
        by_name = [g for g in groups if g.get("name") == name]
        own = [g for g in by_name if g.get("project_id") == project_id]
        found = by_id or own or by_name
        if not found:
            raise SecurityGroupNotFound(name=name)
        if len(found) > 1:
            raise exception.Conflict(f"Multiple security groups named {name!r}: use "
                                     "an id.")
        ids.append(found[0]["id"])
    return ids


def auto_network(client, project_id: str) -> dict | None:
    """The network ``networks: "auto"`` gives a server: the project's one network
    with a subnet (not external), else the one shared such network; None when
    there are none or several (Sovra has no get-me-a-network: nothing is made)."""
    with translated():
        networks = [n for n in client.list_networks()
                    if n.get("subnets") and not n.get("router:external")]
    own = [n for n in networks if n.get("project_id") == project_id]
    if own:
        return own[0] if len(own) == 1 else None
    shared = [n for n in networks if n.get("shared")]
    return shared[0] if len(shared) == 1 else None


# --- VIFs ---------------------------------------------------------------------------------
def vif(port: dict, network: dict, *, preexisting: bool, tag: str | None = None,
        subnets: dict | None = None, floating_ips: list | None = None) -> dict:
    """The VIF of ``port`` on ``network`` (see the module's docstring);
    ``subnets``: {subnet id: the subnet} of its fixed IPs, where known;
    ``floating_ips``: the network API's floating IPs associated with the port."""
    fixed = []
    for ip in port.get("fixed_ips") or ():
        item = {"ip_address": ip["ip_address"], "subnet_id": ip.get("subnet_id"),
                "version": ipaddress.ip_address(ip["ip_address"]).version}
        subnet = (subnets or {}).get(ip.get("subnet_id"))
        if subnet:
            item.update(cidr=subnet["cidr"], gateway_ip=subnet.get("gateway_ip"),
                        dns_nameservers=list(subnet.get("dns_nameservers") or ()))
        fixed.append(item)
    return {"port_id": port["id"], "network_id": network["id"],
            "network_name": network.get("name") or network["id"],
            "mac": port["mac_address"], "mtu": network.get("mtu") or 1500,
            "vif_type": port.get("binding:vif_type") or "bridge",
            "fixed_ips": fixed, "devname": tap_name(port["id"]),
            "preexisting": preexisting, "tag": tag,
            "floating_ips": _floating(floating_ips or ())}


def _floating(floating_ips) -> list[dict]:
    """What a VIF keeps of its port's floating IPs, by address (one order)."""
    kept = [{"id": f.get("id"), "ip_address": f["floating_ip_address"],
             "fixed_ip_address": f.get("fixed_ip_address"),
             "version": ipaddress.ip_address(f["floating_ip_address"]).version}
            for f in floating_ips if f.get("floating_ip_address")]
    return sorted(kept, key=lambda f: ipaddress.ip_address(f["ip_address"]))


def floating_ips(service, port_id: str) -> list[dict]:
    """The floating IPs associated with the port ``port_id`` (the network API's,
    read with the service client ``service``)."""
    with translated():
        return service.list_floating_ips(port_id=port_id)


def addresses(network_info: list[dict]) -> dict:
    """The API's ``addresses`` of a server's VIFs: by network name, each address
    with its version, ``OS-EXT-IPS:type`` and ``OS-EXT-IPS-MAC:mac_addr``; each
    fixed IP followed by the floating IPs mapped to it (type floating, the same
    MAC)."""
    shown: dict[str, list] = {}
    for item in network_info or ():
        entries = shown.setdefault(item["network_name"], [])
        for ip in item["fixed_ips"]:
            entries.append(_address(ip["version"], ip["ip_address"], "fixed", item))
            entries.extend(
                _address(f["version"], f["ip_address"], "floating", item)
                for f in item.get("floating_ips") or ()
                if f.get("fixed_ip_address") == ip["ip_address"])
    return shown


def _address(version: int, addr: str, kind: str, item: dict) -> dict:
    return {"version": version, "addr": addr, "OS-EXT-IPS:type": kind,
            "OS-EXT-IPS-MAC:mac_addr": item["mac"]}


# --- release (agents, and the conductor for a server whose host is down) -------------
def release_ports(service, instance: dict) -> None:
    """Delete the ports compute made for the server, unbind (device and host
    cleared) those the user gave in its ``requested_networks``, with the service
    client ``service``. The server's ports are found by ``device_id``, so one made
    and not yet reported is not missed, and one released already is left alone.
    A port already gone is not an error; any other failure is logged and the other
    ports are still released, then the first failure is raised."""
    uuid = instance["uuid"]
    given = {e["port_id"] for e in instance.get("requested_networks") or ()
             if e.get("port_id")}
    given |= {v["port_id"] for v in instance.get("network_info") or ()
              if v.get("preexisting")}  # ports given later (os-interface)
    with translated():
        # only the ports still the server's: a given port unbound already may be
        # another server's by now
        ports = service.list_ports(device_id=uuid)
    first_error = None
    for port in ports:
        try:
            release_port(service, port["id"], preexisting=port["id"] in given)
        except Exception as exc:
            LOG.exception("releasing port %s of %s failed", port["id"], uuid)
            first_error = first_error or exc
    if first_error is not None:
        raise first_error


def release_port(service, port_id: str, *, preexisting: bool) -> None:
    """Unbind a port the user gave (``preexisting``), delete one compute made; a
    port already gone is not an error."""
    try:
        with translated():
            if preexisting:
                service.unbind_port(port_id)
            else:
                service.delete_port(port_id)
    except exception.NotFound:
        pass

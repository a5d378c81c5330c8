"""Routers: create, show, list, update, delete; the external gateway; interfaces
(add/remove); extra routes.

What the data plane reads (db.models.router says how it is stored):

* the gateway: the port ``routers.gw_port_id`` (device_owner
  ``network:router_gateway``, device_id the router's id, project "") on an
  external network (``router:external``), with one address per IP version unless
  admins chose ``external_fixed_ips``; ``enable_snat`` (default true) says whether
  traffic from the interfaces leaves SNATed to the gateway address;
* each interface: a port (device_owner ``network:router_interface``, device_id
  the router's id) with one fixed IP: the subnet's gateway_ip when added by subnet,
  the port's own address when added by port;
* ``routes``: extra routes, each nexthop inside a subnet of one of the router's
  ports (interfaces or gateway) and not one of the router's own addresses.

Every router port is a row of ``router_ports``; the port API cannot delete those
(L3PortInUse). ``status`` is ACTIVE: where routers run is not modelled yet (see
the README).
"""

from __future__ import annotations

import ipaddress
import uuid

from sovra_common import exception
from sovra_network import exception as net_exc
from sovra_network.db.api import floatingip as floatingip_db
from sovra_network.db.api import port_forwarding as port_forwarding_db
from sovra_network.db.api import router as router_db
from sovra_network.db.models.network import Network
from sovra_network.db.models.port import IpAllocation, Port
from sovra_network.db.models.router import Router, RouterPort
from sovra_network.db.models.subnet import Subnet
from sovra_network.service import ipam, quota, standard_attrs
from sovra_network.service import network as network_service
from sovra_network.service import port as port_service
from sovra_network.service import subnet as subnet_service
from sovra_network.service.races import retry_on_race

RESOURCE = "router"
GATEWAY_OWNER = "network:router_gateway"
INTERFACE_OWNER = "network:router_interface"
MAX_ROUTES = 30


def _bad(msg: str) -> net_exc.BadRequest:
    return net_exc.BadRequest(resource="router", msg=msg)


def visible(ctxt, row) -> bool:
    return ctxt.is_admin or row.project_id == ctxt.project_id


def load(session, ctxt, router_id: str, *, lock: bool = False) -> Router:
    row = session.get(Router, router_id, with_for_update=lock or None)
    if row is None or not visible(ctxt, row):
        raise net_exc.RouterNotFound(id=router_id)
    return row


def target(row) -> dict:
    return {"project_id": row.project_id}


def _drop_port(session, port) -> None:
    standard_attrs.forget(session, "port", port.id)
    session.delete(port)
    session.flush()


# -- the external gateway


def _gateway_network(session, ctxt, network_id: str) -> Network:
    network = network_service.load(session, ctxt, network_id)
    if not network.router_external:
        raise _bad(f"Network {network_id} is not an external network")
    return network


def _same_addresses(port, wanted: list[dict]) -> bool:
    have = {(a.subnet_id, a.ip_address) for a in port.fixed_ips}
    for item in wanted:
        if not any(item.get("subnet_id") in (None, s) and
                   item.get("ip_address") in (None, ip) for s, ip in have):
            return False
    return len(wanted) == len(have)


def _remove_gateway(session, row) -> None:
    port = session.get(Port, row.gw_port_id)
    if any(f.floating_network_id == port.network_id
           for f in floatingip_db.of_router(session, row.id)):
        raise net_exc.RouterExternalGatewayInUseByFloatingIp(router_id=row.id,
                                                             net_id=port.network_id)
    row.gw_port_id = None
    session.flush()
    _drop_port(session, port)


def _set_gateway(session, conf, ctxt, row, info: dict | None) -> None:
    """Apply ``external_gateway_info`` (None or {}: no gateway)."""
    info = info or {}
    if not info.get("network_id"):
        if set(info) - {"network_id"}:
            raise _bad("external_gateway_info needs a network_id")
        if row.gw_port_id:
            _remove_gateway(session, row)
        row.enable_snat = True
        return
    network = _gateway_network(session, ctxt, info["network_id"])
    wanted = info.get("external_fixed_ips")
    current = session.get(Port, row.gw_port_id) if row.gw_port_id else None
    if current is not None and current.network_id == network.id and (
            wanted is None or _same_addresses(current, wanted)):
        row.enable_snat = info.get("enable_snat", True)
        return
    if current is not None:
        if current.network_id != network.id:
            _remove_gateway(session, row)
        else:  # new addresses on the same network: the floating IPs stay usable
            row.gw_port_id = None
            session.flush()
            _drop_port(session, current)
    port = port_service.create_in_session(
        session, conf, ctxt, network, "",
        {"network_id": network.id, "device_owner": GATEWAY_OWNER, "device_id": row.id,
         "security_groups": [], "port_security_enabled": False,
         "fixed_ips": wanted})
    session.add(RouterPort(port_id=port.id, router_id=row.id, port_type=GATEWAY_OWNER))
    row.gw_port_id = port.id
    row.enable_snat = info.get("enable_snat", True)
    session.flush()


# -- extra routes


def _router_subnets(session, row) -> list[Subnet]:
    return router_db.subnets_of_ports(
        session, [p.id for p in router_db.ports(session, row.id)])


def _check_routes(session, row, routes: list[dict]) -> list[dict]:
    """Validated, normalised, duplicates dropped (InvalidRoutes, RoutesExhausted)."""
    cidrs = [ipam.network_of(s.cidr) for s in _router_subnets(session, row)]
    own = {ipaddress.ip_address(a.ip_address)
           for p in router_db.ports(session, row.id) for a in p.fixed_ips}
    result = []
    for route in routes:
        try:
            destination = ipaddress.ip_network(route["destination"])
            nexthop = ipaddress.ip_address(route["nexthop"])
        except ValueError as exc:
            raise net_exc.InvalidRoutes(routes=[route], reason=str(exc)) from None
        if destination.version != nexthop.version:
            raise net_exc.InvalidRoutes(routes=[route], reason="the destination and "
                                        "the nexthop are of different IP versions")
        if nexthop in own:
            raise net_exc.InvalidRoutes(routes=[route],
                                        reason="the nexthop is used by router")
        if not any(nexthop in cidr for cidr in cidrs):
            raise net_exc.InvalidRoutes(routes=[route],
                                        reason="the nexthop is not connected with router")
        item = {"destination": str(destination), "nexthop": str(nexthop)}
        if item not in result:
            result.append(item)
    if len(result) > MAX_ROUTES:
        raise net_exc.RoutesExhausted(router_id=row.id, quota=MAX_ROUTES)
    return result


# -- create, update, delete


@retry_on_race
def create(db, conf, ctxt, values: dict) -> Router:
    """A router (with its gateway if ``external_gateway_info`` names a network);
    policy was checked by the caller."""
    project_id = values.get("project_id") or values.get("tenant_id") or ctxt.project_id
    with db.writer() as session:
        quota.reserve(session, conf, project_id, RESOURCE)
        row = Router(id=str(uuid.uuid4()), project_id=project_id,
                     name=values.get("name", ""),
                     description=values.get("description", ""),
                     admin_state_up=values.get("admin_state_up", True),
                     status="ACTIVE", enable_snat=True, routes=[],
                     availability_zone_hints=values.get("availability_zone_hints", []))
        session.add(row)
        session.flush()
        if values.get("external_gateway_info"):
            _set_gateway(session, conf, ctxt, row, values["external_gateway_info"])
        return row


_COLUMNS = ("name", "description", "admin_state_up")


@retry_on_race
def update(db, conf, ctxt, router_id: str, changes: dict, *, revision=None,
           authorize=None) -> Router:
    with db.writer() as session:
        row = load(session, ctxt, router_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        for key in _COLUMNS:
            if key in changes:
                setattr(row, key, changes[key])
        if "external_gateway_info" in changes:
            _set_gateway(session, conf, ctxt, row, changes["external_gateway_info"])
        if "routes" in changes:
            row.routes = _check_routes(session, row, changes["routes"] or [])
        standard_attrs.bump(row)
        session.flush()
        return row


@retry_on_race
def change_routes(db, ctxt, router_id: str, routes: list[dict], *, add: bool,
                  authorize=None) -> Router:
    """add_extraroutes / remove_extraroutes: the set of routes plus or minus
    ``routes``, under the router's lock (concurrent callers do not lose each
    other's routes)."""
    with db.writer() as session:
        row = load(session, ctxt, router_id, lock=True)
        if authorize is not None:
            authorize(row)
        current = list(row.routes or [])
        if add:
            current += [r for r in _check_routes(session, row, routes)
                        if r not in current]
            if len(current) > MAX_ROUTES:
                raise net_exc.RoutesExhausted(router_id=row.id, quota=MAX_ROUTES)
        else:
            gone = []
            for route in routes:
                try:
                    gone.append({"destination": str(ipaddress.ip_network(
                        route["destination"])), "nexthop": str(ipaddress.ip_address(
                            route["nexthop"]))})
                except ValueError as exc:
                    raise net_exc.InvalidRoutes(routes=[route], reason=str(exc)) from None
            current = [r for r in current if r not in gone]
        if current != list(row.routes or []):
            row.routes = current
            standard_attrs.bump(row)
        session.flush()
        return row


def delete(db, ctxt, router_id: str, *, revision=None, authorize=None) -> Router:
    """Delete a router without interfaces (RouterInUse); its gateway port goes
    with it."""
    with db.writer() as session:
        row = load(session, ctxt, router_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        if router_db.ports(session, row.id, INTERFACE_OWNER) or \
                floatingip_db.of_router(session, row.id):
            raise net_exc.RouterInUse(id=router_id)
        if row.gw_port_id:
            _remove_gateway(session, row)
        standard_attrs.forget(session, RESOURCE, row.id)
        session.delete(row)
        return row


# -- interfaces


def interface_info(row, port) -> dict:
    """The add/remove_router_interface answer."""
    subnet_ids = [a.subnet_id for a in port.fixed_ips]
    return {"id": row.id, "tenant_id": port.project_id, "project_id": port.project_id,
            "port_id": port.id, "network_id": port.network_id,
            "subnet_id": subnet_ids[0] if subnet_ids else None,
            "subnet_ids": subnet_ids}


def _check_fits(session, row, subnets: list[Subnet]) -> None:
    """400 if the router has a port on one of ``subnets`` already, or on a subnet
    overlapping one of them."""
    for old in _router_subnets(session, row):
        for new in subnets:
            if old.id == new.id:
                raise _bad(f"Router already has a port on subnet {new.id}")
            if ipam.network_of(old.cidr).overlaps(ipam.network_of(new.cidr)):
                raise _bad(f"Cidr {new.cidr} of subnet {new.id} overlaps with cidr "
                           f"{old.cidr} of subnet {old.id}")


def _interface_on_subnet(session, conf, ctxt, row, subnet_id: str) -> Port:
    subnet = subnet_service.load(session, ctxt, subnet_id)
    network = session.get(Network, subnet.network_id)
    if network.router_external:
        raise _bad(f"Subnet {subnet_id} is on the external network {network.id}: "
                   "it can be a router's gateway, not an interface")
    if not (ctxt.is_admin or network.project_id == ctxt.project_id or network.shared):
        raise net_exc.SubnetNotFound(id=subnet_id)
    if not subnet.gateway_ip:
        raise _bad(f"Subnet {subnet_id} has no gateway_ip: a router interface takes "
                   "the subnet's gateway address")
    _check_fits(session, row, [subnet])
    if session.get(IpAllocation, (subnet.id, subnet.gateway_ip)) is not None:
        raise net_exc.IpAddressAlreadyAllocated(ip=subnet.gateway_ip,
                                                subnet_id=subnet.id)
    port = port_service.create_in_session(
        session, conf, ctxt, network, row.project_id,
        {"network_id": network.id, "device_owner": INTERFACE_OWNER,
         "device_id": row.id, "security_groups": [], "fixed_ips": []})
    session.add(IpAllocation(subnet_id=subnet.id, ip_address=subnet.gateway_ip,
                             port_id=port.id, network_id=network.id))
    session.flush()
    session.refresh(port)
    return port


def _interface_on_port(session, ctxt, row, port_id: str) -> Port:
    port = port_service.load(session, ctxt, port_id, lock=True)
    if not ctxt.is_admin and port.project_id != ctxt.project_id:
        raise _bad(f"Port {port_id} belongs to another project: a router interface "
                   "takes the caller's own ports")
    if port.device_id or port.device_owner:
        raise net_exc.PortInUse(port_id=port.id, net_id=port.network_id,
                                device_id=port.device_id or port.device_owner)
    network = session.get(Network, port.network_id)
    if network.router_external:
        raise _bad(f"Port {port_id} is on the external network {network.id}")
    if not port.fixed_ips:
        raise _bad(f"Port {port_id} has no fixed IP: a router interface needs one")
    v4_subnets = {a.subnet_id for a in port.fixed_ips if ":" not in a.ip_address}
    if len(v4_subnets) > 1 or sum(":" not in a.ip_address for a in port.fixed_ips) > 1:
        raise _bad(f"Port {port_id} has more than one IPv4 address: a router "
                   "interface has at most one")
    subnets = [session.get(Subnet, s) for s in {a.subnet_id for a in port.fixed_ips}]
    _check_fits(session, row, subnets)
    port.device_owner = INTERFACE_OWNER
    port.device_id = row.id
    standard_attrs.bump(port)
    session.flush()
    return port


def _check_request(body: dict) -> tuple[str | None, str | None]:
    subnet_id, port_id = body.get("subnet_id"), body.get("port_id")
    if not subnet_id and not port_id:
        raise _bad("Either subnet_id or port_id must be specified")
    return subnet_id, port_id


@retry_on_race
def add_interface(db, conf, ctxt, router_id: str, body: dict, *, authorize=None):
    """(router, interface info, port). ``body``: {subnet_id} or {port_id}."""
    subnet_id, port_id = _check_request(body)
    if subnet_id and port_id:
        raise _bad("Cannot specify both subnet-id and port-id")
    with db.writer() as session:
        row = load(session, ctxt, router_id, lock=True)
        if authorize is not None:
            authorize(row)
        if port_id:
            port = _interface_on_port(session, ctxt, row, port_id)
        else:
            port = _interface_on_subnet(session, conf, ctxt, row, subnet_id)
        session.add(RouterPort(port_id=port.id, router_id=row.id,
                               port_type=INTERFACE_OWNER))
        standard_attrs.bump(row)
        session.flush()
        return row, interface_info(row, port), port


def _check_unused(session, row, port, subnets: list[Subnet]) -> None:
    """409 if a floating IP (associated, or forwarding ports) or an extra route
    needs the interface ``port``."""
    others = [ipam.network_of(s.cidr) for s in router_db.subnets_of_ports(
        session, [p.id for p in router_db.ports(session, row.id) if p.id != port.id])]
    for subnet in subnets:
        cidr = ipam.network_of(subnet.cidr)
        inside = [f.fixed_ip_address for f in floatingip_db.of_router(session, row.id)
                  if f.fixed_ip_address] + [
            f.internal_ip_address for f in port_forwarding_db.of_router(session, row.id)]
        if any(ipaddress.ip_address(address) in cidr for address in inside):
            raise net_exc.RouterInterfaceInUseByFloatingIP(subnet_id=subnet.id,
                                                           router_id=row.id)
        for route in row.routes or []:
            nexthop = ipaddress.ip_address(route["nexthop"])
            if nexthop in cidr and not any(nexthop in other for other in others):
                raise net_exc.RouterInterfaceInUseByRoute(subnet_id=subnet.id,
                                                          router_id=row.id)


@retry_on_race
def remove_interface(db, ctxt, router_id: str, body: dict, *, authorize=None):
    """(router, interface info, port): the interface's port is deleted."""
    subnet_id, port_id = _check_request(body)
    with db.writer() as session:
        row = load(session, ctxt, router_id, lock=True)
        if authorize is not None:
            authorize(row)
        interfaces = router_db.ports(session, row.id, INTERFACE_OWNER)
        if port_id:
            port = next((p for p in interfaces if p.id == port_id), None)
            if port is None:
                raise net_exc.RouterInterfaceNotFound(router_id=row.id, port_id=port_id)
            if subnet_id and (not port.fixed_ips or
                              port.fixed_ips[0].subnet_id != subnet_id):
                raise exception.Conflict(f"Subnet {subnet_id} is not the subnet of "
                                         f"the first address of port {port_id}.")
        else:
            subnet_service.load(session, ctxt, subnet_id)
            port = next((p for p in interfaces
                         if any(a.subnet_id == subnet_id for a in p.fixed_ips)), None)
            if port is None:
                raise net_exc.RouterInterfaceNotFoundForSubnet(router_id=row.id,
                                                               subnet_id=subnet_id)
        subnets = [session.get(Subnet, a.subnet_id) for a in port.fixed_ips]
        _check_unused(session, row, port, subnets)
        info = interface_info(row, port)
        _drop_port(session, port)
        standard_attrs.bump(row)
        session.flush()
        return row, info, port


# -- reads


def get(db, ctxt, router_id: str):
    """(router, tags, gateway port or None)."""
    with db.reader() as session:
        row = load(session, ctxt, router_id)
        return (row, standard_attrs.tags_for(session, RESOURCE, [row])[row.id],
                router_db.gateway_ports(session, [row])[row.id])


def details(db, row):
    """(tags, gateway port) of a router just written."""
    with db.reader() as session:
        return (standard_attrs.tags_for(session, RESOURCE, [row])[row.id],
                router_db.gateway_ports(session, [row])[row.id])


def list_routers(db, ctxt, spec):
    """(rows, more, tags by id, gateway port by id)."""
    with db.reader() as session:
        rows, more = router_db.list_routers(session, ctxt, spec)
        return (rows, more, standard_attrs.tags_for(session, RESOURCE, rows),
                router_db.gateway_ports(session, rows))

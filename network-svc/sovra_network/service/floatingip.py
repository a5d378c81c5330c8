"""Floating IPs: create (an address on an external network), show, list, update
(associate with a port's fixed IP, or not), delete.

The address is the fixed IP of the floating IP's own port on the external network
(device_owner ``network:floatingip``, device_id the floating IP's id, project ""):
IPAM hands it out like any port's address, once, concurrency-safe. Admins may
choose it (``floating_ip_address``); anyone may choose the subnet (``subnet_id``).

Associating with a port's IPv4 fixed IP needs a router that has an interface on
that address's subnet and its gateway on the floating IP's network; that router
becomes ``router_id``. One fixed IP has at most one floating IP per external
network (a unique key). A floating IP with port forwardings (service
port_forwarding) cannot be associated, and its ``router_id`` is the router that
reaches their internal ports. ``status`` is ACTIVE while associated or
forwarding and DOWN otherwise: the API's view, until a data plane reports what it
really wired.
"""

from __future__ import annotations

import ipaddress
import uuid

from sqlalchemy import select
from sqlalchemy.orm import aliased

from sovra_network import exception as net_exc
from sovra_network.db.api import floatingip as floatingip_db
from sovra_network.db.api import port_forwarding as port_forwarding_db
from sovra_network.db.models.floatingip import FloatingIP
from sovra_network.db.models.port import IpAllocation, Port
from sovra_network.db.models.router import Router, RouterPort
from sovra_network.db.models.subnet import Subnet
from sovra_network.service import ipam, quota, standard_attrs
from sovra_network.service import network as network_service
from sovra_network.service import port as port_service
from sovra_network.service.races import retry_on_race

RESOURCE = "floatingip"
OWNER = "network:floatingip"
INTERFACE_OWNER = "network:router_interface"


def _bad(msg: str) -> net_exc.BadRequest:
    return net_exc.BadRequest(resource="floatingip", msg=msg)


def visible(ctxt, row) -> bool:
    return ctxt.is_admin or row.project_id == ctxt.project_id


def load(session, ctxt, floatingip_id: str, *, lock: bool = False) -> FloatingIP:
    row = session.get(FloatingIP, floatingip_id, with_for_update=lock or None)
    if row is None or not visible(ctxt, row):
        raise net_exc.FloatingIPNotFound(id=floatingip_id)
    return row


def target(row) -> dict:
    return {"project_id": row.project_id}


def _ip(text: str, what: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise _bad(f"'{text}' is not a valid IP address for {what}") from None


def _allocate_address(session, network, port, values) -> str:
    """The floating address: ``floating_ip_address`` if asked, else a free IPv4
    address of ``subnet_id`` or of the network's first IPv4 subnet with one."""
    subnets = list(session.scalars(select(Subnet).where(
        Subnet.network_id == network.id, Subnet.ip_version == 4).order_by(
        Subnet.created_at, Subnet.id)))
    if values.get("subnet_id"):
        subnets = [s for s in subnets if s.id == values["subnet_id"]]
        if not subnets:
            raise _bad(f"Subnet {values['subnet_id']} is not an IPv4 subnet of the "
                       f"external network {network.id}")
    if not subnets:
        raise _bad(f"Network {network.id} does not contain any IPv4 subnet")
    wanted = values.get("floating_ip_address")
    if wanted is not None:
        address = _ip(wanted, "floating_ip_address")
        subnet = next((s for s in subnets if address in ipam.network_of(s.cidr)), None)
        if subnet is None:
            raise net_exc.InvalidIpForNetwork(ip=wanted)
        return ipam.allocate(session, subnet, port.id, str(address)).ip_address
    for subnet in subnets:
        try:
            return ipam.allocate(session, subnet, port.id).ip_address
        except net_exc.IpAddressGenerationFailure:
            continue
    raise net_exc.IpAddressGenerationFailure(net_id=network.id)


def router_for(session, subnet_id: str, network_id: str) -> str | None:
    """The router with an interface on ``subnet_id`` and its gateway on
    ``network_id`` (the oldest, if several). A locking read: it sees the latest
    committed interfaces and gateways, and a concurrent remove_router_interface or
    gateway change (which lock the router first) waits for this transaction."""
    gateway = aliased(Port)
    interface = aliased(Port)
    stmt = (select(Router.id)
            .join(gateway, gateway.id == Router.gw_port_id)
            .join(RouterPort, RouterPort.router_id == Router.id)
            .join(interface, interface.id == RouterPort.port_id)
            .where(gateway.network_id == network_id,
                   RouterPort.port_type == INTERFACE_OWNER,
                   interface.id.in_(select(IpAllocation.port_id).where(
                       IpAllocation.subnet_id == subnet_id)))
            .order_by(Router.created_at, Router.id).limit(1).with_for_update())
    return session.scalar(stmt)


def _associate(session, ctxt, row, port_id: str, fixed_ip: str | None) -> None:
    # locked: a concurrent delete of the port waits, then disassociates
    port = port_service.load(session, ctxt, port_id, lock=True)
    if not ctxt.is_admin and port.project_id != row.project_id:
        raise _bad(f"Cannot process floating IP association with Port {port_id}, "
                   "since that port is owned by a different project")
    v4 = [a for a in port.fixed_ips if ipaddress.ip_address(a.ip_address).version == 4]
    if fixed_ip is not None:
        address = _ip(fixed_ip, "fixed_ip_address")
        allocation = next((a for a in port.fixed_ips
                           if ipaddress.ip_address(a.ip_address) == address), None)
        if allocation is None:
            raise _bad(f"Port {port_id} does not have fixed ip {fixed_ip}")
        if address.version != 4:
            raise _bad(f"Cannot associate floating IP with the IPv6 address "
                       f"{fixed_ip} of port {port_id}")
    elif not v4:
        raise _bad(f"Port {port_id} does not have any IPv4 address")
    elif len(v4) > 1:
        raise _bad(f"Port {port_id} has multiple fixed IPv4 addresses. Must provide "
                   "a specific IPv4 address when assigning a floating IP")
    else:
        allocation = v4[0]
    if port_forwarding_db.count_of(session, row.id):
        raise net_exc.FipInUseByPortForwarding(id=row.id)
    if port_forwarding_db.of_port(session, port.id, allocation.ip_address):
        raise net_exc.PortHasPortForwarding(port_id=port.id,
                                            fixed_ip=allocation.ip_address)
    router_id = router_for(session, allocation.subnet_id, row.floating_network_id)
    if router_id is None:
        raise net_exc.ExternalGatewayForFloatingIPNotFound(
            external_network_id=row.floating_network_id,
            subnet_id=allocation.subnet_id, port_id=port_id)
    taken = session.scalar(select(FloatingIP.id).where(
        FloatingIP.floating_network_id == row.floating_network_id,
        FloatingIP.fixed_port_id == port.id,
        FloatingIP.fixed_ip_address == allocation.ip_address,
        FloatingIP.id != row.id))
    if taken is not None:
        raise net_exc.FloatingIPPortAlreadyAssociated(
            floating_ip_address=row.floating_ip_address, fip_id=row.id,
            port_id=port.id, fixed_ip=allocation.ip_address,
            net_id=row.floating_network_id)
    row.fixed_port_id = port.id
    row.fixed_ip_address = allocation.ip_address
    row.router_id = router_id
    row.status = "ACTIVE"


def _disassociate(row) -> None:
    row.fixed_port_id = None
    row.fixed_ip_address = None
    row.router_id = None
    row.status = "DOWN"


@retry_on_race
def create(db, conf, ctxt, values: dict) -> FloatingIP:
    """A floating IP on ``floating_network_id`` (NetworkNotFound if the caller
    cannot see it), associated if ``port_id``; policy was checked by the caller."""
    project_id = values.get("project_id") or values.get("tenant_id") or ctxt.project_id
    if values.get("fixed_ip_address") and not values.get("port_id"):
        raise _bad("fixed_ip_address cannot be specified without a port_id")
    with db.writer() as session:
        network = network_service.load(session, ctxt, values["floating_network_id"])
        if not network.router_external:
            raise _bad(f"Network {network.id} is not a valid external network")
        quota.reserve(session, conf, project_id, RESOURCE)
        floatingip_id = str(uuid.uuid4())
        port = port_service.create_in_session(
            session, conf, ctxt, network, "",
            {"network_id": network.id, "device_owner": OWNER,
             "device_id": floatingip_id, "security_groups": [],
             "port_security_enabled": False, "fixed_ips": []})
        address = _allocate_address(session, network, port, values)
        row = FloatingIP(id=floatingip_id, project_id=project_id,
                         floating_network_id=network.id, floating_port_id=port.id,
                         floating_ip_address=address, status="DOWN",
                         description=values.get("description", ""))
        session.add(row)
        session.flush()
        if values.get("port_id"):
            _associate(session, ctxt, row, values["port_id"],
                       values.get("fixed_ip_address"))
            session.flush()
        return row


@retry_on_race
def update(db, ctxt, floatingip_id: str, changes: dict, *, revision=None,
           authorize=None) -> FloatingIP:
    """``port_id``: associate (with ``fixed_ip_address`` if the port has several
    IPv4 addresses) or, null, disassociate; ``fixed_ip_address`` alone moves the
    floating IP to another address of its port. A body without ``port_id`` keeps
    the association."""
    with db.writer() as session:
        row = load(session, ctxt, floatingip_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        if "description" in changes:
            row.description = changes["description"]
        if "port_id" in changes:
            if changes["port_id"] is None:
                if changes.get("fixed_ip_address"):
                    raise _bad("fixed_ip_address cannot be specified without a "
                               "port_id")
                _disassociate(row)
            else:
                _associate(session, ctxt, row, changes["port_id"],
                           changes.get("fixed_ip_address"))
        elif changes.get("fixed_ip_address") is not None:
            if row.fixed_port_id is None:
                raise _bad("fixed_ip_address cannot be specified without a port_id")
            _associate(session, ctxt, row, row.fixed_port_id,
                       changes["fixed_ip_address"])
        standard_attrs.bump(row)
        session.flush()
        return row


def delete(db, ctxt, floatingip_id: str, *, revision=None, authorize=None):
    """Delete a floating IP and its port (its address is free again)."""
    with db.writer() as session:
        row = load(session, ctxt, floatingip_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        port = session.get(Port, row.floating_port_id)
        standard_attrs.forget(session, RESOURCE, row.id)
        session.delete(row)
        session.flush()
        if port is not None:
            standard_attrs.forget(session, "port", port.id)
            session.delete(port)
        return row


def disassociate_port(session, port_id: str) -> list[FloatingIP]:
    """Release the floating IPs of a port being deleted (in its transaction)."""
    rows = floatingip_db.of_fixed_port(session, port_id)
    for row in rows:
        _disassociate(row)
        standard_attrs.bump(row)
    session.flush()
    return rows


# -- reads


def get(db, ctxt, floatingip_id: str):
    """(floating IP, tags, its fixed port or None)."""
    with db.reader() as session:
        row = load(session, ctxt, floatingip_id)
        return (row, standard_attrs.tags_for(session, RESOURCE, [row])[row.id],
                floatingip_db.fixed_ports(session, [row]).get(row.fixed_port_id))


def details(db, row):
    """(tags, fixed port) of a floating IP just written."""
    with db.reader() as session:
        return (standard_attrs.tags_for(session, RESOURCE, [row])[row.id],
                floatingip_db.fixed_ports(session, [row]).get(row.fixed_port_id))


def ports_of(db, port_ids) -> list[Port]:
    """The ports ``port_ids`` (None ones skipped; gone ones missing), in order."""
    wanted = [p for p in dict.fromkeys(port_ids) if p]
    if not wanted:
        return []
    with db.reader() as session:
        found = {p.id: p for p in session.scalars(select(Port).where(
            Port.id.in_(wanted)))}
    return [found[p] for p in wanted if p in found]


def list_floatingips(db, ctxt, spec):
    """(rows, more, tags by id, fixed ports by port id)."""
    with db.reader() as session:
        rows, more = floatingip_db.list_floatingips(session, ctxt, spec)
        return (rows, more, standard_attrs.tags_for(session, RESOURCE, rows),
                floatingip_db.fixed_ports(session, rows))

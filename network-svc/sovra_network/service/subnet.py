"""Subnets: create (validating CIDR, gateway, pools; carving from a subnet pool),
show, list, update, delete.

A subnet belongs to its network's owner's view: a caller sees the subnets of the
networks it sees. Creating a DHCP-enabled subnet gives the network its DHCP port
(device_owner network:dhcp) or adds an address on the new subnet to it.
"""

from __future__ import annotations

import ipaddress
import uuid

from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from sovra_common import exception
from sovra_network import exception as net_exc
from sovra_network.db.api import subnet as subnet_db
from sovra_network.db.models.port import IpAllocation, Port
from sovra_network.db.models.subnet import AllocationPool, Subnet
from sovra_network.service import ipam, quota, standard_attrs, subnetpool
from sovra_network.service import network as network_service
from sovra_network.service import port as port_service
from sovra_network.service.races import retry_on_race

RESOURCE = "subnet"


def load(session, ctxt, subnet_id: str, *, lock: bool = False) -> Subnet:
    row = session.get(Subnet, subnet_id, with_for_update=lock or None)
    if row is None:
        raise net_exc.SubnetNotFound(id=subnet_id)
    try:
        network = network_service.load(session, ctxt, row.network_id)
    except net_exc.NetworkNotFound:
        raise net_exc.SubnetNotFound(id=subnet_id) from None
    row.network_shared = network.shared
    row.network_project_id = network.project_id
    return row


def target(row) -> dict:
    return {"project_id": row.project_id,
            "shared": getattr(row, "network_shared", False),
            "network_project_id": getattr(row, "network_project_id", row.project_id)}


def _check_gateway(net, gateway):
    if gateway is None:
        return None
    try:
        address = ipaddress.ip_address(gateway)
    except ValueError:
        raise exception.Invalid(f"Invalid input for gateway_ip: '{gateway}' is not a "
                                "valid IP address.") from None
    if address.version != net.version or address not in net:
        raise exception.Invalid(f"Invalid input for operation: Gateway IP {gateway} "
                                f"is not in subnet {net}.")
    return str(address)


def _check_values(values: dict, version: int) -> None:
    for server in values.get("dns_nameservers", []):
        try:
            ipaddress.ip_address(server)
        except ValueError:
            raise exception.Invalid(f"'{server}' is not a valid nameserver.") from None
    for route in values.get("host_routes", []):
        try:
            ipaddress.ip_network(route["destination"], strict=False)
            ipaddress.ip_address(route["nexthop"])
        except (KeyError, ValueError):
            raise exception.Invalid(f"Invalid host route {route}.") from None
    if version == 4 and (values.get("ipv6_ra_mode") or values.get("ipv6_address_mode")):
        raise exception.Invalid("Invalid input for operation: ipv6_ra_mode or "
                                "ipv6_address_mode cannot be set when ip_version is 4")


def _choose_cidr(session, ctxt, values) -> tuple[str, str | None]:
    """The subnet's CIDR: given, or carved from ``subnetpool_id`` (by prefixlen)."""
    pool_id = values.get("subnetpool_id")
    if pool_id is None:
        if not values.get("cidr"):
            raise exception.Invalid("Bad subnets request: a cidr must be specified in "
                                    "the absence of a subnet pool")
        return values["cidr"], None
    pool = subnetpool.load(session, ctxt, pool_id)
    if values.get("cidr"):
        subnetpool.check_inside(pool, values["cidr"])
        return values["cidr"], pool.id
    return subnetpool.carve(session, pool, values.get("prefixlen")), pool.id


@retry_on_race
def create(db, conf, ctxt, values: dict, *, authorize=None) -> Subnet:
    """``authorize(network)`` runs on the (visible) network before anything is
    written (the handler's policy check)."""
    with db.writer() as session:
        network = network_service.load(session, ctxt, values["network_id"])
        if authorize is not None:
            authorize(network)
        project_id = values.get("project_id") or values.get("tenant_id") or \
            ctxt.project_id
        cidr, pool_id = _choose_cidr(session, ctxt, values)
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise exception.Invalid(f"Invalid input for cidr: '{cidr}' is not a valid "
                                    "IP subnet.") from None
        version = values.get("ip_version", net.version)
        if version != net.version:
            raise exception.Invalid("Invalid input for operation: cidr and ip_version "
                                    "do not match.")
        _check_values(values, version)
        for other in session.scalars(select(Subnet).where(
                Subnet.network_id == network.id)):
            if ipam.network_of(other.cidr).overlaps(net):
                raise net_exc.OverlappingSubnet(cidr=str(net))
        gateway = (_check_gateway(net, values["gateway_ip"]) if "gateway_ip" in values
                   else ipam.default_gateway(net))
        pools = (ipam.check_pools(net, gateway, values["allocation_pools"])
                 if values.get("allocation_pools") else ipam.default_pools(net, gateway))
        quota.reserve(session, conf, project_id, RESOURCE)
        row = Subnet(
            id=str(uuid.uuid4()), project_id=project_id, network_id=network.id,
            name=values.get("name", ""), description=values.get("description", ""),
            ip_version=version, cidr=str(net), gateway_ip=gateway,
            enable_dhcp=values.get("enable_dhcp", True),
            ipv6_ra_mode=values.get("ipv6_ra_mode"),
            ipv6_address_mode=values.get("ipv6_address_mode"),
            subnetpool_id=pool_id, dns_nameservers=values.get("dns_nameservers", []),
            host_routes=values.get("host_routes", []),
            allocation_pools=[AllocationPool(first_ip=a, last_ip=b) for a, b in pools])
        session.add(row)
        session.flush()
        if row.enable_dhcp and conf.network.dhcp_port_per_network:
            port_service.ensure_dhcp_address(session, conf, network, row)
        standard_attrs.bump(network)
        row.network_shared = network.shared
        row.network_project_id = network.project_id
        return row


_COLUMNS = ("name", "description", "gateway_ip", "enable_dhcp", "dns_nameservers",
            "host_routes")


@retry_on_race
def update(db, conf, ctxt, subnet_id: str, changes: dict, *,
           revision: int | None = None, authorize=None) -> Subnet:
    with db.writer() as session:
        row = load(session, ctxt, subnet_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        net = ipam.network_of(row.cidr)
        _check_values(changes, row.ip_version)
        if "gateway_ip" in changes:
            changes = {**changes, "gateway_ip": _check_gateway(net, changes["gateway_ip"])}
        if "allocation_pools" in changes:
            pools = ipam.check_pools(net, changes.get("gateway_ip", row.gateway_ip),
                                     changes["allocation_pools"])
            row.allocation_pools = [AllocationPool(first_ip=a, last_ip=b)
                                    for a, b in pools]
        for key in _COLUMNS:
            if key in changes:
                setattr(row, key, changes[key])
        if changes.get("enable_dhcp") and conf.network.dhcp_port_per_network:
            network = session.get(network_service.Network, row.network_id)
            port_service.ensure_dhcp_address(session, conf, network, row)
        standard_attrs.bump(row)
        session.flush()
        return row


def delete(db, ctxt, subnet_id: str, *, revision: int | None = None,
           authorize=None) -> Subnet:
    """Delete a subnet no port but the DHCP port has an address on (SubnetInUse)."""
    with db.writer() as session:
        row = load(session, ctxt, subnet_id, lock=True)
        if authorize is not None:
            authorize(row)
        standard_attrs.check_revision(row, revision)
        owners = set(session.scalars(select(Port.device_owner).join(
            IpAllocation, IpAllocation.port_id == Port.id).where(
            IpAllocation.subnet_id == row.id)))
        if owners - {port_service.DHCP_OWNER}:
            raise net_exc.SubnetInUse(id=subnet_id)
        session.execute(sql_delete(IpAllocation).where(IpAllocation.subnet_id == row.id))
        port_service.drop_empty_dhcp_port(session, row.network_id)
        standard_attrs.forget(session, RESOURCE, row.id)
        session.delete(row)
        return row


def delete_all_of_network(session, network) -> None:
    """Drop every subnet of ``network`` (its ports are gone already)."""
    for row in session.scalars(select(Subnet).where(Subnet.network_id == network.id)):
        session.execute(sql_delete(IpAllocation).where(IpAllocation.subnet_id == row.id))
        standard_attrs.forget(session, RESOURCE, row.id)
        session.delete(row)
    session.flush()


def get(db, ctxt, subnet_id: str):
    with db.reader() as session:
        row = load(session, ctxt, subnet_id)
        return row, standard_attrs.tags_for(session, RESOURCE, [row])[row.id]


def tags_of(db, row):
    with db.reader() as session:
        return standard_attrs.tags_for(session, RESOURCE, [row])[row.id]


def list_subnets(db, ctxt, spec):
    with db.reader() as session:
        rows, more = subnet_db.list_subnets(session, ctxt, spec)
        return rows, more, standard_attrs.tags_for(session, RESOURCE, rows)

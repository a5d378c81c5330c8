"""IP address management: allocation pools and handing out fixed IPs.

Never one address twice: an allocated address is a row of ``ip_allocations``,
whose primary key is (subnet_id, ip_address). A transaction picks an address it
saw free and inserts it; if a concurrent transaction inserted it first, the insert
fails (DuplicateEntry) and the whole create is re-run (service.races), seeing the
winner's row this time. To keep concurrent creates from all wanting the same
address, an automatic pick is random among the first free addresses rather than
always the lowest. Freed addresses (a port or fixed IP removed) are just deleted
rows: they are free again at once.

Addresses are compared as ``ipaddress`` objects and stored in their compressed
text form (what the API shows).
"""

from __future__ import annotations

import ipaddress
import random

from sqlalchemy import func, select

from sovra_network import exception as net_exc
from sovra_network.db.models.port import IpAllocation

PICK_WINDOW = 16
IPV6_AUTO_MODES = ("slaac", "dhcpv6-stateless")


def network_of(cidr: str):
    return ipaddress.ip_network(cidr, strict=False)


def host_range(net) -> tuple:
    """First and last address a port may have in ``net`` (IPv4: not the network
    or broadcast address; IPv6: not the subnet-router anycast address)."""
    if net.version == 4:
        if net.prefixlen >= 31:
            return net[0], net[-1]
        return net[1], net[-2]
    if net.prefixlen >= 127:
        return net[0], net[-1]
    return net[1], net[-1]


def default_gateway(net) -> str:
    return str(host_range(net)[0])


def default_pools(net, gateway: str | None) -> list[tuple[str, str]]:
    """The host range minus the gateway, as (first, last) ranges."""
    first, last = host_range(net)
    if gateway is None:
        return [(str(first), str(last))]
    gw = ipaddress.ip_address(gateway)
    pools = []
    if first < gw:
        pools.append((str(first), str(gw - 1)))
    if gw < last:
        pools.append((str(gw + 1), str(last)))
    if not first <= gw <= last:
        pools = [(str(first), str(last))]
    return pools


def check_pools(net, gateway: str | None, pools: list[dict]) -> list[tuple[str, str]]:
    """Validate requested pools ([{start, end}]): inside the subnet, start <= end,
    not overlapping each other; the gateway may not be inside one."""
    ranges = []
    for pool in pools:
        try:
            start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(
                pool["end"])
        except (KeyError, ValueError):
            raise net_exc.InvalidAllocationPool(pool=pool) from None
        if start not in net or end not in net or start > end:
            raise net_exc.InvalidAllocationPool(pool=pool)
        ranges.append((start, end))
    ranges.sort()
    for (_, end), (start, _) in zip(ranges, ranges[1:], strict=False):
        if start <= end:
            raise net_exc.InvalidAllocationPool(pool=f"{start}: overlapping pools")
    if gateway is not None:
        gw = ipaddress.ip_address(gateway)
        for start, end in ranges:
            if start <= gw <= end:
                raise net_exc.InvalidAllocationPool(
                    pool=f"{start}-{end}: it contains the gateway {gateway}")
    return [(str(s), str(e)) for s, e in ranges]


def pool_size(subnet) -> int:
    return sum(int(ipaddress.ip_address(p.last_ip)) - int(ipaddress.ip_address(
        p.first_ip)) + 1 for p in subnet.allocation_pools)


def used_count(session, subnet_id: str) -> int:
    return session.scalar(select(func.count()).select_from(IpAllocation).where(
        IpAllocation.subnet_id == subnet_id))


def _allocated(session, subnet_id: str) -> set:
    return {ipaddress.ip_address(a) for a in session.scalars(
        select(IpAllocation.ip_address).where(IpAllocation.subnet_id == subnet_id))}


def eui64(net, mac: str) -> str:
    """The SLAAC address of ``mac`` in the /64 ``net``."""
    octets = [int(x, 16) for x in mac.split(":")]
    octets[0] ^= 0x02
    iid = octets[:3] + [0xFF, 0xFE] + octets[3:]
    value = int.from_bytes(bytes(iid), "big")
    return str(ipaddress.IPv6Address(int(net.network_address) | value))


def pick(session, subnet, *, lowest: bool = False) -> str:
    """A free address of the subnet's pools (IpAddressGenerationFailure if none)."""
    taken = _allocated(session, subnet.id)
    free = []
    for pool in subnet.allocation_pools:
        address = ipaddress.ip_address(pool.first_ip)
        last = ipaddress.ip_address(pool.last_ip)
        while address <= last and len(free) < PICK_WINDOW:
            if address not in taken:
                free.append(address)
            address += 1
        if len(free) >= PICK_WINDOW:
            break
    if not free:
        raise net_exc.IpAddressGenerationFailure(net_id=subnet.network_id)
    return str(free[0] if lowest else random.choice(free))


def allocate(session, subnet, port_id: str, ip_address: str | None = None, *,
             mac: str | None = None, lowest: bool = False) -> IpAllocation:
    """Give ``port_id`` an address of ``subnet``: ``ip_address`` if asked (inside
    the subnet, not its gateway, not taken: IpAddressAlreadyAllocated), else the
    SLAAC address for auto-configured IPv6 subnets, else one from the pools."""
    net = network_of(subnet.cidr)
    if ip_address is not None:
        try:
            address = ipaddress.ip_address(ip_address)
        except ValueError:
            raise net_exc.InvalidIpForSubnet(ip=ip_address) from None
        first, last = host_range(net)
        if address not in net or not first <= address <= last or (
                subnet.gateway_ip and address == ipaddress.ip_address(subnet.gateway_ip)):
            raise net_exc.InvalidIpForSubnet(ip=ip_address)
        text = str(address)
        if session.get(IpAllocation, (subnet.id, text)) is not None:
            raise net_exc.IpAddressAlreadyAllocated(ip=text, subnet_id=subnet.id)
    elif subnet.ip_version == 6 and subnet.ipv6_address_mode in IPV6_AUTO_MODES \
            and mac is not None and net.prefixlen == 64:
        text = eui64(net, mac)
    else:
        text = pick(session, subnet, lowest=lowest)
    row = IpAllocation(subnet_id=subnet.id, ip_address=text, port_id=port_id,
                       network_id=subnet.network_id)
    session.add(row)
    session.flush()
    return row

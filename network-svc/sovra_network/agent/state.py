"""The desired state of one node's data plane, built from Networking API v2.0 shapes.

``HostState.from_api(host, networks, subnets, ports, security_groups, routers,
floatingips, tunnel_endpoints)`` takes lists of dicts exactly as ``GET /v2.0/<x>``
returns them and keeps what this node needs:

- ports bound here (``binding:host_id == host``), the DHCP ports
  (``device_owner == "network:dhcp"``) of networks this node serves, and the ports
  of the routers passed in (``routers`` are the routers placed on this node: the
  caller decides which), with their floating IPs (associated ones, and those that
  forward ports: ``port_forwardings`` is ``{floating IP id: [forwarding dicts]}``
  as ``GET /v2.0/floatingips/{id}/port_forwardings`` returns them);
- the networks those ports are on, their subnets, the security groups the ports
  use (and the member addresses of every group a rule names as remote group);
- ``tunnel_endpoints``: ``{network_id: [remote VTEP IP, ...]}``;
- ``network_ports``: for each network whose DHCP port is kept, all its ports
  (wherever bound): the DHCP server's host entries.

A DHCP port counts only where this node serves DHCP: when it is bound here, or when
it is unbound (``binding:host_id`` empty) and ``serve_unbound_dhcp`` is true (a
single-node cloud, the tests).

Names (15 characters at most, shared with the compute side that creates taps):
bridge ``brq`` + network_id[:11], tap ``tap`` + port_id[:11], VXLAN ``vxlan-<vni>``,
namespaces ``qdhcp-<network_id>`` and ``qrouter-<router_id>`` (the agent puts its
configured prefix in front of namespace names).
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable, Mapping

DHCP_OWNER = "network:dhcp"
ROUTER_INTERFACE_OWNERS = frozenset({"network:router_interface",
                                     "network:router_interface_distributed",
                                     "network:ha_router_replicated_interface"})
ROUTER_GATEWAY_OWNER = "network:router_gateway"
FLOATINGIP_OWNER = "network:floatingip"
DEFAULT_VXLAN_MTU = 1450
DEFAULT_FLAT_MTU = 1500


def bridge_name(network_id: str) -> str:
    return "brq" + network_id[:11]


def tap_name(port_id: str) -> str:
    return "tap" + port_id[:11]


def vxlan_name(vni: int) -> str:
    return f"vxlan-{vni}"


def dhcp_namespace(network_id: str) -> str:
    return "qdhcp-" + network_id


def router_namespace(router_id: str) -> str:
    return "qrouter-" + router_id


@dataclasses.dataclass(frozen=True)
class Network:
    id: str
    network_type: str          # "vxlan", "flat" or "local"
    segmentation_id: int | None
    physical_network: str | None
    mtu: int
    external: bool = False

    @property
    def bridge(self) -> str:
        return bridge_name(self.id)

    @property
    def vxlan(self) -> str | None:
        if self.network_type == "vxlan" and self.segmentation_id is not None:
            return vxlan_name(self.segmentation_id)
        return None

    @classmethod
    def from_api(cls, net: Mapping) -> Network:
        network_type = net.get("provider:network_type") or "vxlan"
        default_mtu = DEFAULT_VXLAN_MTU if network_type == "vxlan" else DEFAULT_FLAT_MTU
        seg = net.get("provider:segmentation_id")
        return cls(id=net["id"], network_type=network_type,
                   segmentation_id=int(seg) if seg is not None else None,
                   physical_network=net.get("provider:physical_network"),
                   mtu=int(net.get("mtu") or default_mtu),
                   external=bool(net.get("router:external")))


@dataclasses.dataclass(frozen=True)
class HostRoute:
    destination: str
    nexthop: str


@dataclasses.dataclass(frozen=True)
class Subnet:
    id: str
    network_id: str
    cidr: str
    ip_version: int
    gateway_ip: str | None
    enable_dhcp: bool
    dns_nameservers: tuple[str, ...] = ()
    host_routes: tuple[HostRoute, ...] = ()
    #: IPv6 only: "slaac", "dhcpv6-stateful", "dhcpv6-stateless" or None
    ipv6_address_mode: str | None = None

    @property
    def prefixlen(self) -> int:
        return ipaddress.ip_network(self.cidr, strict=False).prefixlen

    @classmethod
    def from_api(cls, sub: Mapping) -> Subnet:
        return cls(id=sub["id"], network_id=sub["network_id"], cidr=sub["cidr"],
                   ip_version=int(sub.get("ip_version") or 4),
                   gateway_ip=sub.get("gateway_ip") or None,
                   enable_dhcp=bool(sub.get("enable_dhcp", True)),
                   dns_nameservers=tuple(sub.get("dns_nameservers") or ()),
                   host_routes=tuple(HostRoute(r["destination"], r["nexthop"])
                                     for r in sub.get("host_routes") or ()),
                   ipv6_address_mode=sub.get("ipv6_address_mode") or None)


@dataclasses.dataclass(frozen=True)
class FixedIP:
    subnet_id: str
    ip_address: str


@dataclasses.dataclass(frozen=True)
class AddressPair:
    ip_address: str            # an address or a CIDR
    mac_address: str


@dataclasses.dataclass(frozen=True)
class Port:
    id: str
    network_id: str
    mac_address: str
    fixed_ips: tuple[FixedIP, ...]
    device_owner: str = ""
    device_id: str = ""
    host: str = ""
    bridge: str = ""
    admin_state_up: bool = True
    port_security_enabled: bool = True
    security_groups: tuple[str, ...] = ()
    allowed_address_pairs: tuple[AddressPair, ...] = ()
    dns_name: str = ""
    project_id: str = ""

    @property
    def tap(self) -> str:
        return tap_name(self.id)

    @property
    def is_dhcp(self) -> bool:
        return self.device_owner == DHCP_OWNER

    @property
    def is_router(self) -> bool:
        return (self.device_owner in ROUTER_INTERFACE_OWNERS
                or self.device_owner == ROUTER_GATEWAY_OWNER)

    @property
    def is_vm(self) -> bool:
        """A port the compute side plugs (a tap found on the node) and the agent
        filters: neither a DHCP nor a router port."""
        return not (self.is_dhcp or self.is_router
                    or self.device_owner == FLOATINGIP_OWNER)

    @property
    def filtered(self) -> bool:
        """Security groups and anti-spoofing apply to this port."""
        return self.is_vm and self.port_security_enabled

    @classmethod
    def from_api(cls, port: Mapping) -> Port:
        details = port.get("binding:vif_details") or {}
        security = port.get("port_security_enabled")
        return cls(
            id=port["id"], network_id=port["network_id"],
            mac_address=port["mac_address"].lower(),
            fixed_ips=tuple(FixedIP(ip["subnet_id"], ip["ip_address"])
                            for ip in port.get("fixed_ips") or ()),
            device_owner=port.get("device_owner") or "",
            device_id=port.get("device_id") or "",
            host=port.get("binding:host_id") or "",
            bridge=details.get("bridge_name") or bridge_name(port["network_id"]),
            admin_state_up=bool(port.get("admin_state_up", True)),
            port_security_enabled=True if security is None else bool(security),
            security_groups=tuple(port.get("security_groups") or ()),
            allowed_address_pairs=tuple(
                AddressPair(pair["ip_address"],
                            (pair.get("mac_address") or port["mac_address"]).lower())
                for pair in port.get("allowed_address_pairs") or ()),
            dns_name=port.get("dns_name") or "",
            project_id=port.get("project_id") or port.get("tenant_id") or "")


@dataclasses.dataclass(frozen=True)
class Rule:
    id: str
    direction: str             # "ingress" (to the port) or "egress" (from it)
    ethertype: str             # "IPv4" or "IPv6"
    protocol: str | None       # name ("tcp", "icmp"...), number as a string, or None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None

    @classmethod
    def from_api(cls, rule: Mapping) -> Rule:
        def _int(value):
            return None if value is None else int(value)
        protocol = rule.get("protocol")
        return cls(id=rule["id"], direction=rule["direction"],
                   ethertype=rule.get("ethertype") or "IPv4",
                   protocol=None if protocol in (None, "", "any") else str(protocol).lower(),
                   port_range_min=_int(rule.get("port_range_min")),
                   port_range_max=_int(rule.get("port_range_max")),
                   remote_ip_prefix=rule.get("remote_ip_prefix") or None,
                   remote_group_id=rule.get("remote_group_id") or None)


@dataclasses.dataclass(frozen=True)
class SecurityGroup:
    id: str
    rules: tuple[Rule, ...]

    @classmethod
    def from_api(cls, group: Mapping) -> SecurityGroup:
        return cls(id=group["id"], rules=tuple(
            Rule.from_api(rule) for rule in group.get("security_group_rules") or ()))


@dataclasses.dataclass(frozen=True)
class RouterGateway:
    network_id: str
    port_id: str
    fixed_ips: tuple[FixedIP, ...]
    enable_snat: bool = True


@dataclasses.dataclass(frozen=True)
class FloatingIP:
    id: str
    floating_ip_address: str
    fixed_ip_address: str
    router_id: str


@dataclasses.dataclass(frozen=True)
class PortForwarding:
    """``protocol`` ``floating_ip_address``:``external_port`` DNATed to
    ``internal_ip_address``:``internal_port``."""
    id: str
    floatingip_id: str
    floating_ip_address: str
    protocol: str              # "tcp" or "udp"
    external_port: int
    internal_ip_address: str
    internal_port: int


@dataclasses.dataclass(frozen=True)
class Router:
    id: str
    interfaces: tuple[str, ...]            # port ids (qr- devices)
    gateway: RouterGateway | None = None   # qg- device
    routes: tuple[HostRoute, ...] = ()
    floatingips: tuple[FloatingIP, ...] = ()
    port_forwardings: tuple[PortForwarding, ...] = ()


@dataclasses.dataclass(frozen=True)
class HostState:
    """What one node must look like. Mappings are keyed by id."""

    host: str
    networks: Mapping[str, Network]
    subnets: Mapping[str, Subnet]
    ports: Mapping[str, Port]
    security_groups: Mapping[str, SecurityGroup]
    #: {security group id: addresses of its member ports}, for remote-group rules
    group_members: Mapping[str, frozenset[str]]
    routers: Mapping[str, Router]
    tunnel_endpoints: Mapping[str, tuple[str, ...]]
    #: {network id: every port of that network, cloud-wide}, for the networks whose
    #: DHCP this node serves (dnsmasq's static host entries)
    network_ports: Mapping[str, tuple[Port, ...]] = dataclasses.field(
        default_factory=dict)

    def ports_on(self, network_id: str) -> list[Port]:
        return [p for p in self.ports.values() if p.network_id == network_id]

    def subnets_of(self, network_id: str) -> list[Subnet]:
        return sorted((s for s in self.subnets.values() if s.network_id == network_id),
                      key=lambda s: s.id)

    def dhcp_port(self, network_id: str) -> Port | None:
        for port in sorted(self.ports_on(network_id), key=lambda p: p.id):
            if port.is_dhcp:
                return port
        return None

    @classmethod
    def from_api(cls, host: str, networks: Iterable[Mapping], subnets: Iterable[Mapping],
                 ports: Iterable[Mapping], security_groups: Iterable[Mapping],
                 routers: Iterable[Mapping] = (), floatingips: Iterable[Mapping] = (),
                 tunnel_endpoints: Mapping[str, Iterable[str]] | None = None, *,
                 serve_unbound_dhcp: bool = True,
                 port_forwardings: Mapping[str, Iterable[Mapping]] | None = None,
                 ) -> HostState:
        all_ports = [Port.from_api(p) for p in ports]
        router_list = list(routers)
        router_ids = {r["id"] for r in router_list}

        def wanted(port: Port) -> bool:
            if port.host == host:
                return True
            if port.is_dhcp:
                return not port.host and serve_unbound_dhcp
            return port.is_router and port.device_id in router_ids

        kept = {p.id: p for p in all_ports if wanted(p)}
        # a router's gateway port may live on an external network not otherwise used
        net_by_id = {n["id"]: Network.from_api(n) for n in networks}
        used_nets = {p.network_id for p in kept.values()}
        nets = {nid: net for nid, net in net_by_id.items() if nid in used_nets}
        subs = {s.id: s for s in (Subnet.from_api(s) for s in subnets)
                if s.network_id in nets}
        groups_used = {g for p in kept.values() if p.filtered for g in p.security_groups}
        all_groups = {g["id"]: SecurityGroup.from_api(g) for g in security_groups}
        groups = {gid: all_groups[gid] for gid in sorted(groups_used) if gid in all_groups}
        remote_ids = {rule.remote_group_id for g in groups.values() for rule in g.rules
                      if rule.remote_group_id}
        members: dict[str, set[str]] = {gid: set() for gid in remote_ids}
        for port in all_ports:  # members anywhere in the cloud, not only here
            for gid in port.security_groups:
                if gid in members:
                    members[gid].update(ip.ip_address for ip in port.fixed_ips)
                    members[gid].update(pair.ip_address
                                        for pair in port.allowed_address_pairs)
        fips_by_router: dict[str, list[FloatingIP]] = {}
        forwards_by_router: dict[str, list[PortForwarding]] = {}
        for fip in floatingips:
            if fip.get("router_id") not in router_ids:
                continue
            if fip.get("fixed_ip_address"):
                fips_by_router.setdefault(fip["router_id"], []).append(FloatingIP(
                    id=fip["id"], floating_ip_address=fip["floating_ip_address"],
                    fixed_ip_address=fip["fixed_ip_address"],
                    router_id=fip["router_id"]))
                continue
            for pf in (port_forwardings or {}).get(fip["id"]) or ():
                forwards_by_router.setdefault(fip["router_id"], []).append(
                    PortForwarding(
                        id=pf["id"], floatingip_id=fip["id"],
                        floating_ip_address=fip["floating_ip_address"],
                        protocol=str(pf["protocol"]).lower(),
                        external_port=int(pf["external_port"]),
                        internal_ip_address=pf["internal_ip_address"],
                        internal_port=int(pf["internal_port"])))
        by_router_ports = {}
        for port in kept.values():
            if port.is_router:
                by_router_ports.setdefault(port.device_id, []).append(port)
        built_routers = {}
        for router in router_list:
            rports = by_router_ports.get(router["id"], [])
            gw_info = router.get("external_gateway_info") or None
            gateway = None
            gw_ports = [p for p in rports if p.device_owner == ROUTER_GATEWAY_OWNER
                        and gw_info and p.network_id == gw_info.get("network_id")]
            if gw_info and gw_ports:
                gateway = RouterGateway(
                    network_id=gw_ports[0].network_id, port_id=gw_ports[0].id,
                    fixed_ips=gw_ports[0].fixed_ips,
                    enable_snat=bool(gw_info.get("enable_snat", True)))
            built_routers[router["id"]] = Router(
                id=router["id"],
                interfaces=tuple(sorted(p.id for p in rports
                                        if p.device_owner in ROUTER_INTERFACE_OWNERS)),
                gateway=gateway,
                routes=tuple(HostRoute(r["destination"], r["nexthop"])
                             for r in router.get("routes") or ()),
                floatingips=tuple(sorted(fips_by_router.get(router["id"], ()),
                                         key=lambda f: f.id)),
                port_forwardings=tuple(sorted(forwards_by_router.get(router["id"], ()),
                                              key=lambda f: f.id)))
        tunnels = {nid: tuple(sorted(set(ips)))
                   for nid, ips in (tunnel_endpoints or {}).items() if nid in nets}
        dhcp_nets = {p.network_id for p in kept.values() if p.is_dhcp}
        network_ports: dict[str, list[Port]] = {nid: [] for nid in sorted(dhcp_nets)}
        for port in all_ports:
            if port.network_id in network_ports:
                network_ports[port.network_id].append(port)
        return cls(host=host, networks=nets, subnets=subs, ports=kept,
                   security_groups=groups,
                   group_members={g: frozenset(m) for g, m in members.items()},
                   routers=built_routers, tunnel_endpoints=tunnels,
                   network_ports={nid: tuple(sorted(ports, key=lambda p: p.id))
                                  for nid, ports in network_ports.items()})

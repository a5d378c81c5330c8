"""Layer 3: routers in namespaces, SNAT, floating IPs and port forwardings.

Each router of the state (the routers placed on this node, see sync.router_host)
is a namespace ``<prefix>qrouter-<router id>`` holding:

- one interface per router interface port: a veth pair, ``qr-<port id[:11]>`` in
  the namespace (the port's MAC and addresses, the network's MTU) and its peer
  ``tap<port id[:11]>`` in the network's bridge (plugged like any port's tap: the
  port turns ACTIVE);
- the gateway, ``qg-<port id[:11]>`` (peer ``tap<port id[:11]>`` in the external
  network's bridge) with the gateway port's addresses, plus every floating address
  of the router as a /32 (/128): the kernel answers ARP for them itself;
- routes (``proto static``, the only ones the agent changes): the default route via
  the external subnet's ``gateway_ip``, and the router's extra routes;
  IPv4 and IPv6 forwarding on;
- one nftables table ``ip sovra_nat`` (replaced whole, ``nft -f``), see
  ``render_nat``: per floating IP, DNAT of its address to the fixed IP and SNAT
  of the fixed IP's traffic leaving by qg- to it; per port forwarding, DNAT of
  (floating address, protocol, external port) to (internal address, port); with
  ``enable_snat``, SNAT of the interfaces' IPv4 subnets leaving by qg- to the
  gateway's IPv4 address (after the floating IPs' rules, which take precedence);
  and a guest reaching a floating address of the same router (hairpin) is
  masqueraded to the router's interface address, so the answer comes back through
  the router.

A floating address newly added to qg- is announced by a gratuitous ARP (``arping
-U``, iputils' or busybox's, if either is installed): a neighbour that tried the
address before (an entry left FAILED) finds it at once rather than after its
retry delay.

A floating IP or port forwarding removed (or moved to another fixed IP) has its
connections deleted from the namespace's conntrack, so none goes on through the
old translation. A router no longer in the state loses its namespace (deleting
the namespace deletes its veths, and so their taps); only namespaces with this
agent's prefix are touched. IPv6 interfaces get their addresses and routes but
no NAT (none is wanted) and no router advertisements (not done).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import shutil

from sovra_network.agent import ip_lib
from sovra_network.agent import state as hs
from sovra_network.agent.settings import AgentSettings

LOG = logging.getLogger(__name__)

NAMESPACE_BASE = "qrouter-"
NAT_TABLE = "sovra_nat"
INTERFACE_PREFIX = "qr-"
GATEWAY_PREFIX = "qg-"


def interface_name(port_id: str) -> str:
    return INTERFACE_PREFIX + port_id[:11]


def gateway_name(port_id: str) -> str:
    return GATEWAY_PREFIX + port_id[:11]


def _host_prefix(address: str) -> str:
    return f"{address}/{ipaddress.ip_address(address).max_prefixlen}"


@dataclasses.dataclass(frozen=True)
class Device:
    """One end of a router's veth pair: ``name`` in the router's namespace,
    ``tap`` in the node, enslaved to ``bridge``."""
    name: str
    tap: str
    port_id: str
    bridge: str
    mac_address: str
    mtu: int
    addresses: tuple[str, ...]      # ip/prefixlen


@dataclasses.dataclass(frozen=True)
class RouterPlan:
    id: str
    devices: tuple[Device, ...]     # qr- devices, then qg- if any
    gateway: Device | None
    #: (destination, nexthop), the default route first
    routes: tuple[tuple[str, str], ...]
    #: {floating address: fixed address} of the associated floating IPs
    floating: dict[str, str]
    nat: str                        # the ``nft -f`` script of the NAT table


def _device(state: hs.HostState, port_id: str, name: str,
            extra: tuple[str, ...] = ()) -> Device | None:
    port = state.ports.get(port_id)
    net = state.networks.get(port.network_id) if port else None
    if port is None or net is None:
        return None
    addresses = tuple(f"{ip.ip_address}/{state.subnets[ip.subnet_id].prefixlen}"
                      for ip in port.fixed_ips if ip.subnet_id in state.subnets)
    return Device(name=name, tap=port.tap, port_id=port.id, bridge=port.bridge,
                  mac_address=port.mac_address, mtu=net.mtu,
                  addresses=addresses + extra)


def floating_addresses(router: hs.Router) -> list[str]:
    """Every floating address the router answers for (associated or forwarding)."""
    found = {f.floating_ip_address for f in router.floatingips}
    found.update(pf.floating_ip_address for pf in router.port_forwardings)
    return sorted(found, key=ipaddress.ip_address)


def plan_router(state: hs.HostState, router: hs.Router) -> RouterPlan:
    """What the router's namespace must hold (pure: from the state alone)."""
    devices = []
    internal_v4 = []
    for port_id in router.interfaces:
        device = _device(state, port_id, interface_name(port_id))
        if device is None:
            continue
        devices.append(device)
        for ip in state.ports[port_id].fixed_ips:
            subnet = state.subnets.get(ip.subnet_id)
            if subnet is not None and subnet.ip_version == 4:
                internal_v4.append(str(ipaddress.ip_network(subnet.cidr, strict=False)))
    gateway = None
    routes = []
    gw = router.gateway
    if gw is not None:
        extra = tuple(_host_prefix(a) for a in floating_addresses(router))
        gateway = _device(state, gw.port_id, gateway_name(gw.port_id), extra)
    if gateway is not None:
        devices.append(gateway)
        for ip in gw.fixed_ips:
            subnet = state.subnets.get(ip.subnet_id)
            if subnet is not None and subnet.gateway_ip:
                default = "0.0.0.0/0" if subnet.ip_version == 4 else "::/0"
                if default not in {d for d, _ in routes}:
                    routes.append((default, subnet.gateway_ip))
    routes += [(r.destination, r.nexthop) for r in router.routes]
    floating = {f.floating_ip_address: f.fixed_ip_address for f in router.floatingips
                if gateway is not None}
    return RouterPlan(id=router.id, devices=tuple(devices), gateway=gateway,
                      routes=tuple(routes), floating=floating,
                      nat=render_nat(router, gateway, sorted(set(internal_v4))))


def gateway_v4(router: hs.Router) -> str | None:
    if router.gateway is None:
        return None
    for ip in router.gateway.fixed_ips:
        if ipaddress.ip_address(ip.ip_address).version == 4:
            return ip.ip_address
    return None


def render_nat(router: hs.Router, gateway: Device | None,
               internal_v4: list[str]) -> str:
    """The ``nft -f`` script replacing the router's NAT table (IPv4 only). Without
    a gateway device there is nothing to translate: the table is left empty."""
    pre, post = [], []
    if gateway is not None:
        qg = gateway.name
        for fip in router.floatingips:
            if ipaddress.ip_address(fip.floating_ip_address).version != 4:
                continue
            pre.append(f"ip daddr {fip.floating_ip_address} "
                       f"dnat to {fip.fixed_ip_address}")
            post.append(f'ip saddr {fip.fixed_ip_address} oifname "{qg}" '
                        f"snat to {fip.floating_ip_address}")
        for pf in router.port_forwardings:
            if pf.protocol not in ("tcp", "udp"):
                continue
            pre.append(f"ip daddr {pf.floating_ip_address} {pf.protocol} dport "
                       f"{pf.external_port} dnat to "
                       f"{pf.internal_ip_address}:{pf.internal_port}")
        if internal_v4 and (router.floatingips or router.port_forwardings):
            # hairpin: a guest reaching another's floating address is answered
            # through the router only if it sees the router as the source
            nets = ", ".join(internal_v4)
            post.append(f"ip saddr {{ {nets} }} ip daddr {{ {nets} }} ct status dnat "
                        "masquerade")
        address = gateway_v4(router)
        if router.gateway.enable_snat and address and internal_v4:
            post.append(f'ip saddr {{ {", ".join(internal_v4)} }} oifname "{qg}" '
                        f"snat to {address}")
    out = [f"table ip {NAT_TABLE} {{}}", f"delete table ip {NAT_TABLE}",
           f"table ip {NAT_TABLE} {{",
           "  chain prerouting {",
           "    type nat hook prerouting priority dstnat; policy accept;"]
    out += [f"    {line}" for line in pre]
    out += ["  }", "  chain postrouting {",
            "    type nat hook postrouting priority srcnat; policy accept;"]
    out += [f"    {line}" for line in post]
    out += ["  }", "}", ""]
    return "\n".join(out)


def conntrack_cuts(before: dict[str, tuple], after: dict[str, tuple]) -> list[list[str]]:
    """``conntrack -D`` argument lists for the translations that went: ``before``
    and ``after`` map a floating address to what it translated to (its fixed
    address, or its port forwardings). A floating address whose translation
    changed or went loses every connection to or from it."""
    cuts = []
    for address, old in sorted(before.items()):
        if after.get(address) != old:
            cuts.append(["-D", "--orig-dst", address])
            cuts.append(["-D", "--reply-dst", address])
    return cuts


def translations(router: hs.Router) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for fip in router.floatingips:
        out[fip.floating_ip_address] = ("fixed", fip.fixed_ip_address)
    for pf in router.port_forwardings:
        out.setdefault(pf.floating_ip_address, ())
        out[pf.floating_ip_address] += ((pf.protocol, pf.external_port,
                                         pf.internal_ip_address, pf.internal_port),)
    return out


def arping_argv() -> list[str] | None:
    """The program announcing addresses (iputils' arping, else busybox's)."""
    if shutil.which("arping"):
        return ["arping"]
    if shutil.which("busybox"):
        return ["busybox", "arping"]
    return None


class L3:
    def __init__(self, node: ip_lib.Netns, settings: AgentSettings):
        self.node, self.settings = node, settings
        self.arping = arping_argv()
        #: {router id: the NAT script applied by this process}
        self._applied: dict[str, str] = {}
        #: {router id: translations()} as last applied (for conntrack cuts)
        self._translations: dict[str, dict[str, tuple]] = {}
        #: routers whose namespace has forwarding on (set by this process)
        self._forwarding: set[str] = set()

    def namespace(self, router_id: str) -> str:
        return self.settings.namespace(NAMESPACE_BASE + router_id)

    def sync(self, state: hs.HostState) -> set[str]:
        """Make every router of ``state`` match its plan and remove the others;
        returns the routers done. One router's failure is logged and leaves the
        others alone."""
        done = set()
        node_links = self.node.links() if state.routers else {}
        for router_id in sorted(state.routers):
            router = state.routers[router_id]
            try:
                self._sync_router(plan_router(state, router), router, node_links)
                done.add(router_id)
            except (ip_lib.CommandFailed, OSError):
                LOG.exception("router %s: sync failed", router_id)
        self.remove_stale(set(state.routers))
        return done

    def _sync_router(self, plan: RouterPlan, router: hs.Router, node_links) -> None:
        ns_name = self.namespace(plan.id)
        created = ns_name not in ip_lib.list_namespaces()
        ip_lib.add_namespace(ns_name)
        ns = ip_lib.Netns(ns_name)
        if created:
            LOG.info("router %s: namespace %s", plan.id, ns_name)
            self._applied.pop(plan.id, None)
            self._forwarding.discard(plan.id)
        if plan.id not in self._forwarding:  # once per namespace and process
            ns.sysctl("net.ipv4.ip_forward", "1")
            ns.sysctl("net.ipv6.conf.all.forwarding", "1")
            self._forwarding.add(plan.id)
        ns_links = ns.links()
        if ns_links.get("lo", {}).get("operstate") != "UNKNOWN":
            ns.ip("link", "set", "dev", "lo", "up")
        wanted = {d.name for d in plan.devices}
        for name in sorted(ns_links):
            if name.startswith((INTERFACE_PREFIX, GATEWAY_PREFIX)) and name not in wanted:
                LOG.info("router %s: removing %s", plan.id, name)
                ns.delete_link(name)  # its peer tap goes with it
        # NAT before the addresses: a floating address must never be up on qg-
        # without its DNAT (the router itself would answer for it, and connections
        # made meanwhile would keep the wrong translation)
        self._sync_nat(ns, plan, router)
        addresses = {}  # {device: its global addresses}, one ``ip addr`` for all
        for link in ns.ip_json("addr", "show"):
            addresses[link["ifname"]] = {
                f"{info['local']}/{info['prefixlen']}"
                for info in link.get("addr_info", ()) if info.get("scope") == "global"}
        for device in plan.devices:
            self._sync_device(ns, ns_name, device, node_links, ns_links,
                              addresses.get(device.name, set()))
        self._sync_routes(ns, plan)

    def _sync_device(self, ns: ip_lib.Netns, ns_name: str, device: Device,
                     node_links: dict, ns_links: dict, have: set[str]) -> None:
        if device.name not in ns_links or device.tap not in node_links:
            self.node.delete_link(device.tap)
            ns.delete_link(device.name)
            self.node.ip("link", "add", device.tap, "type", "veth", "peer", "name",
                         device.name, "netns", ns_name)
            LOG.info("%s: %s (port %s)", ns_name, device.name, device.port_id)
            have = set()  # a new device: none of the old one's addresses
            node_links.update(self.node.links())
            ns_links.update(ns.links())
        tap = node_links[device.tap]
        changes = []
        if tap.get("master") != device.bridge:
            changes += ["master", device.bridge]
        if tap.get("mtu") != device.mtu:
            changes += ["mtu", str(device.mtu)]
        if "UP" not in tap.get("flags", ()):
            changes.append("up")
        if changes:
            self.node.ip("link", "set", "dev", device.tap, *changes)
        link = ns_links[device.name]
        changes = []
        if link.get("address") != device.mac_address:
            changes += ["address", device.mac_address]
        if link.get("mtu") != device.mtu:
            changes += ["mtu", str(device.mtu)]
        if "UP" not in link.get("flags", ()):
            changes.append("up")
        if changes:
            ns.ip("link", "set", "dev", device.name, *changes)
        for cidr in sorted(have - set(device.addresses)):
            ns.ip("addr", "del", cidr, "dev", device.name)
        for cidr in device.addresses:
            if cidr not in have:
                ns.ip("addr", "add", cidr, "dev", device.name)
        if device.name.startswith(GATEWAY_PREFIX):
            for cidr in device.addresses:
                if cidr not in have and ipaddress.ip_interface(cidr).version == 4:
                    self._announce(ns, device.name, cidr.split("/")[0])

    def _announce(self, ns: ip_lib.Netns, device: str, address: str) -> None:
        """A gratuitous ARP for ``address`` (best effort)."""
        if self.arping is None:
            return
        try:
            ns.execute([*self.arping, "-U", "-c", "1", "-I", device, address],
                       check=False)
        except OSError as exc:
            LOG.debug("%s: %s not announced (%s)", device, address, exc)

    def _sync_routes(self, ns: ip_lib.Netns, plan: RouterPlan) -> None:
        """The routes the agent adds are ``proto static``; those not planned go."""
        wanted = {}
        for destination, nexthop in plan.routes:
            network = ipaddress.ip_network(destination, strict=False)
            key = "default" if network.prefixlen == 0 else str(network)
            wanted[(network.version, key)] = nexthop
        for version in (4, 6):
            have = {}
            for route in ns.ip_json(f"-{version}", "route", "show", "proto", "static"):
                dst = route["dst"]  # "default", a prefix, or a bare host address
                if dst != "default":
                    dst = str(ipaddress.ip_network(dst, strict=False))
                have[(version, dst)] = route.get("gateway")
            for (v, dst), gateway in sorted(have.items()):
                if v == version and wanted.get((v, dst)) != gateway:
                    ns.ip(f"-{version}", "route", "del", dst, "proto", "static",
                          check=False)
            for (v, dst), nexthop in sorted(wanted.items()):
                if v == version and have.get((v, dst)) != nexthop:
                    try:
                        ns.ip(f"-{version}", "route", "replace", dst, "via", nexthop,
                              "proto", "static")
                    except ip_lib.CommandFailed:  # nexthop not on a link (yet)
                        LOG.exception("router %s: route %s via %s", plan.id, dst,
                                      nexthop)

    def _sync_nat(self, ns: ip_lib.Netns, plan: RouterPlan, router: hs.Router) -> None:
        if self._applied.get(plan.id) != plan.nat or not self._nat_present(ns):
            self._applied.pop(plan.id, None)
            ns.nft(plan.nat)
            self._applied[plan.id] = plan.nat
            LOG.info("router %s: NAT applied (%d floating IPs, %d port forwardings)",
                     plan.id, len(router.floatingips), len(router.port_forwardings))
        after = translations(router) if plan.gateway is not None else {}
        before = self._translations.get(plan.id)
        self._translations[plan.id] = after
        for argv in conntrack_cuts(before or {}, after):
            try:  # exit 1 when nothing matched
                ns.execute(["conntrack", *argv], check=False)
            except OSError as exc:
                LOG.warning("router %s: connections not cut (%s)", plan.id, exc)
                break

    def _nat_present(self, ns: ip_lib.Netns) -> bool:
        try:
            listed = ns.nft_json("list", "tables")
        except (ip_lib.CommandFailed, ValueError):
            return False
        return any(item.get("table", {}).get("name") == NAT_TABLE
                   for item in listed.get("nftables", ()))

    def remove_stale(self, wanted: set[str]) -> None:
        """Delete the router namespaces (with this agent's prefix) of routers not in
        ``wanted``: their veths, taps, routes and NAT go with them."""
        prefix = self.settings.namespace(NAMESPACE_BASE)
        for name in ip_lib.list_namespaces():
            if name.startswith(prefix) and name[len(prefix):] not in wanted:
                router_id = name[len(prefix):]
                LOG.info("router %s: removing namespace %s", router_id, name)
                ip_lib.run(["ip", "netns", "delete", name], check=False)
                self._applied.pop(router_id, None)
                self._translations.pop(router_id, None)
                self._forwarding.discard(router_id)

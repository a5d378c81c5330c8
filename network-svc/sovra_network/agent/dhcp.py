"""DHCP: one dnsmasq per network, in its own namespace, with static leases only.

For each network of the state that has a DHCP port and a DHCP-enabled subnet:

- namespace ``<prefix>qdhcp-<network id>``; a veth pair whose node end is the DHCP
  port's tap (``tap<port id[:11]>``, in the network's bridge) and whose namespace end
  ``ns-<port id[:11]>`` has the DHCP port's MAC, addresses and the network's MTU;
- files in ``<state_dir>/<network id>/``: ``host`` (one static entry per fixed IP of
  the network's ports: MAC, name, address), ``opts`` (per subnet: router, DNS
  servers, classless static routes), ``leases``, ``pid``, ``log``;
- dnsmasq bound to ``ns-...`` only, no DNS (``--port=0``), one ``static`` range per
  DHCP-enabled subnet (a MAC without a host entry gets no lease: no dynamic pool),
  the lease time and the MTU (option 26, always sent) on its command line.

A changed host or options file is rewritten and that network's dnsmasq alone gets
SIGHUP (dnsmasq re-reads both); a changed command line (subnets, MTU, lease time)
restarts it. A network that no longer needs DHCP loses its dnsmasq (found by its
pid file, and only when that process's command line names that pid file), its
namespace and its directory; so do leftovers of a crash (namespaces with this
agent's prefix, directories without a network).

IPv6: a DHCP-enabled IPv6 subnet gets a stateful DHCPv6 range with static entries
(address by the client's MAC, which dnsmasq learns from the DUID or the neighbour
table), unless its ipv6_address_mode is "slaac" (then nothing: the addresses come
from router advertisements). dnsmasq sends no router advertisements: SLAAC and the
M/O flags are the router's job (L3), not done here; dhcpv6-stateless subnets are
served like stateful ones. Not tested end to end (no DHCPv6 client in the test
packages).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shutil
import signal
import time

from sovra_network.agent import ip_lib
from sovra_network.agent import metadata as metadata_mod
from sovra_network.agent import state as hs
from sovra_network.agent.settings import AgentSettings

LOG = logging.getLogger(__name__)

NAMESPACE_BASE = "qdhcp-"
STOP_TIMEOUT = 5.0
METADATA_NET = ipaddress.ip_network(metadata_mod.CIDR)


def device_name(port_id: str) -> str:
    """The DHCP port's interface inside the namespace."""
    return "ns-" + port_id[:11]


def subnet_tag(subnet: hs.Subnet) -> str:
    return "subnet-" + subnet.id


def dhcp_subnets(state: hs.HostState, network_id: str) -> list[hs.Subnet]:
    """The network's subnets dnsmasq hands addresses on: DHCP-enabled, and for
    IPv6 not SLAAC (those addresses come from router advertisements)."""
    return [s for s in state.subnets_of(network_id) if s.enable_dhcp
            and not (s.ip_version == 6 and s.ipv6_address_mode == "slaac")]


def served_networks(state: hs.HostState) -> dict[str, hs.Port]:
    """{network id: its DHCP port} for the networks whose DHCP this node serves."""
    out = {}
    for net_id in sorted(state.networks):
        port = state.dhcp_port(net_id)
        if port is not None and dhcp_subnets(state, net_id):
            out[net_id] = port
    return out


def _hostname(port: hs.Port, address: str) -> str:
    if port.dns_name:
        return port.dns_name
    return "host-" + address.replace(".", "-").replace(":", "-")


def render_hosts(state: hs.HostState, network_id: str) -> str:
    """dnsmasq's ``--dhcp-hostsfile``: one line per fixed IP on a DHCP subnet, for
    every port of the network (``state.network_ports``), wherever it is bound."""
    subnets = {s.id: s for s in dhcp_subnets(state, network_id)}
    lines = []
    ports = state.network_ports.get(network_id) or state.ports_on(network_id)
    for port in sorted(ports, key=lambda p: p.id):
        if port.is_dhcp:
            continue
        for ip in port.fixed_ips:
            subnet = subnets.get(ip.subnet_id)
            if subnet is None:
                continue
            address = ip.ip_address if subnet.ip_version == 4 else f"[{ip.ip_address}]"
            lines.append(f"{port.mac_address},{_hostname(port, ip.ip_address)},{address}")
    return "".join(line + "\n" for line in lines)


def metadata_routes(state: hs.HostState, network_id: str) -> dict[str, str]:
    """{subnet id: the DHCP port's IPv4 address on it}: the next hop of the route
    to the metadata address on each IPv4 DHCP subnet."""
    port = state.dhcp_port(network_id)
    if port is None:
        return {}
    return {ip.subnet_id: ip.ip_address for ip in port.fixed_ips
            if ":" not in ip.ip_address}


def render_opts(state: hs.HostState, network_id: str, *, metadata: bool = False) -> str:
    """dnsmasq's ``--dhcp-optsfile``: per subnet (by tag), the router, DNS servers
    and host routes (classless static routes, options 121 and 249, which carry the
    default route too since a client given them ignores option 3); with
    ``metadata``, a route to 169.254.169.254/32 via the DHCP port's address (the
    metadata proxy in the DHCP namespace), unless a host route names it."""
    lines = []
    via_dhcp = metadata_routes(state, network_id) if metadata else {}
    for subnet in dhcp_subnets(state, network_id):
        tag = f"tag:{subnet_tag(subnet)}"
        if subnet.ip_version == 4:
            if subnet.gateway_ip:
                lines.append(f"{tag},option:router,{subnet.gateway_ip}")
            else:
                lines.append(f"{tag},option:router")
            servers = [d for d in subnet.dns_nameservers if ":" not in d]
            if servers:
                lines.append(f"{tag},option:dns-server,{','.join(servers)}")
            routes = [(r.destination, r.nexthop) for r in subnet.host_routes
                      if ipaddress.ip_network(r.destination, strict=False).version == 4]
            if subnet.id in via_dhcp and not any(
                    ipaddress.ip_network(d, strict=False) == METADATA_NET
                    for d, _ in routes):
                routes.append((metadata_mod.CIDR, via_dhcp[subnet.id]))
            if routes:
                if subnet.gateway_ip and not any(
                        ipaddress.ip_network(d, strict=False).prefixlen == 0
                        for d, _ in routes):
                    routes.append(("0.0.0.0/0", subnet.gateway_ip))
                flat = ",".join(f"{d},{n}" for d, n in routes)
                lines.append(f"{tag},option:classless-static-route,{flat}")
                lines.append(f"{tag},249,{flat}")
        else:
            servers = [f"[{d}]" for d in subnet.dns_nameservers if ":" in d]
            if servers:
                lines.append(f"{tag},option6:dns-server,{','.join(servers)}")
    return "".join(line + "\n" for line in lines)


def network_dir(settings: AgentSettings, network_id: str) -> str:
    return os.path.join(settings.state_dir, network_id)


def dnsmasq_argv(settings: AgentSettings, state: hs.HostState, network_id: str,
                 port: hs.Port) -> list[str]:
    """dnsmasq's command line for one network (compared with the running one's)."""
    folder = network_dir(settings, network_id)
    net = state.networks[network_id]
    lease = settings.dhcp_lease_time
    argv = [settings.dnsmasq_path, "--conf-file=/dev/null", "--no-hosts", "--no-resolv",
            "--port=0", "--bind-interfaces", f"--interface={device_name(port.id)}",
            f"--pid-file={folder}/pid", f"--dhcp-hostsfile={folder}/host",
            f"--dhcp-optsfile={folder}/opts", f"--dhcp-leasefile={folder}/leases",
            "--log-dhcp", f"--log-facility={folder}/log", "--user=root", "--group=root"]
    for subnet in dhcp_subnets(state, network_id):
        network = ipaddress.ip_network(subnet.cidr, strict=False)
        tag = subnet_tag(subnet)
        if subnet.ip_version == 4:
            argv.append(f"--dhcp-range=set:{tag},{network.network_address},static,"
                        f"{network.netmask},{lease}s")
            argv.append(f"--dhcp-option-force=tag:{tag},option:mtu,{net.mtu}")
        else:
            argv.append(f"--dhcp-range=set:{tag},{network.network_address},static,"
                        f"{network.prefixlen},{lease}s")
    return argv


def _write_if_changed(path: str, content: str) -> bool:
    try:
        with open(path) as f:
            if f.read() == content:
                return False
    except FileNotFoundError:
        pass
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(content)
    os.replace(tmp, path)
    return True


def _cmdline(pid: int) -> list[str] | None:
    """A live process's argv; None if gone (or a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return None
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            raw = f.read()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return [a.decode() for a in raw.split(b"\0")[:-1]] if raw else None


def running_dnsmasq(folder: str) -> tuple[int, list[str]] | None:
    """(pid, argv) of the dnsmasq of ``folder`` if it runs: the pid file's process,
    and only if its command line names that same pid file (never another's)."""
    try:
        with open(os.path.join(folder, "pid")) as f:
            pid = int(f.read().strip())
    except (FileNotFoundError, ValueError):
        return None
    argv = _cmdline(pid)
    if argv is None or f"--pid-file={folder}/pid" not in argv:
        return None
    return pid, argv


def stop_dnsmasq(folder: str) -> None:
    found = running_dnsmasq(folder)
    if found is None:
        return
    pid = found[0]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _cmdline(pid) is not None:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline += STOP_TIMEOUT
        time.sleep(0.02)
    LOG.info("stopped dnsmasq %d (%s)", pid, folder)


class Dhcp:
    def __init__(self, node: ip_lib.Netns, settings: AgentSettings):
        self.node, self.settings = node, settings
        self.metadata = None
        if settings.metadata_proxy_shared_secret:
            self.metadata = metadata_mod.MetadataProxy(
                settings.metadata_url, settings.metadata_proxy_shared_secret)
        else:
            LOG.warning("no [network_agent] metadata_proxy_shared_secret: no metadata "
                        "proxy (guests cannot reach %s)", metadata_mod.ADDRESS)

    def close(self) -> None:
        """Stop the metadata proxy (dnsmasq and the namespaces stay)."""
        if self.metadata is not None:
            self.metadata.close()

    def namespace(self, network_id: str) -> str:
        return self.settings.namespace(NAMESPACE_BASE + network_id)

    def sync(self, state: hs.HostState) -> set[str]:
        """Serve DHCP for ``state``'s networks, stop it elsewhere; returns the
        networks served. A failure on one network is logged and leaves the others
        alone."""
        served = set()
        os.makedirs(self.settings.state_dir, exist_ok=True)
        wanted = served_networks(state)
        node_links = self.node.links() if wanted else {}
        for net_id, port in wanted.items():
            try:
                self._sync_network(state, net_id, port, node_links)
                served.add(net_id)
            except (ip_lib.CommandFailed, OSError):
                LOG.exception("network %s: DHCP sync failed", net_id)
        if self.metadata is not None:  # closed before their namespaces go
            self.metadata.retain(set(wanted))
        self.remove_stale(set(wanted))
        return served

    def _sync_network(self, state: hs.HostState, net_id: str, port: hs.Port,
                      node_links: dict) -> None:
        net = state.networks[net_id]
        ns_name = self.namespace(net_id)
        ip_lib.add_namespace(ns_name)
        ns = ip_lib.Netns(ns_name)
        device = device_name(port.id)
        ns_links = ns.links()
        if ns_links.get("lo", {}).get("operstate") != "UNKNOWN":
            ns.ip("link", "set", "dev", "lo", "up")
        for name in ns_links:
            if name.startswith("ns-") and name != device:  # the DHCP port changed
                ns.delete_link(name)
        if device not in ns_links or port.tap not in node_links:
            self.node.delete_link(port.tap)
            ns.delete_link(device)
            self.node.ip("link", "add", port.tap, "type", "veth", "peer", "name", device,
                         "netns", ns_name)
            LOG.info("network %s: DHCP interface %s (%s)", net_id, device, ns_name)
            node_links.update(self.node.links())
            ns_links = ns.links()
        tap = node_links[port.tap]
        changes = []
        if tap.get("master") != port.bridge:
            changes += ["master", port.bridge]
        if tap.get("mtu") != net.mtu:
            changes += ["mtu", str(net.mtu)]
        if "UP" not in tap.get("flags", ()):
            changes.append("up")
        if changes:
            self.node.ip("link", "set", "dev", port.tap, *changes)
        link = ns_links[device]
        changes = []
        if link.get("address") != port.mac_address:
            changes += ["address", port.mac_address]
        if link.get("mtu") != net.mtu:
            changes += ["mtu", str(net.mtu)]
        if "UP" not in link.get("flags", ()):
            changes.append("up")
        if changes:
            ns.ip("link", "set", "dev", device, *changes)
        subnets = state.subnets
        addresses = [f"{ip.ip_address}/{subnets[ip.subnet_id].prefixlen}"
                     for ip in port.fixed_ips if ip.subnet_id in subnets]
        if self.metadata is not None:
            addresses.append(metadata_mod.CIDR)
        ns.set_addresses(device, addresses)
        self._sync_dnsmasq(state, net_id, port, ns)
        if self.metadata is not None:
            try:
                self.metadata.serve(net_id, ns_name,
                                    metadata_mod.instances(state, net_id))
            except OSError:  # DHCP itself is fine
                LOG.exception("network %s: metadata proxy failed", net_id)

    def _sync_dnsmasq(self, state, net_id, port, ns: ip_lib.Netns) -> None:
        folder = network_dir(self.settings, net_id)
        os.makedirs(folder, exist_ok=True)
        changed = _write_if_changed(os.path.join(folder, "host"),
                                    render_hosts(state, net_id))
        changed |= _write_if_changed(os.path.join(folder, "opts"), render_opts(
            state, net_id, metadata=self.metadata is not None))
        argv = dnsmasq_argv(self.settings, state, net_id, port)
        found = running_dnsmasq(folder)
        # a namespace deleted under it and made again: dnsmasq serves nobody
        moved = found is not None and ip_lib.process_namespace_id(found[0]) != \
            ip_lib.namespace_id(ns.name)
        if found is not None and found[1] == argv and not moved:
            if changed:
                os.kill(found[0], signal.SIGHUP)
                LOG.info("network %s: dnsmasq %d reloaded", net_id, found[0])
            return
        if found is not None:
            LOG.info("network %s: dnsmasq's %s changed; restarting it", net_id,
                     "namespace" if moved else "options")
            stop_dnsmasq(folder)
        ns.execute(argv)
        LOG.info("network %s: dnsmasq started", net_id)

    def remove_stale(self, wanted: set[str]) -> None:
        """Stop DHCP for every network not in ``wanted``: dnsmasq (ours only), the
        namespace (with our prefix only), the directory."""
        prefix = self.settings.namespace(NAMESPACE_BASE)
        try:
            folders = os.listdir(self.settings.state_dir)
        except FileNotFoundError:
            folders = []
        for net_id in sorted(set(folders) - wanted):
            folder = network_dir(self.settings, net_id)
            if not os.path.isdir(folder):
                continue
            try:
                stop_dnsmasq(folder)
                ip_lib.delete_namespace(self.namespace(net_id))
                shutil.rmtree(folder, ignore_errors=True)
                LOG.info("network %s: DHCP removed", net_id)
            except (ip_lib.CommandFailed, OSError):
                LOG.exception("network %s: removing DHCP failed", net_id)
        for name in ip_lib.list_namespaces():
            if name.startswith(prefix) and name[len(prefix):] not in wanted:
                LOG.info("deleting stale namespace %s", name)
                ip_lib.run(["ip", "netns", "delete", name], check=False)

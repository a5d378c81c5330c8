"""Security groups and anti-spoofing with nftables, one atomic ``nft -f`` per sync.

Two tables named ``AgentSettings.firewall_table`` (default ``sovra_fw``), and only
these, are replaced as a whole in one transaction (``table``; ``delete table``;
``table {...}``): a sync never leaves half a rule set, and conntrack entries (kept
by the kernel, not in the tables) survive it, so established flows go on.

Why two families. Stateful filtering needs conntrack; bridge-family conntrack
(``nf_conntrack_bridge``) is missing from some kernels (this project's CI kernel
among them), while bridged IP traffic can always pass the inet family's hooks with
``br_netfilter`` when the bridge asks for it (``nf_call_iptables``, set by l2.py on
Sovra's bridges only). So:

``table bridge <name>`` (stateless, sees every frame with its real bridge ports)
    ``prerouting`` (priority -300): a frame from a filtered port's tap goes through
    ``from_<tap>``: anti-spoofing (source MAC in the port's MAC and address pairs'
    MACs; ARP sender and IPv4/IPv6 source in its fixed IPs, address pairs and IPv6
    link-local address; a DHCP DISCOVER/REQUEST from 0.0.0.0 is let through), no
    DHCP/DHCPv6 server replies, router advertisements or redirects from a guest,
    nothing but ARP, IPv4 and IPv6. It also stamps the packet mark's high 16 bits
    with the port's index on this node (``mark = index << 16``; 0 for frames from
    the node's other Sovra ports: taps, VXLAN devices, flat uplinks). Nothing
    matches a device of another bridge: the host's other bridges are left alone.
    (A tap of no known port that someone put into a Sovra bridge is released from
    it by l2.remove_stale at the next sync.)
    ``forward`` (priority -100): a frame leaving through a filtered port's tap gets
    that port's index in the mark's low 16 bits.
``table inet <name>`` (stateful, sees bridged IPv4/IPv6 through br_netfilter)
    ``prerouting`` (raw priority): conntrack zone per network (from the bridge), so
    two networks with the same addresses do not share connection entries.
    ``forward``: on Sovra's bridges, the mark's high half selects the sender's
    ``egress_<tap>`` chain (its security groups' egress rules; allowed = return),
    then the low half the receiver's ``ingress_<tap>`` chain (ingress rules;
    allowed = accept). Each: ``ct state invalid drop``, ``established,related``
    allowed, DHCP client / neighbour discovery allowed, the rules, then drop.

Remote-group rules match named sets ``rg_<group>_v4`` / ``_v6`` holding the group's
member addresses (fixed IPs and address pairs, cloud-wide).

Removing a rule (or a remote group's member) cuts the connections of the ports
concerned (their conntrack entries are deleted; what the new rules still allow is
picked up again as new connections), unless the rule went while no agent ran.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable

from sovra_network.agent import ip_lib
from sovra_network.agent import state as hs
from sovra_network.agent.settings import AgentSettings

LOG = logging.getLogger(__name__)

PROTOCOL_NUMBERS = {
    "icmp": 1, "igmp": 2, "ipip": 4, "tcp": 6, "egp": 8, "udp": 17, "dccp": 33,
    "rsvp": 46, "gre": 47, "esp": 50, "ah": 51, "ipv6-icmp": 58, "icmpv6": 58,
    "ospf": 89, "encap": 98, "pgm": 113, "vrrp": 112, "sctp": 132, "udplite": 136,
}
_PORT_PROTOCOLS = {6: "tcp", 17: "udp", 132: "sctp", 33: "dccp", 136: "udplite"}
_ND_OUT = "nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, " \
          "mld-listener-report, mld2-listener-report"
_ND_IN = "nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, " \
         "mld-listener-query"
MARK_SHIFT = 16
MAX_PORTS = 0xFFFF


def chain_suffix(port: hs.Port) -> str:
    """An nft identifier from the port's tap name (no ``-`` in identifiers)."""
    return port.tap.replace("-", "_")


def set_name(group_id: str, version: int) -> str:
    return f"rg_{group_id.replace('-', '_')}_v{version}"


def conntrack_zone(network: hs.Network) -> int:
    """A stable conntrack zone for a network (1..65535): its VNI when it fits,
    else derived from its id. Stable across syncs and agent restarts, so existing
    connection entries keep matching."""
    if network.segmentation_id and 0 < network.segmentation_id <= 0xFFFF:
        return network.segmentation_id
    return 1 + int(network.id.replace("-", "")[:8], 16) % 0xFFFE


def link_local(mac: str) -> str:
    """The IPv6 link-local address a guest derives from ``mac`` (EUI-64)."""
    octets = [int(x, 16) for x in mac.split(":")]
    octets[0] ^= 0x02
    eui = octets[:3] + [0xFF, 0xFE] + octets[3:]
    return str(ipaddress.IPv6Address(bytes([0xFE, 0x80] + [0] * 6 + eui)))


def _version(address: str) -> int:
    return ipaddress.ip_network(address, strict=False).version


def _elements(items: Iterable[str]) -> str:
    return ", ".join(sorted(set(items)))


def _addresses(items: Iterable[str]) -> str:
    """Addresses and prefixes of one family, overlaps merged (an nft set refuses
    overlapping intervals)."""
    nets = ipaddress.collapse_addresses(ipaddress.ip_network(a, strict=False)
                                        for a in set(items))
    return ", ".join(str(n.network_address) if n.prefixlen == n.max_prefixlen else str(n)
                     for n in nets)


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in sorted(set(names)))


# --- security-group rules ------------------------------------------------------------

def _protocol_number(protocol: str | None) -> int | None:
    if protocol is None:
        return None
    if protocol.isdigit():
        return int(protocol)
    return PROTOCOL_NUMBERS.get(protocol)


def rule_match(rule: hs.Rule, members: dict[str, frozenset[str]]) -> str | None:
    """The nft match of one security-group rule (inet family, seen from the port:
    ingress matches the source, egress the destination); None when the rule can
    match nothing here (another address family, unknown protocol)."""
    version = 6 if rule.ethertype == "IPv6" else 4
    family = "ip6" if version == 6 else "ip"
    peer = "saddr" if rule.direction == "ingress" else "daddr"
    parts = []
    if rule.remote_ip_prefix:
        if _version(rule.remote_ip_prefix) != version:
            return None
        net = ipaddress.ip_network(rule.remote_ip_prefix, strict=False)
        if net.prefixlen:
            parts.append(f"{family} {peer} {net}")
        else:
            parts.append(f"meta nfproto ipv{version}")
    elif rule.remote_group_id:
        if rule.remote_group_id not in members:
            return None
        parts.append(f"{family} {peer} @{set_name(rule.remote_group_id, version)}")
    else:
        parts.append(f"meta nfproto ipv{version}")
    number = _protocol_number(rule.protocol)
    if rule.protocol is not None and number is None:
        LOG.warning("security group rule %s: unknown protocol %r; ignored", rule.id,
                    rule.protocol)
        return None
    if number == 1 and version == 6:
        number = 58  # "icmp" in an IPv6 rule means ICMPv6, as Neutron reads it
    if number in (1, 58):
        if (number == 58) != (version == 6):
            return None
        icmp = "icmpv6" if number == 58 else "icmp"
        parts.append(f"meta l4proto {icmp}")
        if rule.port_range_min is not None:
            parts.append(f"{icmp} type {rule.port_range_min}")
            if rule.port_range_max is not None:
                parts.append(f"{icmp} code {rule.port_range_max}")
    elif number is not None:
        name = _PORT_PROTOCOLS.get(number)
        low, high = rule.port_range_min, rule.port_range_max
        if name and (low is not None or high is not None):
            low = low if low is not None else 1
            high = high if high is not None else 65535
            ports = str(low) if low == high else f"{low}-{high}"
            parts.append(f"{name} dport {ports}")
        else:
            parts.append(f"meta l4proto {number}")
    return " ".join(parts)


# --- rendering -----------------------------------------------------------------------

def _spoof_chain(port: hs.Port, index: int) -> list[str]:
    macs = {port.mac_address} | {p.mac_address for p in port.allowed_address_pairs}
    addrs = [ip.ip_address for ip in port.fixed_ips]
    addrs += [pair.ip_address for pair in port.allowed_address_pairs]
    v4 = [a for a in addrs if _version(a) == 4]
    v6 = [a for a in addrs if _version(a) == 6] + [link_local(m) for m in sorted(macs)]
    lines = [f"meta mark set {index << MARK_SHIFT:#010x}",
             f"ether saddr != {{ {_elements(macs)} }} drop",
             f"ether type arp arp saddr ether != {{ {_elements(macs)} }} drop"]
    if v4:
        lines.append(f"ether type arp arp saddr ip != {{ {_addresses(v4)} }} drop")
    else:
        lines.append("ether type arp drop")
    lines += ["ether type arp accept",
              "ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 accept"]
    if v4:
        lines.append(f"ether type ip ip saddr != {{ {_addresses(v4)} }} drop")
    else:
        lines.append("ether type ip drop")
    lines += [
        # duplicate address detection and MLD before the guest has an address
        "ip6 saddr :: icmpv6 type { nd-neighbor-solicit, mld2-listener-report } accept",
        f"ether type ip6 ip6 saddr != {{ {_addresses(v6)} }} drop",
        "udp sport 67 udp dport 68 drop",
        "udp sport 547 udp dport 546 drop",
        "icmpv6 type { nd-router-advert, nd-redirect } drop",
        "ether type { ip, ip6 } accept",
        "drop",
    ]
    return lines


def _port_rules(state: hs.HostState, port: hs.Port, direction: str) -> list[str]:
    members = {gid: m for gid, m in state.group_members.items()}
    verdict = "return" if direction == "egress" else "accept"
    lines = []
    for gid in port.security_groups:
        group = state.security_groups.get(gid)
        for rule in group.rules if group else ():
            if rule.direction != direction:
                continue
            try:
                match = rule_match(rule, members)
            except ValueError as exc:  # one bad rule must not stop the node's others
                LOG.warning("security group rule %s ignored: %s", rule.id, exc)
                continue
            if match is not None:
                line = f"{match} {verdict}"
                if line not in lines:
                    lines.append(line)
    return lines


def _egress_chain(state: hs.HostState, port: hs.Port) -> list[str]:
    return ["ct state invalid drop",
            "ct state established,related return",
            "udp sport 68 udp dport 67 return",
            "udp sport 546 udp dport 547 return",
            f"icmpv6 type {{ {_ND_OUT} }} return",
            *_port_rules(state, port, "egress"),
            "drop"]


def _ingress_chain(state: hs.HostState, port: hs.Port) -> list[str]:
    return ["ct state invalid drop",
            "ct state established,related accept",
            "udp sport 67 udp dport 68 accept",
            "udp sport 547 udp dport 546 accept",
            f"icmpv6 type {{ {_ND_IN} }} accept",
            *_port_rules(state, port, "ingress"),
            "drop"]


def _chain(name: str, lines: list[str], hook: str | None = None) -> list[str]:
    out = [f"  chain {name} {{"]
    if hook:
        out.append(f"    {hook}")
    out += [f"    {line}" for line in lines]
    out.append("  }")
    return out


def filtered_ports(state: hs.HostState) -> list[hs.Port]:
    """The ports this node filters, in index order (index = position + 1)."""
    ports = sorted((p for p in state.ports.values() if p.filtered), key=lambda p: p.id)
    if len(ports) > MAX_PORTS:
        raise ValueError(f"{len(ports)} filtered ports on one node: at most {MAX_PORTS}")
    return ports


def render(state: hs.HostState, table: str, uplinks: Iterable[str] = ()) -> str:
    """The whole ``nft -f`` script for ``state``: both tables, replaced at once.
    ``uplinks``: the flat networks' physical interfaces (their frames' marks are
    reset like the taps' and VXLAN devices')."""
    ports = filtered_ports(state)
    indexed = list(enumerate(ports, start=1))
    bridges = sorted({n.bridge for n in state.networks.values()})
    out = [f"table bridge {table} {{}}", f"delete table bridge {table}",
           f"table inet {table} {{}}", f"delete table inet {table}", ""]

    # bridge family: anti-spoofing and marks
    out.append(f"table bridge {table} {{")
    # the mark is Sovra's on Sovra's bridge ports only (other bridges' frames and
    # marks are not touched: nothing here may match a tap on another bridge)
    known = {p.tap for p in state.ports.values()}
    known.update(n.vxlan for n in state.networks.values() if n.vxlan)
    known.update(uplinks)
    pre = [f"iifname {{ {_quoted(known)} }} meta mark set 0x0"] if known else []
    if indexed:
        pre.append("iifname vmap { " + ", ".join(
            f'"{p.tap}" : jump from_{chain_suffix(p)}' for _, p in indexed) + " }")
    out += _chain("prerouting", pre,
                  "type filter hook prerouting priority -300; policy accept;")
    fwd = []
    if indexed:
        fwd.append("oifname vmap { " + ", ".join(
            f'"{p.tap}" : jump out_{chain_suffix(p)}' for _, p in indexed) + " }")
    out += _chain("forward", fwd, "type filter hook forward priority -100; policy accept;")
    for index, port in indexed:
        out += _chain(f"from_{chain_suffix(port)}", _spoof_chain(port, index))
        out += _chain(f"out_{chain_suffix(port)}", [f"meta mark set meta mark | {index:#06x}"])
    out += ["}", ""]

    # inet family: conntrack zones and the security groups
    out.append(f"table inet {table} {{")
    for gid in sorted(state.group_members):
        addrs = state.group_members[gid]
        for version, kind in ((4, "ipv4_addr"), (6, "ipv6_addr")):
            elements = [a for a in addrs if _version(a) == version]
            out.append(f"  set {set_name(gid, version)} {{")
            out.append(f"    type {kind}; flags interval;")
            if elements:
                out.append(f"    elements = {{ {_addresses(elements)} }}")
            out.append("  }")
    zones = sorted((n.bridge, conntrack_zone(n)) for n in state.networks.values())
    raw = []
    if zones:
        raw.append("ct zone set iifname map { " + ", ".join(
            f'"{bridge}" : {zone}' for bridge, zone in zones) + " }")
    out += _chain("prerouting", raw, "type filter hook prerouting priority raw; "
                  "policy accept;")
    fwd = [f"iifname {{ {_quoted(bridges)} }} jump ports"] if bridges and indexed else []
    out += _chain("forward", fwd, "type filter hook forward priority filter; "
                  "policy accept;")
    dispatch = []
    if indexed:
        dispatch.append("meta mark & 0xffff0000 vmap { " + ", ".join(
            f"{i << MARK_SHIFT:#010x} : jump egress_{chain_suffix(p)}"
            for i, p in indexed) + " }")
        dispatch.append("meta mark & 0x0000ffff vmap { " + ", ".join(
            f"{i:#010x} : jump ingress_{chain_suffix(p)}" for i, p in indexed) + " }")
    out += _chain("ports", dispatch)
    for _, port in indexed:
        out += _chain(f"egress_{chain_suffix(port)}", _egress_chain(state, port))
        out += _chain(f"ingress_{chain_suffix(port)}", _ingress_chain(state, port))
    out += ["}", ""]
    return "\n".join(out)


def port_policies(state: hs.HostState) -> dict[str, dict[str, dict[str, frozenset]]]:
    """``{port id: {"ingress": {rule: members}, "egress": {...}}}`` of the filtered
    ports: each rule as rendered, with the addresses of the remote group it names
    (empty for the others). What the port's connections were admitted by."""
    members = {}
    for gid, addrs in state.group_members.items():
        for version in (4, 6):
            members[f"@{set_name(gid, version)}"] = frozenset(
                a for a in addrs if _version(a) == version)

    def rules(port, direction):
        out = {}
        for line in _port_rules(state, port, direction):
            refs = [members[w] for w in line.split() if w in members]
            out[line] = frozenset().union(*refs)
        return out
    return {port.id: {"ingress": rules(port, "ingress"), "egress": rules(port, "egress")}
            for port in filtered_ports(state)}


def _lost(old: dict, new: dict) -> bool:
    """Whether a rule of ``old`` is gone from ``new`` or admits fewer addresses."""
    return any(rule not in new or members - new[rule] for rule, members in old.items())


def conntrack_cuts(before: dict, after: dict, state: hs.HostState) -> list[list[str]]:
    """``conntrack -D`` argument lists for the connections a rule change no longer
    admits: for each port still filtered that lost an ingress rule (or a member of
    a remote group), the connections made to its addresses; that lost an egress
    rule, those made from them. Still-allowed connections are picked up again as
    new ones by the new rules; others stop."""
    cuts = []
    for port_id, rules in sorted(after.items()):
        old = before.get(port_id)
        if old is None:
            continue
        port = state.ports[port_id]
        zone = str(conntrack_zone(state.networks[port.network_id]))
        addresses = [ip.ip_address for ip in port.fixed_ips]
        for direction, flag in (("ingress", "-d"), ("egress", "-s")):
            if _lost(old[direction], rules[direction]):
                cuts += [["-D", "-w", zone, flag, address] for address in addresses]
    return cuts


class Firewall:
    def __init__(self, node: ip_lib.Netns, settings: AgentSettings):
        self.node, self.settings = node, settings
        self._applied: str | None = None
        self._policies: dict | None = None

    def sync(self, state: hs.HostState) -> None:
        """Replace Sovra's two tables with ``state``'s rule set (one transaction:
        on failure the previous rule set stays whole). Skipped when this agent
        applied the very same script last and both tables still exist (applying
        costs ~0.5 s at 200 ports); a new agent process always applies. Then the
        connections that a removed rule had admitted are deleted from conntrack
        (``conntrack_cuts``; a rule removed while no agent ran is not known)."""
        script = render(state, self.settings.firewall_table,
                        self.settings.physical_interface_mappings.values())
        policies = port_policies(state)
        if script == self._applied and self._tables_present():
            return
        self._applied = None
        self.node.nft(script)
        self._applied = script
        before, self._policies = self._policies, policies
        for argv in conntrack_cuts(before or {}, policies, state):
            try:  # exit 1 when nothing matched
                self.node.execute(["conntrack", *argv], check=False)
            except OSError as exc:  # no conntrack program (Debian: conntrack)
                LOG.warning("connections not cut (%s): %s", " ".join(argv), exc)
                break

    def _tables_present(self) -> bool:
        table = self.settings.firewall_table
        try:
            listed = self.node.nft_json("list", "tables")
        except (ip_lib.CommandFailed, ValueError):
            return False
        found = {(item["table"]["family"], item["table"]["name"])
                 for item in listed.get("nftables", ()) if "table" in item}
        return {("bridge", table), ("inet", table)} <= found

    def remove(self) -> None:
        """Delete Sovra's tables (nothing else)."""
        table = self.settings.firewall_table
        self.node.nft(f"table bridge {table} {{}}\ndelete table bridge {table}\n"
                      f"table inet {table} {{}}\ndelete table inet {table}\n")

"""Layer 2: one Linux bridge per network, VXLAN to the other nodes, flat uplinks,
and the ports' taps enslaved to their bridges.

Contract (every method is idempotent and touches only Sovra-named objects):

- ``sync_networks(state)``: each network of the state has its bridge ``brq<id[:11]>``
  (up, MTU = the network's, ``nf_call_iptables``/``nf_call_ip6tables`` on), plus
  for ``vxlan`` a ``vxlan-<vni>`` device (unicast: ``nolearning``, no group, one
  all-zeros FDB entry per remote VTEP, exactly the state's ``tunnel_endpoints``),
  for ``flat`` the mapped physical interface. A VXLAN device whose VNI, local
  address or port drifted is recreated; nothing else is.
- ``plug_ports(state)``: a port's tap that exists on the node is enslaved to its
  bridge, up, with the network's MTU (down if the port's admin_state_up is false);
  returns the ids of the ports plugged and up.
- ``remove_stale(state)``: deletes ``brq*`` bridges and ``vxlan-*`` devices the state
  no longer has, and releases ``tap*`` devices whose port is gone from Sovra bridges
  (a tap left in a bridge would bypass the removed port's firewall chain).
"""

from __future__ import annotations

import logging

from sovra_network.agent import ip_lib
from sovra_network.agent import state as hs
from sovra_network.agent.settings import AgentSettings

LOG = logging.getLogger(__name__)

ZERO_MAC = "00:00:00:00:00:00"
#: bridged IP traffic passes the inet family's hooks (conntrack, the security
#: groups' stateful chains: see firewall.py), on Sovra's bridges only
NF_CALL = ("nf_call_iptables", "1", "nf_call_ip6tables", "1")


class L2:
    def __init__(self, node: ip_lib.Netns, settings: AgentSettings):
        self.node, self.settings = node, settings

    # --- networks ---------------------------------------------------------------
    def sync_networks(self, state: hs.HostState) -> None:
        links = self.node.links()
        for net in sorted(state.networks.values(), key=lambda n: n.id):
            try:
                self._sync_network(net, state.tunnel_endpoints.get(net.id, ()), links)
            except ip_lib.CommandFailed:
                LOG.exception("network %s: L2 sync failed", net.id)

    def _sync_network(self, net: hs.Network, remotes, links) -> None:
        bridge = net.bridge
        if bridge not in links:
            self.node.ip("link", "add", bridge, "type", "bridge", *NF_CALL)
            LOG.info("created bridge %s for network %s", bridge, net.id)
            links[bridge] = {"mtu": None, "flags": []}
        else:
            data = links[bridge].get("linkinfo", {}).get("info_data", {})
            if not (data.get("nf_call_iptables") and data.get("nf_call_ip6tables")):
                self.node.ip("link", "set", "dev", bridge, "type", "bridge", *NF_CALL)
        self._set_up(bridge, net.mtu, links.get(bridge))
        if net.network_type == "vxlan":
            self._sync_vxlan(net, remotes, links)
        elif net.network_type == "flat":
            iface = self.settings.physical_interface_mappings.get(
                net.physical_network or "")
            if not iface:
                LOG.error("network %s: no interface mapped for physical network %r",
                          net.id, net.physical_network)
            elif iface not in links:
                LOG.error("network %s: interface %s not found", net.id, iface)
            elif links[iface].get("master") != bridge:
                self.node.ip("link", "set", "dev", iface, "master", bridge, "up")

    def _sync_vxlan(self, net: hs.Network, remotes, links) -> None:
        name = net.vxlan
        if name is None:
            LOG.error("network %s: vxlan without a segmentation id", net.id)
            return
        local = self.settings.tunneling_ip
        if not local:
            LOG.error("network %s: vxlan needs [network_agent] tunneling_ip", net.id)
            return
        link = links.get(name)
        if link is not None and not self._vxlan_matches(link, net, local):
            LOG.warning("%s drifted (%s); recreating it", name,
                        link.get("linkinfo", {}).get("info_data"))
            self.node.delete_link(name)
            link = None
        if link is None:
            self.node.ip("link", "add", name, "type", "vxlan",
                         "id", str(net.segmentation_id), "local", local,
                         "dstport", str(self.settings.vxlan_port), "nolearning")
            LOG.info("created %s for network %s", name, net.id)
        if link is None or link.get("master") != net.bridge:
            self.node.ip("link", "set", "dev", name, "master", net.bridge)
        self._set_up(name, net.mtu, link)
        self._sync_fdb(name, set(remotes))

    def _vxlan_matches(self, link: dict, net: hs.Network, local: str) -> bool:
        info = link.get("linkinfo", {})
        data = info.get("info_data", {})
        return (info.get("info_kind") == "vxlan"
                and data.get("id") == net.segmentation_id
                and data.get("local") == local
                and data.get("port") == self.settings.vxlan_port)

    def _sync_fdb(self, device: str, wanted: set[str]) -> None:
        have = {entry["dst"] for entry in self.node.bridge_json("fdb", "show", "dev", device)
                if entry.get("mac") == ZERO_MAC and entry.get("dst")}
        for dst in sorted(wanted - have):
            self.node.bridge("fdb", "append", ZERO_MAC, "dev", device, "dst", dst)
        for dst in sorted(have - wanted):
            self.node.bridge("fdb", "del", ZERO_MAC, "dev", device, "dst", dst)

    def _set_up(self, device: str, mtu: int, link: dict | None) -> None:
        if link is None or link.get("mtu") != mtu:
            self.node.ip("link", "set", "dev", device, "mtu", str(mtu))
        if link is None or "UP" not in link.get("flags", ()):
            self.node.ip("link", "set", "dev", device, "up")

    # --- ports ------------------------------------------------------------------
    def plug_ports(self, state: hs.HostState) -> set[str]:
        links = self.node.links()
        plugged, changes = set(), {}
        for port in sorted(state.ports.values(), key=lambda p: p.id):
            link = links.get(port.tap)
            net = state.networks.get(port.network_id)
            if link is None or net is None:
                continue
            change = []  # one ``ip link set`` for all of them
            if link.get("master") != port.bridge:
                change += ["master", port.bridge]
            if link.get("mtu") != net.mtu:
                change += ["mtu", str(net.mtu)]
            is_up = "UP" in link.get("flags", ())
            if port.admin_state_up and not is_up:
                change.append("up")
            elif not port.admin_state_up and is_up:
                change.append("down")  # in its bridge, but carrying nothing
            if change:
                changes[port.id] = ["link", "set", "dev", port.tap, *change]
            if port.admin_state_up:
                plugged.add(port.id)
        try:  # all at once (a node's first sync may plug hundreds)
            self.node.ip_batch(list(changes.values()))
        except ip_lib.CommandFailed:  # one by one, to tell which port failed
            for port_id, command in changes.items():
                try:
                    self.node.ip(*command)
                except ip_lib.CommandFailed:
                    LOG.exception("port %s: plugging its tap failed", port_id)
                    plugged.discard(port_id)
        for port_id, command in changes.items():
            if port_id in plugged or "down" in command:
                LOG.info("%s: %s (port %s)", command[3], " ".join(command[4:]), port_id)
        return plugged

    # --- cleanup ----------------------------------------------------------------
    def remove_stale(self, state: hs.HostState) -> None:
        links = self.node.links()
        bridges = {n.bridge for n in state.networks.values()}
        bridges.update(p.bridge for p in state.ports.values())
        vxlans = {n.vxlan for n in state.networks.values() if n.vxlan}
        taps = {p.tap for p in state.ports.values()}
        for name, link in sorted(links.items()):
            kind = link.get("linkinfo", {}).get("info_kind")
            if name.startswith("tap") and name not in taps \
                    and str(link.get("master", "")).startswith("brq"):
                LOG.info("releasing %s (its port is gone) from %s", name, link["master"])
                self.node.ip("link", "set", "dev", name, "nomaster", check=False)
        for name, link in sorted(links.items()):
            kind = link.get("linkinfo", {}).get("info_kind")
            if name.startswith("vxlan-") and kind == "vxlan" and name not in vxlans:
                LOG.info("deleting stale %s", name)
                self.node.delete_link(name)
            elif name.startswith("brq") and kind == "bridge" and name not in bridges:
                LOG.info("deleting stale bridge %s", name)
                self.node.delete_link(name)

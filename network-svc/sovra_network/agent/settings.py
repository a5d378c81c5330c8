"""What an agent needs to know about its node (built from ``[network_agent]``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping


@dataclasses.dataclass(frozen=True)
class AgentSettings:
    #: this node's name (ports bound here have ``binding:host_id == host``)
    host: str
    #: where the node's bridges, VXLAN devices and taps live; None: the agent's own
    #: namespace (production); a namespace name in tests, where a node is one
    node_namespace: str | None = None
    #: put in front of the namespaces the agent creates ("" in production); the
    #: agent deletes only namespaces with its own prefix
    namespace_prefix: str = ""
    #: the local VXLAN endpoint (required for vxlan networks)
    tunneling_ip: str | None = None
    vxlan_port: int = 4789
    #: {physical network: interface} for flat networks ("physnet1": "eth1")
    physical_interface_mappings: Mapping[str, str] = dataclasses.field(
        default_factory=dict)
    #: dnsmasq's files (hosts, options, leases, pid), one directory per network
    state_dir: str = "/var/lib/sovra/network-agent"
    dnsmasq_path: str = "dnsmasq"
    dhcp_lease_time: int = 86400
    #: nftables tables (bridge and inet families, same name) holding the
    #: anti-spoofing and security-group chains
    firewall_table: str = "sovra_fw"
    #: serve DHCP for networks whose DHCP port is unbound (see state.HostState)
    serve_unbound_dhcp: bool = True
    #: may serve the routers (see sync.router_host)
    serve_routers: bool = True
    #: the metadata proxy's key (None: no proxy) and where it relays to
    metadata_proxy_shared_secret: str | None = dataclasses.field(default=None,
                                                                 repr=False)
    metadata_url: str = "http://127.0.0.1:8775"

    def namespace(self, base: str) -> str:
        return self.namespace_prefix + base


def from_conf(conf) -> AgentSettings:
    """The settings of ``conf``'s [network_agent]."""
    opts = conf.network_agent
    return AgentSettings(
        host=opts.host, node_namespace=opts.node_namespace or None,
        namespace_prefix=opts.namespace_prefix or "",
        tunneling_ip=opts.tunneling_ip or None, vxlan_port=opts.vxlan_port,
        physical_interface_mappings=parse_mappings(opts.physical_interface_mappings),
        state_dir=opts.state_dir, dnsmasq_path=opts.dnsmasq_path,
        dhcp_lease_time=opts.dhcp_lease_time, firewall_table=opts.firewall_table,
        serve_unbound_dhcp=opts.serve_unbound_dhcp, serve_routers=opts.serve_routers,
        metadata_proxy_shared_secret=opts.metadata_proxy_shared_secret or None,
        metadata_url=opts.metadata_url)


def parse_mappings(items) -> dict[str, str]:
    """``["physnet1:eth1", ...]`` -> ``{"physnet1": "eth1"}``."""
    out = {}
    for item in items or ():
        physnet, sep, iface = item.partition(":")
        if not sep or not physnet.strip() or not iface.strip():
            raise ValueError(f"bad mapping {item!r}: expected <physnet>:<interface>")
        out[physnet.strip()] = iface.strip()
    return out

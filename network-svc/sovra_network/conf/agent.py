"""[network_agent] options: the node a network agent runs on, its VXLAN endpoint,
flat uplinks, DHCP, metadata proxy and firewall settings, and how often it resyncs."""

import socket

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("network_agent", title="Network agent options (one agent per node)")

OPTS = [
    cfg.StrOpt("host", default=socket.gethostname(), sample_default="<hostname>",
               help="This node's name: the agent wires the ports whose binding:host_id "
                    "is this name (compute's [compute] host on the same node)."),
    cfg.StrOpt("tunneling_ip",
               help="This node's VXLAN endpoint address (on the underlay). Required for "
                    "vxlan networks; published in the agent's heartbeat so that the "
                    "other agents send this node the traffic of the networks it has."),
    cfg.PortOpt("vxlan_port", default=4789,
                help="UDP port of VXLAN (the same on every node)."),
    cfg.ListOpt("physical_interface_mappings", default=[],
                help="<physical network>:<interface> pairs for flat networks, e.g. "
                     "physnet1:eth1."),
    cfg.BoolOpt("serve_unbound_dhcp", default=True,
                help="May serve DHCP (dnsmasq) for the networks whose DHCP port is "
                     "not bound to a host (every network's, as the API makes them). "
                     "Of the live agents where this is true, the first by host name "
                     "serves them all; the next takes over when it dies. Set it on "
                     "the nodes that may be the DHCP node."),
    cfg.BoolOpt("serve_routers", default=True,
                help="May serve the routers (a qrouter- namespace per router, with "
                     "its SNAT, floating IPs and port forwardings). Of the live agents "
                     "where this is true, the first by host name serves them all; the "
                     "next takes over when it dies. Set it on the nodes attached to "
                     "the external networks."),
    cfg.StrOpt("state_dir", default="/var/lib/sovra/network-agent",
               help="dnsmasq's files (hosts, options, leases, pid), one directory per "
                    "network."),
    cfg.StrOpt("dnsmasq_path", default="dnsmasq", help="The dnsmasq program."),
    cfg.IntOpt("dhcp_lease_time", default=86400, min=120,
               help="DHCP lease time in seconds."),
    cfg.StrOpt("firewall_table", default="sovra_fw",
               help="Name of the nftables tables (bridge and inet families) holding "
                    "the security-group and anti-spoofing chains; the agent replaces "
                    "only these two tables."),
    cfg.IntOpt("resync_interval", default=60, min=0,
               help="Seconds between full resyncs (read everything from the API and "
                    "reconcile), besides the ones the API's change casts ask for; 0: "
                    "only at start and on casts."),
    cfg.StrOpt("network_interface", default="public",
               choices=["public", "internal", "admin"],
               help="Which catalog endpoint of the network API the agent calls."),
    cfg.StrOpt("network_endpoint",
               help="The network API's URL, instead of the catalog's (tests, "
                    "single-node setups)."),
    cfg.StrOpt("node_namespace",
               help="Run the node's data plane inside this network namespace rather "
                    "than the agent's own (tests, where a node is a namespace)."),
    cfg.StrOpt("namespace_prefix", default="",
               help="Put in front of the namespaces the agent creates (qdhcp-...); "
                    "it deletes only namespaces with its own prefix."),
    cfg.StrOpt("metadata_proxy_shared_secret", secret=True,
               help="Secret shared with compute's metadata API, which trusts the "
                    "X-Instance-ID the proxy sends when X-Instance-ID-Signature is "
                    "its HMAC-SHA256 with this key. Unset: no metadata proxy (guests "
                    "get no route to 169.254.169.254)."),
    cfg.URIOpt("metadata_url", default="http://127.0.0.1:8775",
               schemes=["http", "https"],
               help="Compute's metadata API, as the agent reaches it from its own "
                    "namespace: the metadata proxy in each DHCP namespace relays "
                    "guests' requests to 169.254.169.254:80 there."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]

"""[network] options: which network types exist, VNIs, MACs, DHCP and default quotas."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("network", title="Network service options")

NETWORK_TYPES = ["flat", "vxlan", "local"]

OPTS = [
    cfg.ListOpt("allowed_network_types", default=NETWORK_TYPES,
                item_type=cfg.types.String(choices=NETWORK_TYPES),
                help="Network types (provider:network_type) networks may have. 802.1Q "
                     "vlan is not offered: the kernels Sovra targets lack it."),
    cfg.StrOpt("tenant_network_type", default="vxlan",
               choices=NETWORK_TYPES,
               help="Type of a network created without provider attributes."),
    cfg.IntOpt("vni_min", default=1, min=1, max=2 ** 24 - 1,
               help="Lowest VXLAN network identifier handed to tenant networks."),
    cfg.IntOpt("vni_max", default=1000, min=1, max=2 ** 24 - 1,
               help="Highest VXLAN network identifier handed to tenant networks. A "
                    "VNI is never given to two networks at once; it returns to the "
                    "range when its network is deleted."),
    cfg.ListOpt("physical_networks", default=["physnet1"],
                help="Physical network names flat networks may use (each at most "
                     "once); the agents map them to host interfaces."),
    cfg.IntOpt("global_physnet_mtu", default=1500, min=68,
               help="MTU of the physical fabric; flat networks get it, VXLAN "
                    "networks 50 bytes less (the VXLAN/UDP/IP headers)."),
    cfg.StrOpt("base_mac", default="fa:16:3e:00:00:00",
               help="Base of generated port MAC addresses: its first three octets "
                    "are kept, the last three are random (unique per network)."),
    cfg.BoolOpt("dhcp_port_per_network", default=True,
                help="Create the network's DHCP port (device_owner network:dhcp) "
                     "when its first DHCP-enabled subnet is created; the agent's "
                     "dnsmasq listens on it."),
    cfg.IntOpt("max_fixed_ips_per_port", default=5, min=1,
               help="Most fixed IPs one port may have."),
    cfg.IntOpt("pagination_max_limit", default=-1, min=-1,
               help="Most items per page of a list, whatever limit is asked; -1: "
                    "no cap."),
    cfg.IntOpt("quota_network", default=100, min=-1,
               help="Default most networks per project; -1: unlimited."),
    cfg.IntOpt("quota_subnet", default=100, min=-1,
               help="Default most subnets per project; -1: unlimited."),
    cfg.IntOpt("quota_port", default=500, min=-1,
               help="Default most ports per project; -1: unlimited."),
    cfg.IntOpt("quota_security_group", default=10, min=-1,
               help="Default most security groups per project; -1: unlimited."),
    cfg.IntOpt("quota_security_group_rule", default=100, min=-1,
               help="Default most security group rules per project; -1: unlimited."),
    cfg.IntOpt("quota_router", default=10, min=-1,
               help="Default most routers per project; -1: unlimited."),
    cfg.IntOpt("quota_floatingip", default=50, min=-1,
               help="Default most floating IPs per project; -1: unlimited."),
    cfg.StrOpt("agents_group", default="network-agents",
               help="Coordination group the network agents heartbeat in (member "
                    "data: host, agent_type, tunneling_ip); GET /v2.0/agents lists "
                    "it."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]

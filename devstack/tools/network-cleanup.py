"""Remove what this node's network agent made, once the agent is stopped.

    network-cleanup.py --config-file sovra.conf --config-file sovra-network.conf

unstack.sh runs it (as root) after stopping the agent: the agent's data plane
outlives it on purpose (guests keep their traffic while it restarts), so stopping
the cloud must remove it. It applies the agent's own reconcile to an empty state
(the node's ``brq`` bridges, ``vxlan-`` devices and taps plugged into them; dnsmasq,
the DHCP and router namespaces with this agent's [network_agent] namespace_prefix;
dnsmasq's files), then deletes the agent's two nftables tables.
"""

import subprocess
import sys

from sovra_network import conf as network_conf
from sovra_network.agent import ip_lib, sync
from sovra_network.agent import settings as agent_settings
from sovra_network.agent import state as host_state


def main(argv) -> int:
    conf = network_conf.new_conf()
    conf(args=argv, project="sovra-network", default_config_files=[])
    settings = agent_settings.from_conf(conf)
    node = ip_lib.Netns(settings.node_namespace)
    sync.DataPlane(node, settings).apply(
        host_state.HostState.from_api(settings.host, [], [], [], []))
    for family in ("bridge", "inet"):
        subprocess.run(node.exec_argv(["nft", "delete", "table", family,
                                       settings.firewall_table]),
                       capture_output=True, check=False)   # (absent: nothing to do)
    print(f"removed network agent {settings.host}'s bridges, DHCP and routers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

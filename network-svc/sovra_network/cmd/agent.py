"""sovra-network-agent: one per node ([network_agent] host), wiring bridges, VXLAN,
DHCP and security groups; as a component of a Sovra process (alone, or in
sovra-allinone)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys

from sovra_common import component, exception, process, rpc
from sovra_common.auth import sessions
from sovra_network import conf as network_conf
from sovra_network import rpc as network_rpc
from sovra_network.agent import settings as agent_settings
from sovra_network.agent.endpoint import NetworkAgentEndpoint
from sovra_network.agent.service import NetworkAgent
from sovra_network.client import NetworkClient

LOG = logging.getLogger(__name__)

PROGRAMS = ("ip", "bridge", "nft")
BR_NETFILTER = "/proc/sys/net/bridge"


class AgentCannotRun(exception.SovraError):
    """The node lacks what the agent needs (a program, a kernel module, root)."""


def check_node(settings: agent_settings.AgentSettings) -> None:
    """Fail at start, in one clear line, rather than at the first sync."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    missing = [p for p in (*PROGRAMS, settings.dnsmasq_path)
               if shutil.which(p, path=search) is None]
    if missing:
        raise AgentCannotRun(f"missing programs: {', '.join(missing)} (Debian: "
                             "iproute2 nftables dnsmasq-base)")
    if not os.path.isdir(BR_NETFILTER):
        # bridged traffic must pass conntrack: security groups are stateful
        try:
            subprocess.run(["modprobe", "br_netfilter"], capture_output=True, check=False)
        except OSError:  # no modprobe (Debian: kmod)
            pass
        if not os.path.isdir(BR_NETFILTER):
            raise AgentCannotRun("the br_netfilter kernel module is not loaded "
                                 "(modprobe br_netfilter)")


class RunningNetworkAgent:
    def __init__(self, agent: NetworkAgent, server, transport):
        self.agent, self._server, self._transport = agent, server, transport

    def stop(self) -> None:
        self._server.stop()
        self.agent.stop()
        self._transport.cleanup()


class NetworkAgentComponent(component.Component):
    name = "network-agent"
    config_project = "sovra-network"

    def register_opts(self, conf):
        for module in network_conf.MODULES:
            module.register_opts(conf)

    def start(self, conf, resources, client=None):
        """``client``: a NetworkClient to use instead of one with [service_auth]'s
        credentials (tests)."""
        settings = agent_settings.from_conf(conf)
        check_node(settings)
        opts = conf.network_agent
        if client is None:
            client = NetworkClient(sessions.service_session(conf),
                                   endpoint_override=opts.network_endpoint,
                                   interface=opts.network_interface)
        transport = rpc.build_rpc_transport(conf)
        try:
            agent = NetworkAgent(settings, client, resources.coordinator,
                                 conf.network.agents_group,
                                 resync_interval=opts.resync_interval,
                                 announcer=network_rpc.NetworkAgentAPI(transport))
            server = rpc.RPCServer(transport, network_rpc.AGENT_TOPIC, settings.host,
                                   [NetworkAgentEndpoint(agent)]).start()
        except Exception:
            transport.cleanup()
            raise
        agent.start()
        return RunningNetworkAgent(agent, server, transport)


COMPONENT = NetworkAgentComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

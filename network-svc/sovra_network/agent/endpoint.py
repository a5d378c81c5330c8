"""The agent's RPC endpoint: the API's ``state_changed`` fanout cast (rpc.py)."""

from __future__ import annotations

import oslo_messaging

from sovra_common import rpc


class NetworkAgentEndpoint(rpc.RPCEndpoint):
    """Every cast asks for a sync (coalesced): the sync reads everything anyway,
    and a change elsewhere may concern this node too (a remote port's address in
    a remote-group rule, a new VXLAN endpoint)."""

    target = oslo_messaging.Target(version="1.0")

    def __init__(self, agent):
        self._agent = agent

    def state_changed(self, ctxt, host=None, network_id=None):
        self._agent.schedule(f"state_changed host={host} network={network_id}")

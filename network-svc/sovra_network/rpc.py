"""RPC from the network API to the network agents (one per node).

The API does not tell agents what to do: it tells them that something changed,
and each agent reads the API again for what concerns its node (ports bound to it,
their networks, subnets and security groups) and reconciles.
"""

from sovra_common.rpc import RPCAPI

AGENT_TOPIC = "network-agent"


class NetworkAgentAPI(RPCAPI):
    """Client of the network agents (fanout to every agent on ``network-agent``).

    Version history:

        1.0 - Initial version: state_changed.
    """

    TOPIC = AGENT_TOPIC
    VERSION = "1.0"

    def state_changed(self, ctxt, host=None, network_id=None):
        """Something an agent may hold changed: on ``host`` (a port bound there),
        on ``network_id``, or (both None) anywhere (e.g. a security group). A cast
        to every agent; each decides whether it concerns it."""
        self.prepare("1.0", fanout=True).cast(ctxt, "state_changed", host=host,
                                              network_id=network_id)

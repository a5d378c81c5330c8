"""The network agents' RPC contract: the endpoint pinned by fingerprint, matching
the API's client (rpc.NetworkAgentAPI)."""

import inspect

from sovra_common.rpc import check_fingerprint
from sovra_common.rpc.contract import rpc_methods
from sovra_network import rpc
from sovra_network.agent.endpoint import NetworkAgentEndpoint


def test_network_agent_rpc_contract():
    check_fingerprint(NetworkAgentEndpoint, "1.0", {
        "state_changed": "fb8d51aa27e55813",
    })


def test_the_api_casts_what_the_agents_serve():
    served = set(rpc_methods(NetworkAgentEndpoint))
    sent = {name for name, _ in inspect.getmembers(rpc.NetworkAgentAPI, inspect.isfunction)
            if not name.startswith("_") and name in vars(rpc.NetworkAgentAPI)}
    assert sent == served
    assert rpc.NetworkAgentAPI.VERSION == NetworkAgentEndpoint.target.version


def test_a_cast_asks_the_agent_for_a_sync():
    asked = []
    agent = type("Agent", (), {"schedule": lambda self, reason: asked.append(reason)})()
    NetworkAgentEndpoint(agent).state_changed({}, host="n2", network_id="net-1")
    assert asked == ["state_changed host=n2 network=net-1"]

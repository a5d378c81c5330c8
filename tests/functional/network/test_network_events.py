"""What changes tell the bus: notifications (<resource>.<action>.end) and the
state_changed fanout cast every network agent hears."""

import queue
import uuid

import oslo_messaging

from sovra_common import rpc
from sovra_network.rpc import AGENT_TOPIC


class AgentRecorder(rpc.RPCEndpoint):
    target = oslo_messaging.Target(version="1.0")

    def __init__(self):
        self.calls = queue.Queue()

    def state_changed(self, ctxt, host=None, network_id=None):
        self.calls.put((host, network_id))


class NotificationRecorder:
    def __init__(self):
        self.events = queue.Queue()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.events.put((event_type, payload))


def _drain(q, count, timeout=5):
    return [q.get(timeout=timeout) for _ in range(count)]


def test_changes_are_notified_and_cast_to_every_agent(network_api):
    conf = network_api.conf
    rpc_transport = rpc.build_rpc_transport(conf)
    notification_transport = rpc.build_notification_transport(conf)
    agents = [AgentRecorder(), AgentRecorder()]
    servers = [rpc.RPCServer(rpc_transport, AGENT_TOPIC, f"node{i}", [agent]).start()
               for i, agent in enumerate(agents)]
    recorder = NotificationRecorder()
    listener = rpc.NotificationListener(notification_transport, [recorder],
                                        pool=f"test-{uuid.uuid4().hex}").start()
    try:
        net = network_api.create("networks", {"name": "ev"})
        network_api.create("ports", {"network_id": net["id"],
                                     "binding:host_id": "node1"}, project="admin")
        group = network_api.create("security-groups", {"name": "g"})
        for agent in agents:  # fanout: every agent hears every change
            assert _drain(agent.calls, 3) == [(None, net["id"]), ("node1", net["id"]),
                                              (None, None)]
        events = dict(_drain(recorder.events, 3))
        assert events["network.create.end"]["network"]["id"] == net["id"]
        assert events["port.create.end"]["port"]["binding:host_id"] == "node1"
        assert events["security_group.create.end"]["security_group"]["id"] == \
            group["id"]
    finally:
        listener.stop()
        for server in servers:
            server.stop()
        rpc_transport.cleanup()
        notification_transport.cleanup()

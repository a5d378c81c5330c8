"""Sync planning (tunnel endpoints, port statuses) and the agent's loop, with a fake
API client and a recording data plane (no namespaces, no processes)."""

import threading
import time

from oslo_config import cfg
from unit.network import agent_states as api

from sovra_common.coordination import inprocess
from sovra_network import conf as network_conf
from sovra_network.agent import settings as agent_settings
from sovra_network.agent import state as hs
from sovra_network.agent import sync
from sovra_network.agent.endpoint import NetworkAgentEndpoint
from sovra_network.agent.service import NetworkAgent

AGENTS = {
    "n1": {"host": "n1", "tunneling_ip": "192.0.2.1", "serve_unbound_dhcp": True},
    "n2": {"host": "n2", "tunneling_ip": "192.0.2.2", "serve_unbound_dhcp": False},
    "n3": {"host": "n3", "tunneling_ip": "192.0.2.3", "serve_unbound_dhcp": True},
    "n4": {"host": "n4"},                          # no VXLAN endpoint
}


def test_tunnels_go_to_the_nodes_with_ports_on_the_network():
    ports = [api.port("p-01", "10.0.0.5", host="n1"),
             api.port("p-02", "10.0.0.6", host="n2"),
             api.port("p-03", "10.0.0.7", host="n4"),
             api.port("p-04", "10.9.0.5", host="n3", net_id=api.NET2),
             api.port("p-05", "10.0.0.8", host="gone")]   # no live agent there
    tunnels = sync.tunnel_endpoints("n1", AGENTS, ports)
    assert tunnels == {api.NET: ["192.0.2.2"], api.NET2: ["192.0.2.3"]}
    assert sync.tunnel_endpoints("n2", AGENTS, ports)[api.NET] == ["192.0.2.1"]


def test_an_unbound_dhcp_port_brings_the_dhcp_node_in():
    ports = [api.dhcp_port(), api.port("p-02", "10.0.0.6", host="n2")]
    assert sync.tunnel_endpoints("n2", AGENTS, ports) == {api.NET: ["192.0.2.1"]}
    assert sync.tunnel_endpoints("n1", AGENTS, ports) == {api.NET: ["192.0.2.2"]}


def test_one_dhcp_node_at_a_time_and_the_next_takes_over():
    snapshot = sync.Snapshot(networks=[api.network()], subnets=[api.subnet()],
                             security_groups=[], ports=[api.dhcp_port()])
    dhcp_id = api.dhcp_port()["id"]
    n1 = agent_settings.AgentSettings(host="n1", serve_unbound_dhcp=True)
    n3 = agent_settings.AgentSettings(host="n3", serve_unbound_dhcp=True)
    assert sync.dhcp_host(AGENTS) == "n1"
    assert dhcp_id in sync.plan(n1, snapshot, AGENTS).ports
    assert dhcp_id not in sync.plan(n3, snapshot, AGENTS).ports
    without_n1 = {k: v for k, v in AGENTS.items() if k != "n1"}
    assert sync.dhcp_host(without_n1) == "n3"
    assert dhcp_id in sync.plan(n3, snapshot, without_n1).ports
    # coordination unreadable (no agents known): serve if configured to
    assert dhcp_id in sync.plan(n3, snapshot, {}).ports


def test_plan_keeps_this_nodes_ports_and_dhcp_only_where_served():
    snapshot = sync.Snapshot(
        networks=[api.network()], subnets=[api.subnet()], security_groups=[],
        ports=[api.dhcp_port(), api.port("p-01", "10.0.0.5", host="n1"),
               api.port("p-02", "10.0.0.6", host="n2")])
    s1 = agent_settings.AgentSettings(host="n1", serve_unbound_dhcp=True)
    s2 = agent_settings.AgentSettings(host="n2", serve_unbound_dhcp=False)
    state1, state2 = sync.plan(s1, snapshot, AGENTS), sync.plan(s2, snapshot, AGENTS)
    assert sorted(state1.ports) == sorted([api.dhcp_port()["id"], "p-01"])
    assert list(state2.ports) == ["p-02"]
    assert state2.tunnel_endpoints == {api.NET: ("192.0.2.1",)}
    assert [p.id for p in state1.network_ports[api.NET]] == sorted(
        [api.dhcp_port()["id"], "p-01", "p-02"])


def test_status_changes_only_for_this_nodes_ports():
    ports = [api.port("p-01", "10.0.0.5", host="n1"),                       # plugged
             api.port("p-02", "10.0.0.6", host="n1", status="ACTIVE"),      # tap gone
             api.port("p-03", "10.0.0.7", host="n1", status="ACTIVE"),      # still there
             api.port("p-04", "10.0.0.8", host="n2", status="ACTIVE"),      # not ours
             api.port("p-05", "10.0.0.9", host="n1")]                       # no tap yet
    dhcp = api.dhcp_port()
    state = hs.HostState.from_api("n1", [api.network()], [api.subnet()],
                                  ports + [dhcp], [])
    changes = sync.status_changes("n1", ports + [dhcp], state,
                                  {"p-01", "p-03", dhcp["id"]})
    assert changes == sorted([("p-01", "ACTIVE"), ("p-02", "DOWN"),
                              (dhcp["id"], "ACTIVE")])


def test_settings_from_config():
    conf = cfg.ConfigOpts()
    for module in network_conf.MODULES:
        module.register_opts(conf)
    conf([], default_config_files=[])
    conf.set_override("host", "node7", group="network_agent")
    conf.set_override("physical_interface_mappings", ["physnet1:eth1"],
                      group="network_agent")
    conf.set_override("tunneling_ip", "198.51.100.7", group="network_agent")
    settings = agent_settings.from_conf(conf)
    assert settings.host == "node7" and settings.node_namespace is None
    assert settings.physical_interface_mappings == {"physnet1": "eth1"}
    assert settings.tunneling_ip == "198.51.100.7" and settings.firewall_table == "sovra_fw"


# --- the agent's loop ----------------------------------------------------------------

class FakeClient:
    def __init__(self):
        self.fail = False
        self.ports = [api.port("p-01", "10.0.0.5", host="n1")]
        self.statuses = []
        self.reads = 0

    def _read(self, items):
        if self.fail:
            raise ConnectionError("network API down")
        return items

    def list_networks(self):
        self.reads += 1
        return self._read([api.network()])

    def list_subnets(self):
        return self._read([api.subnet()])

    def list_ports(self):
        return self._read(list(self.ports))

    def list_security_groups(self):
        return self._read([api.default_group()])

    def list_routers(self):
        return self._read([])

    def list_floating_ips(self):
        return self._read([])

    def set_port_status(self, port_id, status):
        self.statuses.append((port_id, status))


class RecordingDataPlane:
    def __init__(self, delay=0.0):
        self.applied = []
        self.delay = delay
        self.node = None

    def apply(self, state):
        time.sleep(self.delay)
        self.applied.append(state)
        return {p for p in state.ports if p == "p-01"}

    def close(self):
        self.closed = True


def _agent(client, delay=0.0, resync=0):
    coordinator = inprocess.InProcessCoordinator()
    coordinator.start()
    settings = agent_settings.AgentSettings(host="n1", tunneling_ip="192.0.2.1")
    agent = NetworkAgent(settings, client, coordinator, "network-agents",
                         resync_interval=resync)
    agent.data_plane = RecordingDataPlane(delay)
    agent.DEBOUNCE = 0.01
    return agent, coordinator


def test_a_sync_reports_plugged_ports_and_heartbeats():
    client = FakeClient()
    agent, coordinator = _agent(client)
    try:
        assert agent.sync_once() is True
        assert client.statuses == [("p-01", "ACTIVE")]
        member = coordinator.members("network-agents")["n1"]
        assert member["tunneling_ip"] == "192.0.2.1"
        assert member["binary"] == "sovra-network-agent"
    finally:
        coordinator.stop()


def test_nothing_is_applied_when_the_api_cannot_be_read():
    client = FakeClient()
    client.fail = True
    agent, coordinator = _agent(client)
    try:
        assert agent.sync_once() is False
        assert agent.data_plane.applied == []
        assert "network API down" in agent.last_error
    finally:
        coordinator.stop()


def test_casts_during_a_sync_are_coalesced_into_one_more():
    client = FakeClient()
    agent, coordinator = _agent(client, delay=0.5)
    endpoint = NetworkAgentEndpoint(agent)
    try:
        agent.start()
        assert agent.synced.wait(5)
        time.sleep(0.05)
        before = len(agent.data_plane.applied)
        for _ in range(20):  # while the second sync sleeps in apply()
            endpoint.state_changed({}, host="n2", network_id=api.NET)
            time.sleep(0.02)
        time.sleep(1.5)
        # 20 casts, a sync at a time: without coalescing there would be 20 syncs
        assert 1 <= len(agent.data_plane.applied) - before <= 3
    finally:
        agent.stop()
        coordinator.stop()


def test_a_failed_sync_is_retried_by_itself():
    client = FakeClient()
    client.fail = True
    agent, coordinator = _agent(client)
    agent.RETRY = 0.05
    try:
        agent.start()
        time.sleep(0.2)
        assert not agent.synced.is_set()
        client.fail = False
        assert agent.synced.wait(5)
    finally:
        agent.stop()
        coordinator.stop()


def test_stop_leaves_the_agents_group():
    client = FakeClient()
    agent, coordinator = _agent(client)
    try:
        agent.start()
        assert agent.synced.wait(5)
        assert "n1" in coordinator.members("network-agents")
        stopper = threading.Thread(target=agent.stop)
        stopper.start()
        stopper.join(5)
        assert not stopper.is_alive()
        assert "n1" not in coordinator.members("network-agents")
    finally:
        coordinator.stop()


def test_without_the_live_agents_nothing_is_applied_and_the_last_known_are_kept():
    client = FakeClient()
    agent, coordinator = _agent(client)
    members = coordinator.members
    try:
        coordinator.members = lambda group: (_ for _ in ()).throw(
            ConnectionError("etcd down"))
        assert agent.sync_once() is False
        assert agent.data_plane.applied == [] and "etcd down" in agent.last_error
        coordinator.members = members
        assert agent.sync_once() is True
        coordinator.members = lambda group: (_ for _ in ()).throw(
            ConnectionError("etcd down"))
        assert agent.sync_once() is True  # with the agents it knew
        assert len(agent.data_plane.applied) == 2
    finally:
        coordinator.members = members
        coordinator.stop()


def test_without_periodic_resync_the_loop_waits_for_casts():
    client = FakeClient()
    agent, coordinator = _agent(client, resync=0)   # 0: only at start and on casts
    agent._watched_taps = (frozenset(), frozenset())
    try:
        agent.start()
        assert agent.synced.wait(5)
        agent.tap_poll_interval = 3600   # the sync found tap p-01 "plugged": no poll
        time.sleep(0.3)
        count = agent.sync_count
        agent.schedule("cast")
        deadline = time.monotonic() + 5
        while agent.sync_count == count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert agent.sync_count == count + 1
    finally:
        agent.stop()
        coordinator.stop()


def test_a_crashing_sync_does_not_end_the_loop():
    client = FakeClient()
    agent, coordinator = _agent(client)
    agent.RETRY = 0.05
    original, calls = agent.sync_once, []

    def sync_once():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return original()
    agent.sync_once = sync_once
    try:
        agent.start()
        assert agent.synced.wait(5)   # the loop went on and synced
        assert len(calls) >= 2
    finally:
        agent.stop()
        coordinator.stop()


def test_many_status_reports_go_out_together_and_a_failed_one_is_only_logged():
    client = FakeClient()
    client.ports = [api.port(f"p-{i:02d}", f"10.0.0.{i + 5}", host="n1")
                    for i in range(12)]
    sent = client.set_port_status

    def set_port_status(port_id, status):
        if port_id == "p-03":
            raise ConnectionError("port gone")
        sent(port_id, status)
    client.set_port_status = set_port_status
    agent, coordinator = _agent(client)
    agent.data_plane.apply = lambda state: set(state.ports)
    try:
        assert agent.sync_once() is True
        assert sorted(client.statuses) == [(f"p-{i:02d}", "ACTIVE") for i in range(12)
                                           if i != 3]
    finally:
        coordinator.stop()

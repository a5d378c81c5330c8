"""The network-agent component: its names, its options, and the node check that
refuses to start without the programs the data plane needs."""

import pytest

from sovra_network.agent import settings as agent_settings
from sovra_network.cmd import agent as agent_cmd


def test_component_names_and_options():
    component = agent_cmd.COMPONENT
    assert component.name == "network-agent"
    assert component.config_project == "sovra-network"
    conf = component.new_conf()
    conf([], default_config_files=[])
    assert conf.network_agent.resync_interval == 60
    assert conf.network_agent.serve_unbound_dhcp is True
    assert conf.network.agents_group == "network-agents"


def test_a_node_without_dnsmasq_is_refused_in_one_line():
    settings = agent_settings.AgentSettings(host="n1",
                                            dnsmasq_path="/nonexistent/dnsmasq")
    with pytest.raises(agent_cmd.AgentCannotRun, match="/nonexistent/dnsmasq"):
        agent_cmd.check_node(settings)


def test_start_fails_before_anything_runs(monkeypatch):
    component = agent_cmd.COMPONENT
    conf = component.new_conf()
    conf([], default_config_files=[])
    conf.set_override("dnsmasq_path", "/nonexistent/dnsmasq", group="network_agent")
    built = []
    monkeypatch.setattr(agent_cmd.rpc, "build_rpc_transport",
                        lambda conf: built.append(conf))
    with pytest.raises(agent_cmd.AgentCannotRun):
        component.start(conf, resources=None, client=object())
    assert built == []


def test_sovra_status_rows_of_the_network_agents(monkeypatch):
    from sovra_network import cli
    from sovra_network.cli import agent_status

    listed = [{"host": "node2", "alive": True, "admin_state_up": True},
              {"host": "node1", "alive": True, "admin_state_up": False},
              {"host": "node3", "alive": False, "admin_state_up": True,
               "heartbeat_timestamp": "2026-12-06 10:00:00"}]
    fake = type("Client", (), {"list_agents": lambda self: listed})()
    monkeypatch.setattr(cli, "client", lambda cloud: fake)
    assert agent_status.agents(cloud=None) == [
        {"type": "network agent", "name": "node1", "status": "up (disabled)"},
        {"type": "network agent", "name": "node2", "status": "up"},
        {"type": "network agent", "name": "node3",
         "status": "down (last heartbeat 2026-12-06 10:00:00)"}]

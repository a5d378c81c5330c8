"""The compute components share the process's coordinator: in lite mode an agent's
heartbeat is visible to the API and conductor of the same process only that way."""

from sovra_common import conf as sovra_conf
from sovra_common import process
from sovra_compute.cmd import agent, api, conductor


def test_components_are_named_for_allinone():
    assert [c.name for c in (api.COMPONENT, conductor.COMPONENT, agent.COMPONENT)] == [
        "compute-api", "compute-conductor", "compute-agent"]
    assert {c.config_project for c in (api.COMPONENT, conductor.COMPONENT,
                                       agent.COMPONENT)} == {"sovra-compute"}
    assert api.COMPONENT.default_port == 8774
    conf = agent.COMPONENT.new_conf()
    assert conf.compute.max_build_attempts == 3


def test_process_resources_share_one_started_coordinator():
    conf = sovra_conf.new_conf()
    conf([], project="sovra", default_config_files=[])
    resources = process.ProcessResources(conf)
    coordinator = resources.coordinator
    assert coordinator.started and resources.coordinator is coordinator
    coordinator.heartbeat("compute-agents", "node1", {})
    assert "node1" in resources.coordinator.members("compute-agents")
    resources.stop()
    assert not coordinator.started

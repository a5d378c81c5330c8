"""The conductor and a server's ports: VIFs recorded as agents report them, an
aborted build (no reschedule), and ports released when a server goes, even if
its host is down."""

import types

from test_compute_agent_network import NET, FakeNetworkAPI
from test_compute_conductor import CTXT, FakePlacement

from sovra_compute.conductor.endpoint import ConductorEndpoint
from sovra_compute.service import compute_service
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as instance_service


def _setup(db, coordinator, recorder, networks, given=None):
    conf = types.SimpleNamespace(compute=types.SimpleNamespace(
        max_build_attempts=3, max_candidates=10, build_timeout=60, host="ctl"))
    coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    agents = recorder()
    endpoint = ConductorEndpoint(conf, db, FakePlacement(["node1"]), coordinator,
                                 agents, networks=networks.service)
    flavor = flavor_service.create(db, name="m1.tiny", flavorid="1", vcpus=1, ram=512,
                                   disk=1)
    requested = [{"network_id": NET, "port_id": None, "fixed_ip": None, "tag": None}]
    if given:
        requested.append({"network_id": NET, "port_id": given, "fixed_ip": None,
                          "tag": None})
    instance = instance_service.create(db, CTXT, name="vm", flavor=flavor,
                                       image_ref="img", requested_networks=requested)
    return endpoint, agents, instance


def test_vifs_are_recorded_and_sent_to_agents(db, coordinator, recorder):
    endpoint, agents, instance = _setup(db, coordinator, recorder, FakeNetworkAPI())
    endpoint.build_instance(CTXT, instance["uuid"])
    (args, _), = agents.named("build_instance")
    assert args[2]["requested_networks"][0]["network_id"] == NET
    vifs = [{"port_id": "p1", "network_name": "private", "mac": "m",
             "fixed_ips": []}]
    endpoint.network_info_update(CTXT, instance["uuid"], "node1", vifs)
    assert instance_service.get(db, instance["uuid"])["network_info"] == vifs
    endpoint.network_info_update(CTXT, "gone", "node1", vifs)  # no error


def test_an_aborted_build_is_error_with_its_reason_and_not_rescheduled(
        db, coordinator, recorder):
    endpoint, agents, instance = _setup(db, coordinator, recorder, FakeNetworkAPI())
    endpoint.build_instance(CTXT, instance["uuid"])
    endpoint.build_aborted(CTXT, instance["uuid"], "node1",
                           "port(s) p1 did not become ACTIVE within 300 s")
    shown = instance_service.get(db, instance["uuid"])
    assert (shown["vm_state"], shown["host"]) == ("error", None)
    assert "p1 did not become ACTIVE" in shown["fault"]["message"]
    assert len(agents.named("build_instance")) == 1


def test_a_server_whose_host_is_down_has_its_ports_released(db, coordinator,
                                                            recorder):
    networks = FakeNetworkAPI()
    given = networks.add_port()
    endpoint, _, instance = _setup(db, coordinator, recorder, networks, given=given)
    made = networks.add_port()
    networks.ports[made]["device_id"] = instance["uuid"]
    networks.ports[given].update(device_id=instance["uuid"],
                                 **{"binding:host_id": "node1"})
    other = networks.add_port()
    networks.ports[other]["device_id"] = "another-server"
    instance_service.update(db, instance["uuid"], host="node1")
    coordinator.leave(compute_service.AGENTS_GROUP, "node1")
    instance_service.begin_delete(db, CTXT, instance["uuid"])
    endpoint.delete_instance(CTXT, instance["uuid"])
    assert sorted(networks.ports) == sorted([given, other])
    assert networks.ports[given]["device_id"] == ""
    assert networks.ports[given]["binding:host_id"] == ""
    assert networks.ports[other]["device_id"] == "another-server"


def test_ports_reported_after_the_server_went_are_released(db, coordinator,
                                                           recorder):
    networks = FakeNetworkAPI()
    given = networks.add_port()
    endpoint, _, instance = _setup(db, coordinator, recorder, networks, given=given)
    instance_service.mark_deleted(db, instance["uuid"])
    made = networks.add_port()
    for port_id in (made, given):
        networks.ports[port_id]["device_id"] = instance["uuid"]
    endpoint.network_info_update(CTXT, instance["uuid"], "node1", [
        {"port_id": made, "preexisting": False},
        {"port_id": given, "preexisting": True}])
    assert list(networks.ports) == [given]
    assert networks.ports[given]["device_id"] == ""

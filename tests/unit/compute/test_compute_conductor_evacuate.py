"""The conductor's evacuations: the placement bookkeeping of each step and each
failure, the cast to the destination, the source's return, and a destination
that goes down mid-rebuild."""

import types

import pytest
from test_compute_conductor import CTXT
from test_compute_conductor_move import two_node_conductor

from sovra_compute import placement_client
from sovra_compute.service import compute_service, instance_action
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as instance_service
from sovra_compute.service import migration as migration_service
from sovra_compute.virt import driver as virt

NODE1, NODE2 = placement_client.node_uuid("node1"), placement_client.node_uuid("node2")


@pytest.fixture
def cloud(db, coordinator, recorder):
    """A server ACTIVE on node1, which then went down (node2 is up), in task
    rebuilding (the API's evacuate)."""
    _, placement, agents, endpoint = two_node_conductor(db, coordinator, recorder)
    flavor = flavor_service.create(db, name="m1.tiny", flavorid="1", vcpus=1, ram=512,
                                   disk=1)
    instance = instance_service.create(db, CTXT, name="vm", flavor=flavor,
                                       image_ref="img", key_data="ssh-ed25519 K",
                                       user_data="dXNlcg==")
    endpoint.build_instance(CTXT, instance["uuid"])
    endpoint.build_done(CTXT, instance["uuid"], "node1", 1)
    assert instance_service.get(db, instance["uuid"])["host"] == "node1"
    coordinator.leave(compute_service.AGENTS_GROUP, "node1")
    instance_service.begin_task(db, CTXT, instance["uuid"], "evacuate",
                                instance_service.REBUILDING,
                                allowed_vm_states=(instance_service.ACTIVE,))
    return types.SimpleNamespace(db=db, placement=placement, agents=agents,
                                 endpoint=endpoint, uuid=instance["uuid"],
                                 coordinator=coordinator)


def _get(cloud):
    return instance_service.get(cloud.db, cloud.uuid)


def _events(cloud):
    """(event, result) of the server's actions' events (CTXT's request: the
    evacuate's, and the create's before it)."""
    return [(e["event"], e["result"]) for e in instance_action.get(
        cloud.db, cloud.uuid, CTXT.request_id)["events"]]


def _evacuated(cloud, host=None, power_on=None):
    """The evacuation handed to node2; the migration's uuid."""
    cloud.endpoint.evacuate_server(CTXT, cloud.uuid, host=host, power_on=power_on)
    (args, kwargs), = cloud.agents.named("evacuate_instance")
    assert args[1] == "node2"
    return _get(cloud)["migration_uuid"]


def test_the_destination_rebuilds_it_and_the_source_lets_go_when_back(cloud):
    migration = _evacuated(cloud)
    instance = _get(cloud)
    # pointed at the destination at once; the source's allocations held by the
    # migration consumer, the destination's by the server
    assert (instance["host"], instance["node"], instance["task_state"]) == (
        "node2", "node2", instance_service.REBUILD_SPAWNING)
    assert cloud.placement.claims == {migration: NODE1, cloud.uuid: NODE2}
    record = migration_service.get(cloud.db, migration)
    assert (record["migration_type"], record["status"], record["source_compute"],
            record["dest_compute"]) == ("evacuation", "rebuilding", "node1", "node2")
    (args, kwargs), = cloud.agents.named("evacuate_instance")
    assert args[2]["uuid"] == cloud.uuid and args[2]["image_ref"] == "img"
    assert kwargs == {"power_on": True, "key_data": "ssh-ed25519 K",
                      "user_data": "dXNlcg=="}
    assert ("conductor_rebuild_server", "Success") in _events(cloud)

    cloud.endpoint.evacuate_done(CTXT, cloud.uuid, "node2", virt.RUNNING)
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"],
            instance["migration_uuid"]) == ("active", None, "node2", None)
    assert migration_service.get(cloud.db, migration)["status"] == "done"
    assert cloud.placement.claims == {migration: NODE1, cloud.uuid: NODE2}

    # node1 comes back, its old guest still there: it reports it
    cloud.coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    cloud.endpoint.sync_power_states(CTXT, "node1", {cloud.uuid: virt.RUNNING})
    assert cloud.placement.claims == {cloud.uuid: NODE2}
    assert migration_service.get(cloud.db, migration)["status"] == "completed"
    (args, _), = cloud.agents.named("terminate_instance")
    assert (args[1], args[2]["uuid"]) == ("node1", cloud.uuid)
    # its report of the guest gone does not touch the server
    cloud.endpoint.instance_destroyed(CTXT, cloud.uuid, "node1")
    assert instance_service.status(_get(cloud)) == "ACTIVE"
    # a later report from node1 finds nothing more to let go
    cloud.endpoint.sync_power_states(CTXT, "node1", {})
    assert len(cloud.agents.named("terminate_instance")) == 1


def test_a_stopped_server_stays_stopped_and_power_on_is_passed_on(cloud):
    instance_service.update(cloud.db, cloud.uuid, vm_state=instance_service.STOPPED)
    _evacuated(cloud)
    assert cloud.agents.named("evacuate_instance")[0][1]["power_on"] is False
    cloud.endpoint.evacuate_done(CTXT, cloud.uuid, "node2", virt.SHUTDOWN)
    assert instance_service.status(_get(cloud)) == "SHUTOFF"


def test_2_95s_stopped_landing(cloud):
    _evacuated(cloud, power_on=False)
    assert cloud.agents.named("evacuate_instance")[0][1]["power_on"] is False


def test_no_valid_host_leaves_it_on_its_source_with_a_fault(cloud):
    cloud.placement.refuse.add(NODE2)
    cloud.endpoint.evacuate_server(CTXT, cloud.uuid)
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"]) == (
        "active", None, "node1")
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    assert not cloud.agents.named("evacuate_instance")
    assert _get(cloud)["fault"]["code"] == 400
    assert ("conductor_rebuild_server", "Error") in _events(cloud)


def test_a_host_asked_for_that_is_down_too_is_no_valid_host(cloud):
    cloud.coordinator.leave(compute_service.AGENTS_GROUP, "node2")
    cloud.endpoint.evacuate_server(CTXT, cloud.uuid, host="node2")
    assert _get(cloud)["task_state"] is None
    assert "node2 is not available" in \
        _get(cloud)["fault"]["message"]
    assert cloud.placement.claims == {cloud.uuid: NODE1}


def test_a_failed_rebuild_puts_it_back_on_its_source_in_error(cloud):
    migration = _evacuated(cloud)
    assert cloud.endpoint.evacuate_failed(CTXT, cloud.uuid, "node2", "disk full")
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"],
            instance["migration_uuid"]) == ("error", None, "node1", None)
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    assert migration_service.get(cloud.db, migration)["status"] == "failed"
    assert _get(cloud)["fault"]["message"] == \
        "Evacuation failed: disk full"
    # a late or repeated report changes nothing
    assert not cloud.endpoint.evacuate_failed(CTXT, cloud.uuid, "node2", "again")
    # it may be evacuated again (ERROR is allowed)
    instance_service.begin_task(cloud.db, CTXT, cloud.uuid, "evacuate",
                                instance_service.REBUILDING,
                                allowed_vm_states=(instance_service.ERROR,))
    cloud.endpoint.evacuate_server(CTXT, cloud.uuid)
    assert len(cloud.agents.named("evacuate_instance")) == 2
    cloud.endpoint.evacuate_done(CTXT, cloud.uuid, "node2", virt.RUNNING)
    assert instance_service.status(_get(cloud)) == "ACTIVE"


def test_a_destination_that_goes_down_mid_rebuild_fails_it(cloud):
    migration = _evacuated(cloud)
    cloud.coordinator.leave(compute_service.AGENTS_GROUP, "node2")
    assert cloud.endpoint._settle_moves_on_down_hosts(CTXT) == 1
    instance = _get(cloud)
    assert (instance["vm_state"], instance["host"]) == ("error", "node1")
    assert migration_service.get(cloud.db, migration)["status"] == "failed"
    assert ("compute_rebuild_instance", "Error") in _events(cloud)
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    # it spawned the guest after all and says so: that guest is not the server's
    cloud.coordinator.heartbeat(compute_service.AGENTS_GROUP, "node2", {})
    cloud.endpoint.evacuate_done(CTXT, cloud.uuid, "node2", virt.RUNNING)
    (args, _), = cloud.agents.named("terminate_instance")
    assert args[1] == "node2"
    assert instance_service.status(_get(cloud)) == "ERROR"


def test_a_server_deleted_while_it_is_rebuilt_loses_the_new_guest(cloud):
    _evacuated(cloud)
    instance_service.begin_delete(cloud.db, CTXT, cloud.uuid)
    cloud.endpoint.evacuate_done(CTXT, cloud.uuid, "node2", virt.RUNNING)
    (args, _), = cloud.agents.named("terminate_instance")
    assert args[1] == "node2"


def test_a_server_deleted_while_its_source_is_still_down_leaves_no_allocation(cloud):
    migration = _evacuated(cloud)
    cloud.endpoint.evacuate_done(CTXT, cloud.uuid, "node2", virt.RUNNING)
    assert cloud.placement.claims == {migration: NODE1, cloud.uuid: NODE2}
    instance_service.begin_delete(cloud.db, CTXT, cloud.uuid)
    cloud.endpoint.delete_instance(CTXT, cloud.uuid)
    cloud.endpoint.instance_destroyed(CTXT, cloud.uuid, "node2")
    assert cloud.placement.claims == {}  # node1 may never come back
    assert migration_service.get(cloud.db, migration)["status"] == "completed"
    # when it does, its old guest is a deleted server's: reaped
    cloud.coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    cloud.endpoint.sync_power_states(CTXT, "node1", {cloud.uuid: virt.RUNNING})
    assert [args[1] for args, _ in cloud.agents.named("terminate_instance")][-1] == \
        "node1"

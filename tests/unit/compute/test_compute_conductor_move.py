"""The conductor's moves to another host (cold migration, cross-host resize): the
placement bookkeeping of each step and of each failure, and the casts to the two
agents."""

import datetime
import types

import pytest
from test_compute_conductor import CTXT, FakePlacement

from sovra_common import context
from sovra_common.db import schema
from sovra_compute import placement_client
from sovra_compute.conductor.endpoint import ConductorEndpoint
from sovra_compute.db import models
from sovra_compute.service import compute_service, instance_action
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as instance_service
from sovra_compute.service import migration as migration_service

NODE1, NODE2 = placement_client.node_uuid("node1"), placement_client.node_uuid("node2")


def two_node_conductor(db, coordinator, recorder):
    """A conductor over node1 and node2 (both live, fake placement, recorded
    agents): (conf, placement, agents, endpoint)."""
    conf = types.SimpleNamespace(compute=types.SimpleNamespace(
        max_build_attempts=3, max_candidates=10, build_timeout=60, host="controller",
        allow_resize_to_same_host=True, resize_confirm_window=0,
        running_deleted_instance_action="reap"))
    for host in ("node1", "node2"):
        coordinator.heartbeat(compute_service.AGENTS_GROUP, host, {})
    placement = FakePlacement(["node1", "node2"])
    agents = recorder()
    endpoint = ConductorEndpoint(conf, db, placement, coordinator, agents,
                                 notifier=recorder())
    return conf, placement, agents, endpoint


@pytest.fixture
def cloud(db, coordinator, recorder):
    """A server ACTIVE on node1 (node2 live too), in task resize_prep."""
    conf, placement, agents, endpoint = two_node_conductor(db, coordinator, recorder)
    flavor = flavor_service.create(db, name="m1.tiny", flavorid="1", vcpus=1, ram=512,
                                   disk=1)
    bigger = flavor_service.create(db, name="m1.small", flavorid="2", vcpus=2,
                                   ram=1024, disk=2)
    instance = instance_service.create(db, CTXT, name="vm", flavor=flavor,
                                       image_ref="img")
    endpoint.build_instance(CTXT, instance["uuid"])
    assert instance_service.get(db, instance["uuid"])["host"] == "node1"
    endpoint.build_done(CTXT, instance["uuid"], "node1", 1)
    instance_service.begin_task(db, CTXT, instance["uuid"], "migrate",
                                instance_service.RESIZE_PREP,
                                allowed_vm_states=(instance_service.ACTIVE,))
    return types.SimpleNamespace(db=db, placement=placement, agents=agents, conf=conf,
                                 endpoint=endpoint, uuid=instance["uuid"],
                                 bigger=bigger)


def _get(cloud):
    return instance_service.get(cloud.db, cloud.uuid)


def _migrated(cloud, flavor=None):
    """Run a move to node2 up to VERIFY_RESIZE; the migration's uuid."""
    if flavor is None:
        cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    else:
        cloud.endpoint.resize_instance(CTXT, cloud.uuid, flavor)
    migration = _get(cloud)["migration_uuid"]
    (args, _), = cloud.agents.named("migrate_disk")
    assert args[1] == "node1"
    cloud.endpoint.migration_disk_ready(CTXT, cloud.uuid, "node1", args[3], "img-1")
    (args, kwargs), = cloud.agents.named("finish_migration")
    assert (args[1], args[4], kwargs["power_on"]) == ("node2", "img-1", True)
    cloud.endpoint.resize_done(CTXT, cloud.uuid, "node2", args[3], 1)
    return migration


def test_migrate_holds_the_source_under_the_migration_until_confirmed(cloud):
    cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    instance = _get(cloud)
    migration = instance["migration_uuid"]
    assert instance["task_state"] == instance_service.RESIZE_MIGRATING
    assert instance["host"] == "node1"  # until the disk left it
    assert cloud.placement.claims == {migration: NODE1, cloud.uuid: NODE2}
    record = migration_service.get(cloud.db, migration)
    assert (record["source_compute"], record["dest_compute"], record["status"],
            record["migration_type"]) == ("node1", "node2", "migrating", "migration")
    cloud.endpoint.migration_disk_ready(CTXT, cloud.uuid, "node1",
                                        instance["flavor"], "img-1")
    assert _get(cloud)["host"] == "node2"
    cloud.endpoint.resize_done(CTXT, cloud.uuid, "node2", instance["flavor"], 1)
    assert instance_service.status(_get(cloud)) == "VERIFY_RESIZE"
    assert migration_service.get(cloud.db, migration)["status"] == "finished"
    cloud.endpoint.confirm_resize(CTXT, cloud.uuid)
    instance = _get(cloud)
    assert (instance["vm_state"], instance["host"], instance["migration_uuid"]) == (
        "active", "node2", None)
    assert cloud.placement.claims == {cloud.uuid: NODE2}
    (args, _), = cloud.agents.named("confirm_migration")
    assert (args[1], args[3]) == ("node1", "img-1")  # the source destroys its guest
    assert not cloud.agents.named("confirm_resize")
    assert migration_service.get(cloud.db, migration)["status"] == "confirmed"


def test_revert_gives_the_source_back(cloud):
    migration = _migrated(cloud)
    instance_service.update(cloud.db, cloud.uuid,
                            task_state=instance_service.RESIZE_REVERTING)
    cloud.endpoint.revert_resize(CTXT, cloud.uuid)
    (args, _), = cloud.agents.named("revert_migration")
    assert args[1] == "node2"  # the destination destroys its guest first
    assert cloud.placement.claims == {migration: NODE1, cloud.uuid: NODE2}
    cloud.endpoint.migration_reverted(CTXT, cloud.uuid, "node2")
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    instance = _get(cloud)
    assert (instance["host"], instance["migration_uuid"], instance["old_flavor"]) == (
        "node1", None, None)
    (args, kwargs), = cloud.agents.named("finish_revert_migration")
    assert (args[1], args[3], kwargs["power_on"]) == ("node1", "img-1", True)
    assert migration_service.get(cloud.db, migration)["status"] == "reverted"


def test_no_other_host_leaves_the_server_as_it_was(cloud):
    cloud.placement.refuse.add(NODE2)
    cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"],
            instance["migration_uuid"]) == ("active", None, "node1", None)
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    assert not cloud.agents.named("migrate_disk")
    events = instance_action.get(cloud.db, cloud.uuid, CTXT.request_id)["events"]
    assert [(e["event"], e["result"]) for e in events] == [
        ("conductor_migrate_server", "Error")]


def test_a_requested_host_is_the_only_one_tried(cloud):
    cloud.placement.refuse.add(NODE2)
    cloud.endpoint.migrate_server(CTXT, cloud.uuid, host="node2")
    assert "node2 is not available" not in (_get(cloud)["fault"] or {}).get("message",
                                                                           "")
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    cloud.placement.refuse.clear()
    instance_service.update(cloud.db, cloud.uuid,
                            task_state=instance_service.RESIZE_PREP)
    cloud.endpoint.migrate_server(CTXT, cloud.uuid, host="node3")  # not an agent
    assert "node3 is not available" in _get(cloud)["fault"]["message"]
    assert cloud.placement.claims == {cloud.uuid: NODE1}


def test_the_source_failing_puts_everything_back(cloud):
    cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    migration = _get(cloud)["migration_uuid"]
    cloud.endpoint.resize_failed(CTXT, cloud.uuid, "node1", "upload refused")
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"]) == (
        "active", None, "node1")
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    assert migration_service.get(cloud.db, migration)["status"] == "error"


def test_the_destination_failing_sends_the_server_back(cloud):
    cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    migration = _get(cloud)["migration_uuid"]
    cloud.endpoint.migration_disk_ready(CTXT, cloud.uuid, "node1",
                                        _get(cloud)["flavor"], "img-1")
    cloud.endpoint.migration_failed(CTXT, cloud.uuid, "node2", "spawn failed")
    instance = _get(cloud)
    assert (instance["host"], instance["migration_uuid"]) == ("node1", None)
    assert instance["fault"]["message"] == "spawn failed"
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    (args, kwargs), = cloud.agents.named("finish_revert_migration")
    assert (args[1], args[3], kwargs["power_on"]) == ("node1", "img-1", True)
    assert migration_service.get(cloud.db, migration)["status"] == "error"


def test_resize_prefers_its_own_host(cloud):
    cloud.endpoint.resize_instance(CTXT, cloud.uuid, cloud.bigger)
    migration = _get(cloud)["migration_uuid"]
    assert cloud.placement.claims == {migration: NODE1, cloud.uuid: NODE1}
    assert cloud.agents.named("resize_instance") and \
        not cloud.agents.named("migrate_disk")
    assert migration_service.get(cloud.db, migration)["migration_type"] == "resize"


def test_resize_moves_when_its_host_is_full_or_not_allowed(cloud):
    cloud.conf.compute.allow_resize_to_same_host = False
    migration = _migrated(cloud, cloud.bigger)
    (args, _), = cloud.agents.named("finish_migration")
    assert args[3]["flavorid"] == "2"
    instance = _get(cloud)
    assert (instance["flavor"]["flavorid"], instance["old_flavor"]["flavorid"]) == (
        "2", "1")
    assert cloud.placement.claims == {migration: NODE1, cloud.uuid: NODE2}
    record = migration_service.get(cloud.db, migration)
    assert (record["old_flavor_id"], record["new_flavor_id"]) == ("1", "2")


def test_delete_while_verifying_releases_both_and_clears_the_source(cloud):
    migration = _migrated(cloud)
    instance_service.begin_delete(cloud.db, CTXT, cloud.uuid)
    cloud.endpoint.instance_destroyed(CTXT, cloud.uuid, "node2")
    assert cloud.placement.claims == {}
    assert {cloud.uuid, migration} <= set(cloud.placement.released)
    (args, _), = cloud.agents.named("confirm_migration")
    assert (args[1], args[3]) == ("node1", "img-1")


def test_a_guest_spawned_for_a_deleted_server_is_destroyed(cloud):
    cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    flavor = _get(cloud)["flavor"]
    cloud.endpoint.migration_disk_ready(CTXT, cloud.uuid, "node1", flavor, "img-1")
    instance_service.begin_delete(cloud.db, CTXT, cloud.uuid)  # reaches node2 early
    cloud.endpoint.resize_done(CTXT, cloud.uuid, "node2", flavor, 1)
    (args, _), = cloud.agents.named("terminate_instance")
    assert (args[1], args[2]["uuid"]) == ("node2", cloud.uuid)
    cloud.endpoint.instance_destroyed(CTXT, cloud.uuid, "node2")
    assert cloud.placement.claims == {}
    cloud.endpoint.resize_done(CTXT, cloud.uuid, "node2", flavor, 1)  # gone: again
    assert len(cloud.agents.named("terminate_instance")) == 2


def _age_migration(cloud, migration, seconds):
    """Date the migration's last change ``seconds`` back."""
    with cloud.db.writer() as session:
        row = session.get(models.Migration, migration_service.get(cloud.db,
                                                                  migration)["id"])
        row.updated_at = schema.utcnow() - datetime.timedelta(seconds=seconds)


def test_a_move_left_waiting_past_the_window_is_confirmed(cloud):
    migration = _migrated(cloud)
    cloud.conf.compute.resize_confirm_window = 0  # never
    _age_migration(cloud, migration, 3600)
    assert cloud.endpoint._confirm_old_resizes(CTXT) == 0
    cloud.conf.compute.resize_confirm_window = 60
    _age_migration(cloud, migration, 30)
    assert cloud.endpoint._confirm_old_resizes(CTXT) == 0  # not yet
    assert _get(cloud)["vm_state"] == instance_service.RESIZED
    _age_migration(cloud, migration, 61)
    assert cloud.endpoint._confirm_old_resizes(CTXT) == 1
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"]) == (
        "active", None, "node2")
    assert migration_service.get(cloud.db, migration)["status"] == "confirmed"
    assert cloud.placement.claims == {cloud.uuid: NODE2}  # the source's released
    (args, _), = cloud.agents.named("confirm_migration")
    assert args[1] == "node1"  # the guest kept on the source goes
    actions = [a["action"] for a in instance_action.list_(cloud.db, cloud.uuid)]
    assert actions[0] == "confirmResize"
    assert cloud.endpoint._confirm_old_resizes(CTXT) == 0  # done once


def test_a_move_its_user_is_reverting_is_not_confirmed(cloud):
    migration = _migrated(cloud)
    cloud.conf.compute.resize_confirm_window = 60
    _age_migration(cloud, migration, 61)
    instance_service.begin_task(cloud.db, CTXT, cloud.uuid, "revertResize",
                                instance_service.RESIZE_REVERTING,
                                allowed_vm_states=(instance_service.RESIZED,))
    assert cloud.endpoint._confirm_old_resizes(CTXT) == 0
    assert _get(cloud)["task_state"] == instance_service.RESIZE_REVERTING
    assert not cloud.agents.named("confirm_migration")


# --- moves whose host went down ------------------------------------------------------
def _down(cloud, host):
    cloud.endpoint._coordinator.leave(compute_service.AGENTS_GROUP, host)


def test_moves_on_live_hosts_are_left_alone(cloud):
    cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    assert cloud.endpoint._settle_moves_on_down_hosts(CTXT) == 0
    assert _get(cloud)["task_state"] == instance_service.RESIZE_MIGRATING


def _agent_started(cloud, host, at):
    cloud.endpoint._coordinator.heartbeat(compute_service.AGENTS_GROUP, host, {
        "binary": "nova-compute", "started_at": at.isoformat()})


def test_an_agent_restarted_since_its_step_began_forgot_it(cloud):
    cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    began = _get(cloud)["updated_at"]
    _agent_started(cloud, "node1", began - datetime.timedelta(days=3))
    assert cloud.endpoint._settle_moves_on_down_hosts(CTXT) == 0
    # restarted (a new process, a new heartbeat) before its lease expired
    _agent_started(cloud, "node1", began + datetime.timedelta(seconds=2))
    assert cloud.endpoint._settle_moves_on_down_hosts(CTXT) == 1
    instance = _get(cloud)
    assert (instance["task_state"], instance["host"], instance["migration_uuid"]) == (
        None, "node1", None)
    assert cloud.placement.claims == {cloud.uuid: NODE1}


def test_a_source_down_mid_move_ends_the_move_there(cloud):
    cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    migration = _get(cloud)["migration_uuid"]
    _down(cloud, "node1")
    assert cloud.endpoint._settle_moves_on_down_hosts(CTXT) == 1
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"],
            instance["migration_uuid"]) == ("active", None, "node1", None)
    assert "node1 went down" in instance["fault"]["message"]
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    assert migration_service.get(cloud.db, migration)["status"] == "error"
    assert cloud.endpoint._settle_moves_on_down_hosts(CTXT) == 0
    # node1 was only cut off: its reports come late, and are undone
    cloud.endpoint.migration_disk_ready(CTXT, cloud.uuid, "node1",
                                        instance["flavor"], "img-1")
    assert not cloud.agents.named("confirm_migration")  # its guest is the server's
    (args, kwargs), = cloud.agents.named("finish_revert_migration")
    assert (args[1], args[3], kwargs["power_on"]) == ("node1", "img-1", True)
    cloud.endpoint.resize_failed(CTXT, cloud.uuid, "node1", "upload failed")
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    assert _get(cloud)["host"] == "node1"


def test_a_destination_down_mid_move_sends_the_server_back(cloud):
    cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    migration = _get(cloud)["migration_uuid"]
    cloud.endpoint.migration_disk_ready(CTXT, cloud.uuid, "node1",
                                        _get(cloud)["flavor"], "img-1")
    _down(cloud, "node2")
    # (the periodic work's context: the service's, no request of the user's)
    assert cloud.endpoint._settle_moves_on_down_hosts(
        context.get_internal_context()) == 1
    instance = _get(cloud)
    assert (instance["host"], instance["migration_uuid"]) == ("node1", None)
    assert "node2 went down" in instance["fault"]["message"]
    # the destination's step is recorded failed on the migrate action
    events = instance_action.get(cloud.db, cloud.uuid, CTXT.request_id)["events"]
    assert ("compute_finish_resize", "node2", "Error") in [
        (e["event"], e["host"], e["result"]) for e in events]
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    assert migration_service.get(cloud.db, migration)["status"] == "error"
    (args, kwargs), = cloud.agents.named("finish_revert_migration")
    assert (args[1], args[3], kwargs["power_on"]) == ("node1", "img-1", True)
    # node2 spawned it after all: its guest goes, the server stays on node1
    cloud.endpoint.resize_done(CTXT, cloud.uuid, "node2", instance["flavor"], 1)
    (args, _), = cloud.agents.named("terminate_instance")
    assert (args[1], args[2]["uuid"]) == ("node2", cloud.uuid)
    cloud.endpoint.migration_failed(CTXT, cloud.uuid, "node2", "spawn failed")
    instance = _get(cloud)
    assert (instance["vm_state"], instance["host"]) == ("active", "node1")
    assert cloud.placement.claims == {cloud.uuid: NODE1}
    # ...and node1 goes down before it started the guest again: the task ends
    _down(cloud, "node1")
    assert cloud.endpoint._settle_moves_on_down_hosts(CTXT) == 1
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"]) == (
        "active", None, "node1")
    assert cloud.placement.claims == {cloud.uuid: NODE1}


def test_a_revert_whose_host_is_down_waits_in_verify_resize_again(cloud):
    migration = _migrated(cloud)
    instance_service.update(cloud.db, cloud.uuid,
                            task_state=instance_service.RESIZE_REVERTING)
    cloud.endpoint.revert_resize(CTXT, cloud.uuid)
    _down(cloud, "node2")
    assert cloud.endpoint._settle_moves_on_down_hosts(CTXT) == 1
    instance = _get(cloud)
    assert instance_service.status(instance) == "VERIFY_RESIZE"
    assert (instance["host"], instance["migration_uuid"]) == ("node2", migration)
    assert "node2 went down" in instance["fault"]["message"]
    assert cloud.placement.claims == {migration: NODE1, cloud.uuid: NODE2}
    assert migration_service.get(cloud.db, migration)["status"] == "finished"


def test_a_resize_in_place_whose_host_is_down_ends_there(cloud):
    cloud.endpoint.resize_instance(CTXT, cloud.uuid, cloud.bigger)
    instance = _get(cloud)
    assert cloud.agents.named("resize_instance")  # on its own host
    _down(cloud, "node1")
    assert cloud.endpoint._settle_moves_on_down_hosts(CTXT) == 1
    instance = _get(cloud)
    assert (instance["task_state"], instance["flavor"]["flavorid"],
            instance["migration_uuid"]) == (None, "1", None)
    assert cloud.placement.claims == {cloud.uuid: NODE1}


def test_a_guest_a_settled_move_left_on_its_destination_is_reaped(cloud):
    cloud.endpoint.migrate_server(CTXT, cloud.uuid)
    cloud.endpoint.migration_disk_ready(CTXT, cloud.uuid, "node1",
                                        _get(cloud)["flavor"], "img-1")
    _down(cloud, "node2")
    cloud.endpoint._settle_moves_on_down_hosts(CTXT)
    # node2 comes back (its agent restarted: its report of the spawn is lost)
    # with the guest it was spawning
    cloud.endpoint._coordinator.heartbeat(compute_service.AGENTS_GROUP, "node2", {})
    cloud.endpoint.sync_power_states(CTXT, "node2", {cloud.uuid: 1})
    (args, _), = cloud.agents.named("terminate_instance")
    assert (args[1], args[2]["uuid"]) == ("node2", cloud.uuid)
    cloud.endpoint.sync_power_states(CTXT, "node1", {cloud.uuid: 1})  # its own
    assert len(cloud.agents.named("terminate_instance")) == 1
    assert _get(cloud)["host"] == "node1"


def test_a_moves_kept_guest_on_its_source_is_left_alone(cloud):
    _migrated(cloud)  # VERIFY_RESIZE: node1 keeps the guest for a revert
    cloud.endpoint.sync_power_states(CTXT, "node1", {cloud.uuid: 4})
    assert cloud.agents.named("terminate_instance") == []
    cloud.endpoint.confirm_resize(CTXT, cloud.uuid)
    # confirmed: a guest node1 still reports (its confirm_migration missed) goes
    cloud.endpoint.sync_power_states(CTXT, "node1", {cloud.uuid: 4})
    (args, _), = cloud.agents.named("terminate_instance")
    assert args[1] == "node1"
    # node2's report of its own server touches nothing
    cloud.endpoint.sync_power_states(CTXT, "node2", {cloud.uuid: 1})
    assert len(cloud.agents.named("terminate_instance")) == 1

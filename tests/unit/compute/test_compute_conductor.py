"""The conductor: scheduling, claims, reschedules, and allocations always released."""

import contextlib
import types

import pytest

from sovra_common.context import RequestContext
from sovra_compute import placement_client
from sovra_compute.conductor.endpoint import ConductorEndpoint
from sovra_compute.service import compute_service, instance_action
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as instance_service
from sovra_compute.virt import driver as virt

CTXT = RequestContext(user_id="u1", project_id="p1", roles=["member"])


class FakePlacement:
    """Placement with fixed candidates; ``refuse``: providers whose claims 409."""

    def __init__(self, hosts):
        self.candidates = [{placement_client.node_uuid(h): {"resources": {"VCPU": 1}}}
                           for h in hosts]
        self.refuse = set()
        self.claims = {}
        self.released = []

    def allocation_candidates(self, resources, limit, in_tree=None):
        return list(self.candidates[:limit])

    def claim(self, consumer, allocations, project_id, user_id):
        provider = next(iter(allocations))
        if provider in self.refuse:
            raise placement_client.ClaimConflict(consumer=consumer)
        assert consumer not in self.claims
        self.claims[consumer] = provider

    def release(self, consumer):
        self.released.append(consumer)
        self.claims.pop(consumer, None)

    def move_allocations(self, source, target, project_id, user_id):
        assert target not in self.claims
        if source in self.claims:
            self.claims[target] = self.claims.pop(source)


@pytest.fixture
def cloud(db, coordinator, recorder):
    conf = types.SimpleNamespace(compute=types.SimpleNamespace(
        max_build_attempts=3, max_candidates=10, build_timeout=60, task_timeout=60,
        host="ctl", allow_resize_to_same_host=True,
        running_deleted_instance_action="reap"))
    for host in ("node1", "node2"):
        coordinator.heartbeat(compute_service.AGENTS_GROUP, host, {})
    placement = FakePlacement(["node1", "node2"])
    agents = recorder()
    notifier = recorder()
    endpoint = ConductorEndpoint(conf, db, placement, coordinator, agents,
                                 notifier=notifier)
    flavor = flavor_service.create(db, name="m1.tiny", flavorid="1", vcpus=1, ram=512,
                                   disk=1)
    instance = instance_service.create(db, CTXT, name="vm", flavor=flavor,
                                       image_ref="img")
    return types.SimpleNamespace(db=db, placement=placement, agents=agents,
                                 notifier=notifier,
                                 endpoint=endpoint, instance=instance,
                                 coordinator=coordinator)


def _get(cloud):
    return instance_service.get(cloud.db, cloud.instance["uuid"])


def test_build_claims_and_casts_to_the_host(cloud):
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    (args, kwargs), = cloud.agents.named("build_instance")
    host = args[1]
    assert cloud.placement.claims == {cloud.instance["uuid"]:
                                      placement_client.node_uuid(host)}
    instance = _get(cloud)
    assert (instance["host"], instance["task_state"]) == (host, "spawning")
    cloud.endpoint.build_done(CTXT, instance["uuid"], host, 1)
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["power_state"]) == (
        "active", None, 1)
    assert instance["launched_at"] is not None


def _count_transactions(db, monkeypatch) -> list:
    """A list that grows by one for each outermost writer (transaction) opened."""
    opened, writer = [], db.writer

    @contextlib.contextmanager
    def counted():
        if db._current.get() is None:
            opened.append(1)
        with writer() as session:
            yield session
    monkeypatch.setattr(db, "writer", counted)
    return opened


#: an agent's finished build step, as it reports it with build_done (its times
#: far in the past, to tell them from the conductor's)
AGENT_STEP = {"event": "compute__do_build_and_run_instance", "result": "Success",
              "start_time": "2000-01-01T09:00:00+00:00",
              "finish_time": "2000-01-01T09:00:02+00:00"}


def _steps(cloud):
    action = instance_action.get(cloud.db, cloud.instance["uuid"], CTXT.request_id)
    return [(e["event"], e["host"], e["result"], e["finish_time"] is not None)
            for e in action["events"]]


def test_a_build_and_a_delete_cost_the_conductor_three_writes_every_step_recorded(
        cloud, monkeypatch):
    # (the agents recorded, as the first build after they joined does)
    compute_service.schedulable_hosts(cloud.db, {"node1", "node2"})
    writes = _count_transactions(cloud.db, monkeypatch)
    uuid = cloud.instance["uuid"]
    cloud.endpoint.build_instance(CTXT, uuid)
    (args, kwargs), = cloud.agents.named("build_instance")
    host = args[1]
    assert kwargs["step_started"] is True
    assert len(writes) == 1  # the host, the scheduling's step, the build's start
    assert _steps(cloud) == [
        ("conductor_schedule_and_build_instances", "ctl", "Success", True),
        ("compute__do_build_and_run_instance", host, None, False)]
    cloud.endpoint.build_done(CTXT, uuid, host, 1, event=AGENT_STEP)
    assert len(writes) == 2  # ACTIVE, and the build's step finished
    assert _get(cloud)["vm_state"] == "active"
    assert _steps(cloud)[1] == ("compute__do_build_and_run_instance", host,
                                "Success", True)
    # the start stays the conductor's (when it handed the build over)
    (event,) = [e for e in instance_action.get(cloud.db, uuid, CTXT.request_id)[
        "events"] if e["host"] == host]
    assert event["finish_time"].year == 2000 and event["start_time"].year > 2000
    # the delete: the agent's terminate step ends with the server
    cloud.endpoint.instance_destroyed(CTXT, uuid, host, event=dict(
        AGENT_STEP, event="compute_terminate_instance"))
    assert len(writes) == 3
    assert ("compute_terminate_instance", host, "Success", True) in _steps(cloud)
    with pytest.raises(instance_service.InstanceNotFound):
        _get(cloud)


def test_a_1_10_agent_records_its_build_step_itself(cloud, monkeypatch):
    monkeypatch.setattr(cloud.agents, "can_send_version", lambda version: tuple(
        map(int, version.split("."))) <= (1, 10), raising=False)
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    (_, kwargs), = cloud.agents.named("build_instance")
    assert kwargs["step_started"] is False
    assert _steps(cloud) == [
        ("conductor_schedule_and_build_instances", "ctl", "Success", True)]


def test_a_step_reported_for_a_server_deleted_meanwhile_is_still_recorded(cloud):
    uuid = cloud.instance["uuid"]
    cloud.endpoint.build_instance(CTXT, uuid)
    (args, _), = cloud.agents.named("build_instance")
    instance_service.update(cloud.db, uuid, task_state="deleting")
    cloud.endpoint.build_done(CTXT, uuid, args[1], 1, event=AGENT_STEP)
    assert _steps(cloud)[1] == ("compute__do_build_and_run_instance", args[1],
                                "Success", True)
    assert cloud.agents.named("terminate_instance")  # the guest goes


def test_the_image_the_api_read_goes_to_the_agent_with_the_build(cloud):
    image = {"id": "img-1", "status": "active"}
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"], image=image)
    (args, kwargs), = cloud.agents.named("build_instance")
    assert kwargs["image"] == image
    # a reschedule has none: that agent reads the image itself
    cloud.endpoint.build_failed(CTXT, cloud.instance["uuid"], args[1], "boom")
    assert cloud.agents.named("build_instance")[1][1]["image"] is None


def test_a_refused_claim_moves_to_the_next_candidate(cloud):
    cloud.placement.refuse.add(placement_client.node_uuid("node1"))
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    (args, _), = cloud.agents.named("build_instance")
    assert args[1] == "node2"


def test_failed_build_releases_and_reschedules_elsewhere(cloud):
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    first = cloud.agents.named("build_instance")[0][0][1]
    cloud.endpoint.build_failed(CTXT, cloud.instance["uuid"], first, "boom")
    assert cloud.placement.released == [cloud.instance["uuid"]]
    second = cloud.agents.named("build_instance")[1][0][1]
    assert second != first
    assert cloud.placement.claims[cloud.instance["uuid"]] == \
        placement_client.node_uuid(second)
    assert _get(cloud)["build_hosts"] == [first, second]


def test_out_of_hosts_is_error_with_fault_and_no_allocation(cloud):
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    for _ in range(2):
        host = cloud.agents.named("build_instance")[-1][0][1]
        cloud.endpoint.build_failed(CTXT, cloud.instance["uuid"], host, "boom")
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"]) == (
        "error", None, None)
    assert instance["fault"]["code"] == 500
    assert "No valid host" in instance["fault"]["message"]
    assert instance["fault"]["details"] == "boom"
    assert cloud.placement.claims == {}


def test_max_build_attempts_bounds_reschedules(cloud):
    cloud.endpoint._conf.compute.max_build_attempts = 1
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    host = cloud.agents.named("build_instance")[0][0][1]
    cloud.endpoint.build_failed(CTXT, cloud.instance["uuid"], host, "boom")
    assert len(cloud.agents.named("build_instance")) == 1
    instance = _get(cloud)
    assert instance["vm_state"] == "error"
    assert "Exceeded maximum number of retries" in instance["fault"]["message"]
    assert cloud.placement.claims == {}


def test_down_or_disabled_hosts_are_not_scheduled_to(cloud):
    cloud.coordinator.leave(compute_service.AGENTS_GROUP, "node1")
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    assert cloud.agents.named("build_instance")[0][0][1] == "node2"


@pytest.mark.parametrize("change", [{"disabled": True}, {"forced_down": True}])
def test_disabled_or_forced_down_recorded_hosts_are_not_scheduled_to(cloud, change):
    agents = compute_service.sync_agents(cloud.db, {"node1", "node2"})
    node1 = next(a for a in agents if a["host"] == "node1")
    compute_service.update(cloud.db, node1["id"], **change)
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    assert cloud.agents.named("build_instance")[0][0][1] == "node2"


def test_no_live_host_fails_the_build(cloud):
    for host in ("node1", "node2"):
        cloud.coordinator.leave(compute_service.AGENTS_GROUP, host)
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    assert _get(cloud)["vm_state"] == "error"
    assert cloud.agents.calls == []


def test_delete_on_a_live_host_goes_through_the_agent(cloud):
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    host = cloud.agents.named("build_instance")[0][0][1]
    cloud.endpoint.build_done(CTXT, cloud.instance["uuid"], host, 1)
    instance_service.begin_delete(cloud.db, CTXT, cloud.instance["uuid"])
    cloud.endpoint.delete_instance(CTXT, cloud.instance["uuid"])
    assert cloud.agents.named("terminate_instance")[0][0][1] == host
    cloud.endpoint.instance_destroyed(CTXT, cloud.instance["uuid"], host)
    assert cloud.placement.claims == {}
    with pytest.raises(instance_service.InstanceNotFound):
        _get(cloud)


def test_delete_during_spawn_terminates_when_the_build_reports(cloud):
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    host = cloud.agents.named("build_instance")[0][0][1]
    instance_service.begin_delete(cloud.db, CTXT, cloud.instance["uuid"])
    cloud.endpoint.build_done(CTXT, cloud.instance["uuid"], host, 1)
    assert cloud.agents.named("terminate_instance")


def test_delete_of_an_unscheduled_server_is_local(cloud):
    instance_service.begin_delete(cloud.db, CTXT, cloud.instance["uuid"])
    cloud.endpoint.delete_instance(CTXT, cloud.instance["uuid"])
    assert cloud.agents.calls == []
    assert cloud.placement.released == [cloud.instance["uuid"]]
    # the build request that was still on the bus finds nothing to do
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    assert cloud.agents.calls == []


def test_agent_reports_update_state_and_faults(cloud):
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    host = cloud.agents.named("build_instance")[0][0][1]
    cloud.endpoint.build_done(CTXT, cloud.instance["uuid"], host, 1)
    cloud.endpoint.instance_update(CTXT, cloud.instance["uuid"], host,
                                   {"vm_state": "stopped", "power_state": 4,
                                    "task_state": None, "host": "evil"})
    instance = _get(cloud)
    assert (instance["vm_state"], instance["power_state"], instance["host"]) == (
        "stopped", 4, host)


def test_state_changes_are_notified(cloud):
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    host = cloud.agents.named("build_instance")[0][0][1]
    cloud.endpoint.build_done(CTXT, cloud.instance["uuid"], host, 1)
    instance_service.begin_delete(cloud.db, CTXT, cloud.instance["uuid"])
    cloud.endpoint.instance_destroyed(CTXT, cloud.instance["uuid"], host)
    events = [(args[1], args[2]["instance_id"]) for args, _ in
              cloud.notifier.named("info")]
    assert events == [("compute.instance.create.end", cloud.instance["uuid"]),
                      ("compute.instance.delete.end", cloud.instance["uuid"])]


def test_power_sync_records_states_and_stops_dead_guests(cloud):
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    host = cloud.agents.named("build_instance")[0][0][1]
    cloud.endpoint.build_done(CTXT, cloud.instance["uuid"], host, 1)
    cloud.endpoint.sync_power_states(CTXT, host, {cloud.instance["uuid"]: 1})
    assert _get(cloud)["vm_state"] == "active"
    cloud.endpoint.sync_power_states(CTXT, host, {cloud.instance["uuid"]: 4})
    instance = _get(cloud)
    assert (instance["vm_state"], instance["power_state"]) == ("stopped", 4)
    cloud.endpoint.sync_power_states(CTXT, host, {})
    assert _get(cloud)["power_state"] == 0


def test_power_sync_leaves_servers_with_a_task_alone(cloud):
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    host = cloud.agents.named("build_instance")[0][0][1]
    cloud.endpoint.sync_power_states(CTXT, host, {})
    assert _get(cloud)["task_state"] == "spawning"
    assert _get(cloud)["power_state"] == 0


def _built(cloud) -> tuple[str, str]:
    """Build the server (ACTIVE); (its host, the other host)."""
    uuid = cloud.instance["uuid"]
    cloud.endpoint.build_instance(CTXT, uuid)
    host = cloud.agents.named("build_instance")[0][0][1]
    cloud.endpoint.build_done(CTXT, uuid, host, 1)
    return host, "node2" if host == "node1" else "node1"


def _deleted_while_its_host_was_down(cloud) -> str:
    """Build the server, take its host down, delete it; its host's name."""
    uuid = cloud.instance["uuid"]
    host, _ = _built(cloud)
    cloud.coordinator.leave(compute_service.AGENTS_GROUP, host)
    instance_service.begin_delete(cloud.db, CTXT, uuid)
    cloud.endpoint.delete_instance(CTXT, uuid)
    with pytest.raises(instance_service.InstanceNotFound):
        _get(cloud)
    assert cloud.agents.named("terminate_instance") == []  # nobody to tell
    cloud.coordinator.heartbeat(compute_service.AGENTS_GROUP, host, {})
    return host


def test_power_sync_reaps_the_guest_of_a_server_deleted_while_its_host_was_down(
        cloud):
    host = _deleted_while_its_host_was_down(cloud)
    cloud.endpoint.sync_power_states(CTXT, host, {cloud.instance["uuid"]: 1})
    (args, _), = cloud.agents.named("terminate_instance")
    assert (args[1], args[2]["uuid"], args[2]["flavor"]["flavorid"]) == (
        host, cloud.instance["uuid"], "1")


@pytest.mark.parametrize("action", ["log", "noop"])
def test_power_sync_leaves_a_deleted_servers_guest_when_told_to(cloud, action):
    cloud.endpoint._conf.compute.running_deleted_instance_action = action
    host = _deleted_while_its_host_was_down(cloud)
    cloud.endpoint.sync_power_states(CTXT, host, {cloud.instance["uuid"]: 1})
    assert cloud.agents.named("terminate_instance") == []


def test_power_sync_leaves_guests_of_live_and_unknown_servers(cloud):
    uuid = cloud.instance["uuid"]
    host, other = _built(cloud)
    # the other host still has a guest of this server (a move's kept source
    # guest), and one of no server at all
    cloud.endpoint.sync_power_states(CTXT, other, {uuid: 4, "not-a-server": 1})
    assert cloud.agents.named("terminate_instance") == []
    assert (_get(cloud)["vm_state"], _get(cloud)["power_state"]) == ("active", 1)


def test_placement_failure_while_scheduling_is_error_not_stuck(cloud):
    def broken(resources, limit):
        raise ConnectionError("placement timed out")
    cloud.placement.allocation_candidates = broken
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"]) == ("error", None)
    assert "Scheduling failed" in instance["fault"]["message"]
    assert cloud.placement.released == [cloud.instance["uuid"]]


def test_release_is_retried(cloud):
    calls = []
    real = cloud.placement.release

    def flaky(consumer):
        calls.append(consumer)
        if len(calls) < 3:
            raise ConnectionError("placement timed out")
        real(consumer)
    cloud.placement.release = flaky
    instance_service.begin_delete(cloud.db, CTXT, cloud.instance["uuid"])
    cloud.endpoint.delete_instance(CTXT, cloud.instance["uuid"])
    assert len(calls) == 3 and cloud.placement.released == [cloud.instance["uuid"]]


def _resizable(cloud):
    """The cloud's server built and ACTIVE on its host, in task resize_prep."""
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    (args, _), = cloud.agents.named("build_instance")
    cloud.endpoint.build_done(CTXT, cloud.instance["uuid"], args[1], 1)
    instance_service.begin_task(cloud.db, CTXT, cloud.instance["uuid"], "resize",
                                instance_service.RESIZE_PREP,
                                allowed_vm_states=(instance_service.ACTIVE,))
    bigger = flavor_service.create(cloud.db, name="m1.small", flavorid="2", vcpus=2,
                                   ram=1024, disk=2)
    return args[1], bigger


def test_resize_holds_both_flavors_until_confirmed(cloud):
    host, bigger = _resizable(cloud)
    uuid = cloud.instance["uuid"]
    cloud.endpoint.resize_instance(CTXT, uuid, bigger)
    instance = _get(cloud)
    migration = instance["migration_uuid"]
    assert instance["task_state"] == instance_service.RESIZE_MIGRATING
    node = placement_client.node_uuid(host)
    assert cloud.placement.claims == {migration: node, uuid: node}  # old and new
    (args, _), = cloud.agents.named("resize_instance")
    assert args[1] == host and args[3]["flavorid"] == "2"
    cloud.endpoint.resize_done(CTXT, uuid, host, bigger, 1)
    instance = _get(cloud)
    assert instance_service.status(instance) == "VERIFY_RESIZE"
    assert instance["flavor"]["flavorid"] == "2"
    assert instance["old_flavor"]["flavorid"] == "1"
    cloud.endpoint.confirm_resize(CTXT, uuid)
    instance = _get(cloud)
    assert (instance["vm_state"], instance["old_flavor"], instance["migration_uuid"]) \
        == ("active", None, None)
    assert cloud.placement.claims == {uuid: node}  # the old flavor's are gone
    assert cloud.agents.named("confirm_resize")


def test_revert_gives_back_the_old_flavor_and_its_allocations(cloud):
    host, bigger = _resizable(cloud)
    uuid = cloud.instance["uuid"]
    cloud.endpoint.resize_instance(CTXT, uuid, bigger)
    cloud.endpoint.resize_done(CTXT, uuid, host, bigger, 1)
    instance_service.update(cloud.db, uuid, task_state=instance_service.RESIZE_REVERTING)
    cloud.endpoint.revert_resize(CTXT, uuid)
    (args, _), = cloud.agents.named("revert_resize")
    assert args[3]["flavorid"] == "1"  # back to the old one
    cloud.endpoint.revert_done(CTXT, uuid, host, 1)
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"]) == ("active", None)
    assert instance["flavor"]["flavorid"] == "1" and instance["old_flavor"] is None
    assert cloud.placement.claims == {uuid: placement_client.node_uuid(host)}


def test_resize_without_room_keeps_the_server_and_its_allocations(cloud):
    host, bigger = _resizable(cloud)
    uuid = cloud.instance["uuid"]
    cloud.placement.refuse.update(placement_client.node_uuid(h)
                                  for h in ("node1", "node2"))  # no room anywhere
    cloud.endpoint.resize_instance(CTXT, uuid, bigger)
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"]) == ("active", None)
    assert instance["flavor"]["flavorid"] == "1" and instance["migration_uuid"] is None
    assert "No valid host" in instance["fault"]["message"]
    assert cloud.placement.claims == {uuid: placement_client.node_uuid(host)}
    assert not cloud.agents.named("resize_instance")


def test_resize_failed_on_the_host_undoes_the_claims(cloud):
    host, bigger = _resizable(cloud)
    uuid = cloud.instance["uuid"]
    cloud.endpoint.resize_instance(CTXT, uuid, bigger)
    cloud.endpoint.resize_failed(CTXT, uuid, host, "the disk cannot shrink")
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"]) == ("active", None)
    assert instance["fault"]["message"] == "the disk cannot shrink"
    assert cloud.placement.claims == {uuid: placement_client.node_uuid(host)}


@pytest.mark.parametrize("finished", [False, True], ids=["deleting", "deleted"])
def test_a_server_deleted_while_its_resize_claims_keeps_no_allocation(cloud,
                                                                        finished):
    host, bigger = _resizable(cloud)
    uuid = cloud.instance["uuid"]
    claim = cloud.placement.claim

    def claim_then_delete(consumer, *args):  # the delete comes while placement answers
        claim(consumer, *args)
        instance_service.begin_delete(cloud.db, CTXT, uuid)
        if finished:
            instance_service.mark_deleted(cloud.db, uuid)
    cloud.placement.claim = claim_then_delete
    cloud.endpoint.resize_instance(CTXT, uuid, bigger)
    assert not cloud.agents.named("resize_instance")
    # the source's allocations are the server's again, for its delete to release;
    # none at all once its delete had finished
    assert cloud.placement.claims == (
        {} if finished else {uuid: placement_client.node_uuid(host)})


def _grouped(cloud, policy, count, rules=None):
    """``count`` servers in a new group of ``policy``, scheduled one after another;
    their hosts (None: the build failed)."""
    from sovra_compute.service import server_group

    group = server_group.create(cloud.db, CTXT, name=f"g-{policy}", policy=policy,
                                rules=rules, max_groups=-1)
    hosts = []
    for index in range(count):
        instance = instance_service.create(cloud.db, CTXT, name=f"m{index}",
                                           flavor=cloud.instance["flavor"],
                                           image_ref="img")
        server_group.add_member(cloud.db, group["uuid"], instance["uuid"])
        cloud.endpoint.build_instance(CTXT, instance["uuid"])
        hosts.append(instance_service.get(cloud.db, instance["uuid"])["host"])
    return hosts


def test_anti_affinity_spreads_members_and_refuses_a_third(cloud):
    first, second, third = _grouped(cloud, "anti-affinity", 3)
    assert {first, second} == {"node1", "node2"} and third is None
    failed = [i for i in instance_service.list_(cloud.db) if i["name"] == "m2"][0]
    assert failed["vm_state"] == "error" and "anti-affinity" in failed["fault"]["message"]


def test_anti_affinity_rule_allows_that_many_per_host(cloud):
    hosts = _grouped(cloud, "anti-affinity", 4, rules={"max_server_per_host": 2})
    assert sorted(hosts) == ["node1", "node1", "node2", "node2"]


def test_affinity_keeps_members_together(cloud):
    cloud.placement.candidates.reverse()  # placement would offer node2 first
    hosts = _grouped(cloud, "affinity", 3)
    assert len(set(hosts)) == 1 and None not in hosts


def test_soft_anti_affinity_prefers_free_hosts_but_does_not_refuse(cloud):
    hosts = _grouped(cloud, "soft-anti-affinity", 3)
    assert set(hosts[:2]) == {"node1", "node2"} and hosts[2] in ("node1", "node2")


def test_a_requested_host_is_where_the_server_goes(cloud):
    instance_service.update(cloud.db, cloud.instance["uuid"], requested_host="node2")
    cloud.endpoint.build_instance(CTXT, cloud.instance["uuid"])
    assert _get(cloud)["host"] == "node2"
    other = instance_service.create(cloud.db, CTXT, name="pinned",
                                    flavor=cloud.instance["flavor"], image_ref="img",
                                    requested_host="node9")
    cloud.endpoint.build_instance(CTXT, other["uuid"])
    failed = instance_service.get(cloud.db, other["uuid"])
    assert failed["vm_state"] == "error" and "node9" in failed["fault"]["message"]


def _age(cloud, uuid, seconds):
    """Make the server's last change ``seconds`` old."""
    import datetime

    from sovra_common.db import schema
    from sovra_compute.db import models

    with cloud.db.writer() as session:
        session.get(models.Instance, uuid).updated_at = \
            schema.utcnow() - datetime.timedelta(seconds=seconds)


def test_a_lost_build_times_out_to_error_without_allocations(cloud):
    uuid = cloud.instance["uuid"]
    cloud.endpoint.build_instance(CTXT, uuid)  # the cast to the agent is then lost
    (args, _), = cloud.agents.named("build_instance")
    cloud.agents.get_power_state = lambda *a, **kw: (_ for _ in ()).throw(
        RuntimeError("no such guest"))
    assert cloud.endpoint._sweep_stuck_builds(CTXT) == 0  # not old enough yet
    _age(cloud, uuid, 61)
    assert cloud.endpoint._sweep_stuck_builds(CTXT) == 1
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"]) == (
        "error", None, None)
    assert "timed out" in instance["fault"]["message"]
    assert uuid not in cloud.placement.claims
    cloud.endpoint.build_done(CTXT, uuid, args[1], 1)  # a late report changes nothing
    assert _get(cloud)["vm_state"] == "error"
    assert cloud.agents.named("terminate_instance")  # ... but its guest is removed


def test_a_build_whose_host_went_down_is_settled_at_once(cloud):
    uuid = cloud.instance["uuid"]
    cloud.endpoint.build_instance(CTXT, uuid)
    host = cloud.agents.named("build_instance")[0][0][1]
    assert cloud.endpoint._sweep_stuck_builds(CTXT) == 0  # its host is up
    cloud.coordinator.leave(compute_service.AGENTS_GROUP, host)
    assert cloud.endpoint._sweep_stuck_builds(CTXT) == 1  # no timeout waited
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"], instance["host"]) == (
        "error", None, None)
    assert f"its host {host} went down" in instance["fault"]["message"]
    assert uuid not in cloud.placement.claims


def test_a_build_whose_agent_restarted_since_is_settled_at_once(cloud):
    import datetime

    uuid = cloud.instance["uuid"]
    cloud.endpoint.build_instance(CTXT, uuid)
    host = cloud.agents.named("build_instance")[0][0][1]
    given = _get(cloud)["updated_at"]
    cloud.agents.get_power_state = lambda *a, **kw: (_ for _ in ()).throw(
        RuntimeError("no such guest"))
    for started, settled in ((given - datetime.timedelta(hours=1), 0),
                             (given + datetime.timedelta(seconds=1), 1)):
        cloud.coordinator.heartbeat(compute_service.AGENTS_GROUP, host,
                                    {"started_at": started.isoformat()})
        assert cloud.endpoint._sweep_stuck_builds(CTXT) == settled
    assert _get(cloud)["vm_state"] == "error"


def test_a_guest_destroyed_on_another_host_does_not_delete_the_server(cloud):
    uuid = cloud.instance["uuid"]
    host, other = _built(cloud)
    # (a guest dropped there: a move taken back from it, a settled build)
    cloud.endpoint.instance_destroyed(CTXT, uuid, other)
    assert (_get(cloud)["vm_state"], _get(cloud)["host"]) == ("active", host)
    assert cloud.placement.claims[uuid] == placement_client.node_uuid(host)
    # its own host's report of its delete does
    instance_service.begin_delete(cloud.db, CTXT, uuid)
    cloud.endpoint.instance_destroyed(CTXT, uuid, host)
    with pytest.raises(instance_service.InstanceNotFound):
        _get(cloud)


def test_a_late_build_report_after_a_timeout_keeps_the_server_in_error(cloud):
    uuid = cloud.instance["uuid"]
    cloud.endpoint.build_instance(CTXT, uuid)
    host = cloud.agents.named("build_instance")[0][0][1]
    cloud.coordinator.leave(compute_service.AGENTS_GROUP, host)
    cloud.endpoint._sweep_stuck_builds(CTXT)
    cloud.endpoint.build_done(CTXT, uuid, host, 1)  # it was only cut off
    (args, _), = cloud.agents.named("terminate_instance")
    assert args[1] == host
    cloud.endpoint.instance_destroyed(CTXT, uuid, host)  # its guest went
    instance = _get(cloud)  # the server stays, in ERROR, for its user to see
    assert (instance["vm_state"], instance["host"]) == ("error", None)


def test_a_lost_report_of_a_running_guest_makes_it_active(cloud):
    uuid = cloud.instance["uuid"]
    cloud.endpoint.build_instance(CTXT, uuid)
    cloud.agents.get_power_state = lambda *a, **kw: 1  # the agent has it running
    _age(cloud, uuid, 61)
    assert cloud.endpoint._sweep_stuck_builds(CTXT) == 1
    instance = _get(cloud)
    assert (instance["vm_state"], instance["task_state"]) == ("active", None)
    assert cloud.placement.claims[uuid] == placement_client.node_uuid(instance["host"])


def _settle_by_sweep(cloud, uuid):
    """What the sweep of stuck builds does to a build it times out."""
    _age(cloud, uuid, 61)
    cloud.agents.get_power_state = lambda *a, **kw: (_ for _ in ()).throw(
        RuntimeError("no such guest"))
    assert cloud.endpoint._sweep_stuck_builds(CTXT) == 1


def _settled_in_error(cloud):
    instance = _get(cloud)  # still there: only its user deletes it
    assert (instance["vm_state"], instance["task_state"], instance["host"]) == (
        "error", None, None)
    assert "timed out" in instance["fault"]["message"]
    assert cloud.instance["uuid"] not in cloud.placement.claims
    return instance


def test_a_build_message_that_comes_after_the_sweep_settled_the_server_is_dropped(
        cloud):
    uuid = cloud.instance["uuid"]
    _settle_by_sweep(cloud, uuid)  # the bus held the build message that long
    cloud.endpoint.build_instance(CTXT, uuid)
    _settled_in_error(cloud)
    assert not cloud.agents.named("build_instance")


def test_a_scheduling_the_sweep_overtook_keeps_the_server_in_error(cloud):
    uuid = cloud.instance["uuid"]
    claim = cloud.placement.claim

    def slow_claim(consumer, *args):  # the sweep settles it while placement answers
        claim(consumer, *args)
        _settle_by_sweep(cloud, uuid)
    cloud.placement.claim = slow_claim
    cloud.endpoint.build_instance(CTXT, uuid)
    _settled_in_error(cloud)  # not deleted, and the late claim given back
    assert not cloud.agents.named("build_instance")


def test_a_build_failure_reported_after_the_sweep_settled_the_server_is_not_retried(
        cloud):
    uuid = cloud.instance["uuid"]
    cloud.endpoint.build_instance(CTXT, uuid)
    host = cloud.agents.named("build_instance")[0][0][1]
    _settle_by_sweep(cloud, uuid)
    cloud.endpoint.build_failed(CTXT, uuid, host, "spawn failed")
    _settled_in_error(cloud)
    assert len(cloud.agents.named("build_instance")) == 1  # no reschedule


def test_a_build_message_delivered_twice_builds_the_server_once(cloud):
    uuid = cloud.instance["uuid"]
    cloud.endpoint.build_instance(CTXT, uuid)
    cloud.endpoint.build_instance(CTXT, uuid)  # the bus redelivers after a restart
    (args, _), = cloud.agents.named("build_instance")  # one claim, one guest
    assert cloud.placement.claims == {uuid: placement_client.node_uuid(args[1])}
    instance = _get(cloud)
    assert (instance["host"], instance["task_state"]) == (args[1], "spawning")


def _deleting(cloud) -> tuple[str, str]:
    """A server ACTIVE on its host whose delete began (the API's cast then lost)."""
    uuid, host = cloud.instance["uuid"], _built(cloud)[0]
    instance_service.begin_delete(cloud.db, CTXT, uuid)
    return uuid, host


def test_a_lost_delete_is_sent_again_after_the_timeout(cloud):
    uuid, host = _deleting(cloud)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 0  # not old enough yet
    assert not cloud.agents.named("terminate_instance")
    _age(cloud, uuid, 61)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 1
    (args, _), = cloud.agents.named("terminate_instance")
    assert (args[1], args[2]["uuid"]) == (host, uuid)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 0  # once a timeout
    cloud.endpoint.instance_destroyed(CTXT, uuid, host)  # the agent's report
    with pytest.raises(instance_service.InstanceNotFound):
        _get(cloud)
    assert uuid not in cloud.placement.claims
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 0


def test_a_delete_on_a_host_that_went_down_is_finished_at_once(cloud):
    uuid, host = _deleting(cloud)
    cloud.coordinator.leave(compute_service.AGENTS_GROUP, host)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 1  # no timeout waited
    with pytest.raises(instance_service.InstanceNotFound):
        _get(cloud)
    assert uuid not in cloud.placement.claims
    assert not cloud.agents.named("terminate_instance")


def test_a_delete_whose_agent_restarted_since_is_sent_again_at_once(cloud):
    import datetime

    uuid, host = _deleting(cloud)
    began = _get(cloud)["updated_at"]
    for started, redriven in ((began - datetime.timedelta(hours=1), 0),
                              (began + datetime.timedelta(seconds=1), 1)):
        cloud.coordinator.heartbeat(compute_service.AGENTS_GROUP, host,
                                    {"started_at": started.isoformat()})
        assert cloud.endpoint._settle_stuck_tasks(CTXT) == redriven
    assert len(cloud.agents.named("terminate_instance")) == 1


def test_deletes_are_sent_again_only_on_a_lost_host_when_the_timeout_is_off(cloud):
    uuid, host = _deleting(cloud)
    cloud.endpoint._conf.compute.task_timeout = 0
    _age(cloud, uuid, 10 ** 6)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 0
    cloud.coordinator.leave(compute_service.AGENTS_GROUP, host)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 1


def _in_task(cloud, task_state) -> tuple[str, str]:
    """A server ACTIVE on its host, in ``task_state`` (its agent's news then lost)."""
    uuid, host = cloud.instance["uuid"], _built(cloud)[0]
    instance_service.update(cloud.db, uuid, task_state=task_state)
    return uuid, host


@pytest.mark.parametrize("power_state, status", [
    (virt.SHUTDOWN, "SHUTOFF"), (virt.RUNNING, "ACTIVE"), (virt.PAUSED, "PAUSED")])
def test_a_lost_power_action_takes_the_state_of_the_guest_after_the_timeout(
        cloud, power_state, status):
    uuid, host = _in_task(cloud, "powering-off")
    cloud.agents.get_power_state = lambda ctxt, host, instance: power_state
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 0  # not old enough yet
    _age(cloud, uuid, 61)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 1
    instance = _get(cloud)
    assert (instance_service.status(instance), instance["task_state"],
            instance["power_state"]) == (status, None, power_state)
    assert cloud.placement.claims[uuid] == placement_client.node_uuid(host)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 0


def test_a_power_action_on_a_host_that_went_down_is_cleared_at_once(cloud):
    uuid, host = _in_task(cloud, "rebooting")
    cloud.agents.get_power_state = lambda *a: pytest.fail("its agent is down")
    cloud.coordinator.leave(compute_service.AGENTS_GROUP, host)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 1
    instance = _get(cloud)  # as it was, until its host reports again
    assert (instance["vm_state"], instance["task_state"], instance["power_state"]) == (
        "active", None, 1)


def test_a_power_action_whose_guest_is_not_found_is_only_cleared(cloud):
    uuid, _ = _in_task(cloud, "pausing")
    cloud.agents.get_power_state = lambda *a: (_ for _ in ()).throw(
        virt.InstanceNotFound(uuid=uuid))
    _age(cloud, uuid, 61)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 1
    assert (_get(cloud)["vm_state"], _get(cloud)["task_state"]) == ("active", None)


def test_tasks_that_are_not_in_place_are_left_to_their_own_settling(cloud):
    uuid, _ = _in_task(cloud, "resize_migrating")
    _age(cloud, uuid, 10 ** 6)
    assert cloud.endpoint._settle_stuck_tasks(CTXT) == 0
    assert _get(cloud)["task_state"] == "resize_migrating"

"""The agent: runs the driver, reports outcomes; its node's placement inventory."""

import time
import types

from virt_conformance import instance

from sovra_compute.agent import node
from sovra_compute.agent.endpoint import ComputeAgentEndpoint
from sovra_compute.virt import fake


def _agent(recorder, **driver_opts):
    driver = fake.FakeDriver(**driver_opts)
    conductor = recorder()
    return ComputeAgentEndpoint("node1", driver, conductor), driver, conductor


def _step_with(conductor, outcome):
    """The step reported with the (single) ``outcome`` call."""
    (_, kwargs), = conductor.named(outcome)
    return kwargs["event"]


def test_build_reports_done(recorder):
    agent, driver, conductor = _agent(recorder)
    guest = instance()
    agent.build_instance(None, guest)
    (args, kwargs), = conductor.named("build_done")
    assert args == (None, guest["uuid"], "node1", 1)
    assert driver.list_instances() == [guest["uuid"]]
    # the step's start on its own (no conductor recorded it), its end with ACTIVE
    (start, _), = conductor.named("action_event")
    assert start[1:4] == (guest["uuid"], "node1", "compute__do_build_and_run_instance")
    step = kwargs["event"]
    assert (step["event"], step["result"], step["start_time"]) == (
        "compute__do_build_and_run_instance", "Success", start[4])
    assert step["finish_time"] >= step["start_time"]


def test_a_build_whose_start_the_conductor_recorded_sends_one_message(recorder):
    agent, _, conductor = _agent(recorder)
    agent.build_instance(None, instance(), step_started=True)
    assert [method for method, _, _ in conductor.calls] == ["build_done"]
    assert _step_with(conductor, "build_done")["result"] == "Success"


def test_a_failed_build_reports_its_step_failed_on_its_own(recorder):
    agent, _, conductor = _agent(recorder, fail_operations=["spawn"])
    agent.build_instance(None, instance(), step_started=True)
    (args, kwargs), = conductor.named("action_event")
    assert args[3] == "compute__do_build_and_run_instance"
    assert kwargs["result"] == "Error" and "injected" in kwargs["details"]
    assert "Traceback" in kwargs["traceback"]
    assert [method for method, _, _ in conductor.calls] == ["action_event",
                                                            "build_failed"]


def test_failed_build_reports_failure_and_leaves_nothing(recorder):
    agent, driver, conductor = _agent(recorder, fail_operations=["spawn"])
    guest = instance()
    agent.build_instance(None, guest)
    (args, _), = conductor.named("build_failed")
    assert args[:3] == (None, guest["uuid"], "node1")
    assert "injected" in args[3]
    assert driver.list_instances() == []


def test_power_operations_report_state(recorder):
    agent, driver, conductor = _agent(recorder)
    guest = instance()
    agent.build_instance(None, guest)
    agent.stop_instance(None, guest)
    agent.start_instance(None, guest)
    agent.reboot_instance(None, guest, "HARD")
    updates = [args[3] for args, _ in conductor.named("instance_update")]
    assert updates == [
        {"vm_state": "stopped", "task_state": None, "power_state": 4},
        {"vm_state": "active", "task_state": None, "power_state": 1},
        {"vm_state": "active", "task_state": None, "power_state": 1}]


def test_pause_and_suspend_report_state(recorder):
    agent, driver, conductor = _agent(recorder)
    guest = instance()
    agent.build_instance(None, guest)
    agent.pause_instance(None, guest)
    agent.unpause_instance(None, guest)
    agent.suspend_instance(None, guest)
    agent.resume_instance(None, guest)
    updates = [(args[3]["vm_state"], args[3]["power_state"])
               for args, _ in conductor.named("instance_update")]
    assert updates == [("paused", 3), ("active", 1), ("suspended", 7), ("active", 1)]


def test_failed_power_operation_reports_a_fault(recorder):
    agent, driver, conductor = _agent(recorder)
    guest = instance()
    agent.build_instance(None, guest)
    driver.fail_operations.add("power_off")
    agent.stop_instance(None, guest)
    (args, kwargs), = conductor.named("instance_update")
    assert args[3] == {"task_state": None}
    assert kwargs["fault"]["code"] == 500


class _Images:
    """An image client for the agent: one active image, recorded downloads."""

    def __init__(self, status="active"):
        self.status = status

    def __call__(self, ctxt):
        return self

    def get_image(self, image_id):
        return {"id": image_id, "status": self.status, "disk_format": "raw"}

    def download(self, image_id, out):
        out.write(b"disk")
        return 4


def test_build_hands_the_image_to_the_driver(recorder):
    driver = fake.FakeDriver()
    conductor = recorder()
    agent = ComputeAgentEndpoint("node1", driver, conductor, images=_Images())
    guest = dict(instance(), image_ref="img-1")
    agent.build_instance(None, guest)
    assert conductor.named("build_done")
    assert driver._guests[guest["uuid"]]["image_id"] == "img-1"
    # an image that is no longer active fails the build (it is rescheduled)
    agent = ComputeAgentEndpoint("node1", driver, conductor,
                                 images=_Images(status="deactivated"))
    agent.build_instance(None, dict(instance(), image_ref="img-1"))
    (args, _), = conductor.named("build_failed")
    assert "deactivated" in args[3]


class _CountedImages(_Images):
    def __init__(self, status="active"):
        super().__init__(status)
        self.reads = []

    def get_image(self, image_id):
        self.reads.append(image_id)
        return super().get_image(image_id)


def test_build_given_the_image_does_not_read_it_again(recorder):
    """1.10: the image the API read for the create comes with the build; the
    Image API is asked only when it does not (or it is another image's)."""
    driver, conductor, images = fake.FakeDriver(), recorder(), _CountedImages()
    agent = ComputeAgentEndpoint("node1", driver, conductor, images=images)
    given = {"id": "img-1", "status": "active", "disk_format": "raw"}
    guest = dict(instance(), image_ref="img-1")
    agent.build_instance(None, guest, image=given)
    assert images.reads == []
    assert driver._guests[guest["uuid"]]["image_id"] == "img-1"
    agent.build_instance(None, dict(instance(), image_ref="img-2"), image=given)
    agent.build_instance(None, dict(instance(), image_ref="img-1"))
    assert images.reads == ["img-2", "img-1"]
    assert len(conductor.named("build_done")) == 3
    # a given image that is not active fails the build, as a read one does
    agent.build_instance(None, dict(instance(), image_ref="img-1"),
                         image=dict(given, status="deactivated"))
    (args, _), = conductor.named("build_failed")
    assert "deactivated" in args[3]


def test_rebuild_reports_the_kept_state_or_error(recorder):
    driver = fake.FakeDriver()
    conductor = recorder()
    agent = ComputeAgentEndpoint("node1", driver, conductor, images=_Images())
    guest = dict(instance(), image_ref="img-1")
    agent.build_instance(None, guest)
    agent.rebuild_instance(None, guest, "img-2")
    agent.rebuild_instance(None, guest, "img-2", stopped=True)
    assert driver._guests[guest["uuid"]]["image_id"] == "img-2"
    driver.fail_operations.add("spawn")
    agent.rebuild_instance(None, guest, "img-3")
    reports = conductor.named("instance_update")
    assert [args[3] for args, _ in reports] == [
        {"vm_state": "active", "task_state": None, "power_state": 1},
        {"vm_state": "stopped", "task_state": None, "power_state": 4},
        {"vm_state": "error", "task_state": None}]
    assert "injected" in reports[-1][1]["fault"]["message"]
    assert driver.list_instances() == []  # the failed rebuild left no old guest


def test_terminate_reports_destroyed(recorder):
    agent, driver, conductor = _agent(recorder)
    guest = instance()
    agent.build_instance(None, guest)
    del conductor.calls[:]
    agent.terminate_instance(None, guest)
    (args, kwargs), = conductor.named("instance_destroyed")
    assert args == (None, guest["uuid"], "node1")
    assert [method for method, _, _ in conductor.calls] == ["action_event",
                                                            "instance_destroyed"]
    step = kwargs["event"]
    assert (step["event"], step["result"]) == ("compute_terminate_instance", "Success")
    assert driver.list_instances() == []


def test_inventory_applies_ratios_and_reserved():
    conf = types.SimpleNamespace(compute=types.SimpleNamespace(
        cpu_allocation_ratio=4.0, ram_allocation_ratio=1.5, disk_allocation_ratio=1.0,
        reserved_host_cpus=1, reserved_host_memory_mb=512, reserved_host_disk_mb=1500))
    inventories = node.inventories(conf, fake.FakeDriver(vcpus=8, memory_mb=4096,
                                                         local_gb=100))
    assert inventories["VCPU"] == {"total": 8, "reserved": 1, "min_unit": 1,
                                   "max_unit": 8, "step_size": 1,
                                   "allocation_ratio": 4.0}
    assert inventories["MEMORY_MB"]["reserved"] == 512
    assert inventories["DISK_GB"]["reserved"] == 2  # rounded up to whole GB


def test_agent_joins_once_placement_answers_then_syncs_power(coordinator, recorder):
    from sovra_compute.cmd.agent import RunningAgent

    class FlakyPlacement:
        def __init__(self):
            self.attempts = 0
            self.inventories = None

        def ensure_provider(self, host):
            self.attempts += 1
            if self.attempts < 3:
                raise ConnectionError("placement is not up yet")
            return {"uuid": "rp"}

        def set_inventory(self, rp_uuid, inventories):
            self.inventories = inventories

        def set_traits(self, rp_uuid, traits):
            self.traits = traits

    class Stoppable:
        def stop(self):
            pass

        cleanup = stop

    conf = types.SimpleNamespace(compute=types.SimpleNamespace(
        cpu_allocation_ratio=1.0, ram_allocation_ratio=1.0, disk_allocation_ratio=1.0,
        reserved_host_cpus=0, reserved_host_memory_mb=0, reserved_host_disk_mb=0,
        sync_power_state_interval=0.05),
        image_cache=types.SimpleNamespace(manager_interval=-1))
    placement = FlakyPlacement()
    driver = fake.FakeDriver(traits=["HW_CPU_X86_AVX2"])
    guest = instance()
    driver.spawn(guest, None)
    conductor = recorder()
    agent = RunningAgent(conf, "node9", driver, placement, Stoppable(),
                         Stoppable(), coordinator, conductor)
    try:
        assert agent.joined.wait(5)
        assert placement.attempts == 3 and placement.inventories["VCPU"]["total"] == 8
        assert placement.traits == ["HW_CPU_X86_AVX2"]
        assert "node9" in coordinator.members("compute-agents")
        deadline = time.monotonic() + 5
        while not conductor.named("sync_power_states") and time.monotonic() < deadline:
            time.sleep(0.01)
        (args, _), = conductor.named("sync_power_states")[:1]
        assert args[1:] == ("node9", {guest["uuid"]: 1})
    finally:
        agent.stop()
    assert "node9" not in coordinator.members("compute-agents")


def test_agent_runs_the_image_cache_manager_at_its_interval(coordinator, recorder):
    from sovra_compute.cmd.agent import RunningAgent, image_cache_interval

    class Placement:
        def ensure_provider(self, host):
            return {"uuid": "rp"}

        def set_inventory(self, rp_uuid, inventories):
            pass

        def set_traits(self, rp_uuid, traits):
            pass

    class Stoppable:
        def stop(self):
            pass

        cleanup = stop

    class CachingDriver(fake.FakeDriver):
        def __init__(self):
            super().__init__()
            self.runs = []

        def manage_image_cache(self):
            self.runs.append(time.monotonic())
            if len(self.runs) == 1:
                raise OSError("a failing run does not stop the next ones")

    def conf(manager_interval):
        return types.SimpleNamespace(compute=types.SimpleNamespace(
            cpu_allocation_ratio=1.0, ram_allocation_ratio=1.0,
            disk_allocation_ratio=1.0, reserved_host_cpus=0, reserved_host_memory_mb=0,
            reserved_host_disk_mb=0, sync_power_state_interval=60),
            image_cache=types.SimpleNamespace(manager_interval=manager_interval))

    # upstream's meanings: 0 is the default period (60 s), -1 is never
    assert image_cache_interval(conf(0)) == 60
    assert image_cache_interval(conf(-1)) is None
    assert image_cache_interval(conf(2400)) == 2400
    driver, conductor = CachingDriver(), recorder()
    started = time.monotonic()
    agent = RunningAgent(conf(0.2), "node8", driver, Placement(), Stoppable(),
                         Stoppable(), coordinator, conductor)
    try:
        deadline = time.monotonic() + 5
        while len(driver.runs) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        agent.stop()
    assert len(driver.runs) >= 3
    assert driver.runs[0] - started >= 0.2  # a period after start, not at once
    assert all(b - a >= 0.19 for a, b in zip(driver.runs, driver.runs[1:], strict=False))
    # the power-state sync (every 60 s) ran once meanwhile: at once, on joining
    assert len(conductor.named("sync_power_states")) == 1

"""Servers end to end in a lite-mode cloud: openstacksdk and the `openstack` CLI
against real identity, placement, image and compute (conductor + two fake agents)."""

import json
import shutil
import subprocess

import openstack
import pytest
from active_servers import boot_active, delete_and_wait
from compute_cloud import HOSTS, wait_for
from members import project_member

from sovra_compute import placement_client
from sovra_compute.virt import driver as virt

OPENSTACK = shutil.which("openstack")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def _cli(cloud, *args):
    done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                          env=cloud.client_env(), timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _allocations(conn, consumer):
    resp = conn.placement.get(f"/allocations/{consumer}",
                              headers={"OpenStack-API-Version": "placement 1.28"})
    assert resp.status_code == 200, resp.text
    return resp.json()["allocations"]


def _server(conn, server_id):
    return conn.compute.get(f"/servers/{server_id}",
                            microversion="2.37").json()["server"]


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_create_list_show_delete(cloud, conn, image, flavor):
    created = json.loads(_cli(cloud, "server", "create", "--image", image.id,
                              "--flavor", "m1.tiny", "--no-network", "--wait",
                              "vm1", "-f", "json"))
    assert created["status"] == "ACTIVE"
    server_id = created["id"]
    listed = json.loads(_cli(cloud, "server", "list", "-f", "json"))
    assert [(s["Name"], s["Status"]) for s in listed] == [("vm1", "ACTIVE")]
    shown = json.loads(_cli(cloud, "server", "show", server_id, "-f", "json"))
    assert shown["OS-EXT-STS:vm_state"] == "active"
    assert shown["OS-EXT-SRV-ATTR:host"] in HOSTS
    allocations = _allocations(conn, server_id)
    assert list(allocations) == [placement_client.node_uuid(shown["OS-EXT-SRV-ATTR:host"])]
    assert allocations[next(iter(allocations))]["resources"] == {
        "VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}

    _cli(cloud, "server", "delete", "--wait", server_id)
    assert _allocations(conn, server_id) == {}
    assert json.loads(_cli(cloud, "server", "list", "-f", "json")) == []


def test_power_actions_and_console(conn, cloud, image, flavor):
    server = boot_active(conn, image, flavor, "power")
    conn.compute.stop_server(server)
    conn.compute.wait_for_server(server, status="SHUTOFF", interval=0.05, wait=20)
    shown = _server(conn, server.id)
    assert shown["OS-EXT-STS:power_state"] == virt.SHUTDOWN
    conn.compute.start_server(server)
    conn.compute.wait_for_server(server, status="ACTIVE", interval=0.05, wait=20)
    wait_for(lambda: _server(conn, server.id)["OS-EXT-STS:task_state"] is None)
    conn.compute.reboot_server(server, "HARD")
    wait_for(lambda: _server(conn, server.id)["OS-EXT-STS:task_state"] is None)
    assert _server(conn, server.id)["status"] == "ACTIVE"
    assert "fake console" in conn.compute.get_server_console_output(server)["output"]
    for argument, status in ((None, 200), ({"length": "1"}, 200), ([], 400),
                             ({"length": "last"}, 400), ({"lines": 1}, 400)):
        resp = conn.compute.post(f"/servers/{server.id}/action",
                                 json={"os-getConsoleOutput": argument})
        assert resp.status_code == status, (argument, resp.text)
    conn.compute.pause_server(server)
    conn.compute.wait_for_server(server, status="PAUSED", interval=0.05, wait=20)
    conn.compute.unpause_server(server)
    conn.compute.wait_for_server(server, status="ACTIVE", interval=0.05, wait=20)
    conn.compute.suspend_server(server)
    conn.compute.wait_for_server(server, status="SUSPENDED", interval=0.05, wait=20)
    conn.compute.resume_server(server)
    conn.compute.wait_for_server(server, status="ACTIVE", interval=0.05, wait=20)
    wait_for(lambda: _server(conn, server.id)["OS-EXT-STS:task_state"] is None)
    conn.compute.lock_server(server)
    assert _server(conn, server.id)["locked"] is True
    conn.compute.unlock_server(server)
    actions = conn.compute.get(f"/servers/{server.id}/os-instance-actions").json()
    assert [a["action"] for a in actions["instanceActions"]] == [
        "unlock", "lock", "resume", "suspend", "unpause", "pause", "reboot", "start",
        "stop", "create"]
    by_action = {a["action"]: a["request_id"] for a in actions["instanceActions"]}
    for action in ("stop", "start", "reboot", "pause", "unpause", "suspend", "resume"):
        shown = conn.compute.get(
            f"/servers/{server.id}/os-instance-actions/{by_action[action]}",
            microversion="2.84").json()["instanceAction"]
        assert [(e["event"], e["result"]) for e in shown["events"]] == [
            (f"compute_{action}_instance", "Success")], action
        assert shown["events"][0]["finish_time"] >= shown["events"][0]["start_time"]
    delete_and_wait(conn, server)


def test_failed_build_is_rescheduled_to_the_other_host(conn, cloud, image, flavor,
                                                       monkeypatch):
    tried = []

    def failing_once(driver, host):
        real = driver.spawn

        def spawn(instance, image_meta, **kwargs):
            tried.append(host)
            if len(tried) == 1:
                raise virt.VirtDriverError(reason="injected: first spawn fails")
            return real(instance, image_meta, **kwargs)
        return spawn
    for host, driver in cloud.drivers.items():
        monkeypatch.setattr(driver, "spawn", failing_once(driver, host))

    server = boot_active(conn, image, flavor, "rescheduled")
    host = _server(conn, server.id)["OS-EXT-SRV-ATTR:host"]
    assert len(tried) == 2 and tried[1] == host and tried[0] != host
    assert list(_allocations(conn, server.id)) == [placement_client.node_uuid(host)]
    assert server.id in cloud.drivers[host].list_instances()
    assert server.id not in cloud.drivers[tried[0]].list_instances()
    create = conn.compute.get(f"/servers/{server.id}/os-instance-actions").json()[
        "instanceActions"][-1]
    events = conn.compute.get(
        f"/servers/{server.id}/os-instance-actions/{create['request_id']}",
        microversion="2.84").json()["instanceAction"]["events"]
    spawns = {e["host"]: e for e in events
              if e["event"] == "compute__do_build_and_run_instance"}
    assert spawns[tried[0]]["result"] == "Error"
    assert "injected: first spawn fails" in spawns[tried[0]]["traceback"]
    assert spawns[tried[0]]["details"] == \
        "The hypervisor failed: injected: first spawn fails"
    assert spawns[host]["result"] == "Success" and spawns[host]["traceback"] is None
    delete_and_wait(conn, server)
    assert _allocations(conn, server.id) == {}


def test_every_host_failing_ends_in_error_with_a_fault(conn, cloud, image, flavor):
    for driver in cloud.drivers.values():
        driver.fail_operations.add("spawn")
    try:
        server = conn.compute.create_server(name="doomed", image_id=image.id,
                                            flavor_id=flavor.id, networks="none")
        server = conn.compute.wait_for_server(server, status="ERROR", interval=0.05,
                                              wait=20)
    finally:
        for driver in cloud.drivers.values():
            driver.fail_operations.discard("spawn")
    shown = _server(conn, server.id)
    assert shown["fault"]["code"] == 500
    assert "No valid host" in shown["fault"]["message"] or \
        "Exceeded maximum" in shown["fault"]["message"]
    assert shown["OS-EXT-SRV-ATTR:host"] is None
    assert _allocations(conn, server.id) == {}
    delete_and_wait(conn, server)


def test_services_and_a_down_agent_is_not_scheduled_to(conn, cloud, image, flavor):
    services = conn.compute.get("/os-services", microversion="2.11").json()["services"]
    assert sorted((s["binary"], s["host"], s["state"], s["status"]) for s in services) \
        == [("nova-compute", h, "up", "enabled") for h in HOSTS]
    coordinator = cloud.resources.coordinator
    coordinator.leave("compute-agents", "node2")
    try:
        services = conn.compute.get("/os-services").json()["services"]
        assert {s["host"]: s["state"] for s in services} == {"node1": "up",
                                                              "node2": "down"}
        servers = [boot_active(conn, image, flavor, f"only-node1-{i}") for i in range(2)]
        assert {_server(conn, s.id)["OS-EXT-SRV-ATTR:host"] for s in servers} == {
            "node1"}
    finally:
        coordinator.heartbeat("compute-agents", "node2", {"binary": "nova-compute"})
    for server in servers:
        conn.compute.delete_server(server)
    for server in servers:
        conn.compute.wait_for_delete(server, interval=0.05, wait=20)


def test_a_guest_of_a_server_deleted_while_its_host_was_down_is_reaped(
        conn, cloud, image, flavor):
    server = boot_active(conn, image, flavor, "deleted-while-down")
    host = _server(conn, server.id)["OS-EXT-SRV-ATTR:host"]
    agent, = [h for h in cloud.running if getattr(h, "host", None) == host]
    coordinator = cloud.resources.coordinator
    coordinator.leave("compute-agents", host)
    try:
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, interval=0.05, wait=20)
    finally:
        coordinator.heartbeat("compute-agents", host, {"binary": "nova-compute"})
    # the host was down: its guest is still there when it comes back
    assert server.id in cloud.drivers[host].list_instances()
    assert _allocations(conn, server.id) == {}
    agent.sync_power_states()  # its next report (every interval, or on an event)
    assert wait_for(lambda: server.id not in cloud.drivers[host].list_instances())


def test_hypervisors_report_placement_inventory(conn, cloud):
    hypervisors = conn.compute.get("/os-hypervisors/detail").json()["hypervisors"]
    assert sorted(h["hypervisor_hostname"] for h in hypervisors) == list(HOSTS)
    for hypervisor in hypervisors:
        assert (hypervisor["vcpus"], hypervisor["memory_mb"], hypervisor["local_gb"]) \
            == (8, 16384, 200)
        assert (hypervisor["state"], hypervisor["status"]) == ("up", "enabled")
        assert hypervisor["vcpus_used"] == 0


def test_projects_are_isolated_and_quota_is_enforced(conn, cloud, image, flavor):
    admins = boot_active(conn, image, flavor, "admins-server")
    with project_member(conn, cloud, "demo") as member:
        demo = member.conn
        conn.compute.update_quota_set(member.project.id, instances=1)
        assert list(demo.compute.servers()) == []
        with pytest.raises(openstack.exceptions.NotFoundException):
            demo.compute.get_server(admins.id)
        with pytest.raises(openstack.exceptions.ForbiddenException):
            demo.compute.create_flavor(name="mine", ram=1, vcpus=1, disk=0)
        mine = boot_active(demo, image, flavor, "demo-server")
        assert [s.id for s in demo.compute.servers()] == [mine.id]
        with pytest.raises(openstack.exceptions.ForbiddenException) as exc:
            demo.compute.create_server(name="one-too-many", image_id=image.id,
                                       flavor_id=flavor.id, networks="none")
        assert "Quota exceeded for instances: Requested 1, but already used 1 of 1 " \
            "instances" in str(exc.value)
        delete_and_wait(demo, mine)
    delete_and_wait(conn, admins)

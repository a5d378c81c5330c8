"""Cold migration (the migrate action) between the two fake-driver agents, through
openstacksdk and the openstack CLI: the server's host, the guests on each node,
placement's allocations at every stage, a migration nowhere to go, policy."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import openstack
import pytest
from active_servers import boot_active
from active_servers import delete_and_wait as _delete  # as the move tests import it
from compute_cloud import wait_for

from sovra_compute import placement_client
from sovra_compute.virt import driver as virt

OPENSTACK = shutil.which("openstack")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]
OTHER = {"node1": "node2", "node2": "node1"}


def _server(conn, server_id, mv="2.47"):
    return conn.compute.get(f"/servers/{server_id}", microversion=mv).json()["server"]


def _settled(conn, server_id, status):
    wait_for(lambda: (lambda s: s["status"] == status and
                      s["OS-EXT-STS:task_state"] is None)(_server(conn, server_id)))
    return _server(conn, server_id)


def _action(conn, server_id, body, mv="2.47"):
    return conn.compute.post(f"/servers/{server_id}/action", json=body, microversion=mv)


def _boot(conn, image, flavor, name):
    """The server once ACTIVE, and its host."""
    server = boot_active(conn, image, flavor, name)
    return server, _server(conn, server.id)["OS-EXT-SRV-ATTR:host"]


def _consumers(conn, host):
    """{consumer: resources} of the allocations against ``host``'s provider."""
    node = placement_client.node_uuid(host)
    allocations = conn.placement.get(f"/resource_providers/{node}/allocations").json()
    return {consumer: a["resources"] for consumer, a in
            allocations["allocations"].items()}


def _held(conn, host, expected):
    """Assert that the allocations against ``host``'s provider come to be
    ``expected`` ({consumer: resources}). A move's allocations change hands
    just after its server's state does (that change decides which of the move's
    late news finishes it), so a test that waited for the state waits a moment
    more for them."""
    try:
        wait_for(lambda: _consumers(conn, host) == expected, timeout=10)
    except AssertionError:
        assert _consumers(conn, host) == expected  # the difference, shown


def _guest_state(cloud, host, server_id):
    driver = cloud.drivers[host]
    if server_id not in driver.list_instances():
        return None
    return driver.get_info({"uuid": server_id}).power_state


def _moving_images(conn):
    return [i for i in conn.image.get("/images?os_hidden=true").json()["images"]
            if i["name"].startswith("migration of")]


TINY = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


def action_events(conn, server_id, action) -> list[dict]:
    """The events of the server's last ``action`` (2.84: with details)."""
    actions = conn.compute.get(f"/servers/{server_id}/os-instance-actions",
                               microversion="2.84").json()["instanceActions"]
    found = next(a for a in actions if a["action"] == action)
    return conn.compute.get(
        f"/servers/{server_id}/os-instance-actions/{found['request_id']}",
        microversion="2.84").json()["instanceAction"]["events"]


def test_sdk_migrate_then_confirm(cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "migrate-confirm")
    dest = OTHER[source]
    conn.compute.migrate_server(server)
    shown = _settled(conn, server.id, "VERIFY_RESIZE")
    assert shown["OS-EXT-SRV-ATTR:host"] == dest
    assert shown["flavor"]["original_name"] == "m1.tiny"
    # the server holds the destination, its migration the source
    _held(conn, dest, {server.id: TINY})
    (migration, resources), = _consumers(conn, source).items()
    assert migration != server.id and resources == TINY
    assert _guest_state(cloud, dest, server.id) == virt.RUNNING
    assert _guest_state(cloud, source, server.id) == virt.SHUTDOWN  # kept, stopped
    assert len(_moving_images(conn)) == 1  # the disk it travelled in
    assert _action(conn, server.id, {"confirmResize": None}).status_code == 204
    _settled(conn, server.id, "ACTIVE")
    wait_for(lambda: _guest_state(cloud, source, server.id) is None)
    assert server.id not in _consumers(conn, source) and \
        migration not in _consumers(conn, source)
    _held(conn, dest, {server.id: TINY})
    wait_for(lambda: _moving_images(conn) == [])
    actions = conn.compute.get(f"/servers/{server.id}/os-instance-actions").json()
    assert {"migrate", "confirmResize"} <= {a["action"] for a in
                                            actions["instanceActions"]}
    _delete(conn, server)
    assert server.id not in _consumers(conn, dest)


def test_migrate_to_a_host_and_the_refusals(cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "migrate-host")
    for body, mv in (({"migrate": {"host": source}}, "2.56"),
                     ({"migrate": {"host": "no-such-host"}}, "2.56"),
                     ({"migrate": {"host": OTHER[source]}}, "2.55")):
        resp = _action(conn, server.id, body, mv=mv)
        assert resp.status_code == 400, (body, mv, resp.text)
    assert _server(conn, server.id)["OS-EXT-STS:task_state"] is None
    resp = _action(conn, server.id, {"migrate": {"host": OTHER[source]}}, mv="2.56")
    assert resp.status_code == 202, resp.text
    assert _settled(conn, server.id, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"] == \
        OTHER[source]
    assert _action(conn, server.id, {"migrate": None}).status_code == 409  # resized
    assert _action(conn, server.id, {"revertResize": None}).status_code == 202
    _settled(conn, server.id, "ACTIVE")
    _delete(conn, server)


def test_a_stopped_server_migrates_stopped(cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "migrate-stopped")
    conn.compute.stop_server(server)
    _settled(conn, server.id, "SHUTOFF")
    assert _action(conn, server.id, {"migrate": None}).status_code == 202
    _settled(conn, server.id, "VERIFY_RESIZE")
    assert _guest_state(cloud, OTHER[source], server.id) == virt.SHUTDOWN
    assert _action(conn, server.id, {"confirmResize": None}).status_code == 204
    shown = _settled(conn, server.id, "SHUTOFF")
    assert shown["OS-EXT-SRV-ATTR:host"] == OTHER[source]
    _delete(conn, server)


def _set_service(conn, host, status):
    services = conn.compute.get("/os-services?binary=nova-compute",
                                microversion="2.53").json()["services"]
    service = next(s for s in services if s["host"] == host)
    resp = conn.compute.put(f"/os-services/{service['id']}", json={"status": status},
                            microversion="2.53")
    assert resp.status_code == 200, resp.text


def test_nowhere_to_go_leaves_the_server_as_it_was(cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "migrate-nowhere")
    _set_service(conn, OTHER[source], "disabled")
    try:
        assert _action(conn, server.id, {"migrate": None}).status_code == 202
        wait_for(lambda: _server(conn, server.id)["OS-EXT-STS:task_state"] is None)
    finally:
        _set_service(conn, OTHER[source], "enabled")
    shown = _server(conn, server.id)
    assert (shown["status"], shown["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", source)
    _held(conn, source, {server.id: TINY})  # nothing leaked
    assert server.id not in _consumers(conn, OTHER[source])
    assert _guest_state(cloud, source, server.id) == virt.RUNNING
    events = action_events(conn, server.id, "migrate")
    assert [(e["event"], e["result"]) for e in events] == [
        ("conductor_migrate_server", "Error")]
    assert "No valid host" in events[0]["details"]
    _delete(conn, server)


def test_a_failed_spawn_on_the_destination_goes_back(cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "migrate-fails")
    cloud.drivers[OTHER[source]].fail_operations.add("spawn")
    try:
        assert _action(conn, server.id, {"migrate": None}).status_code == 202
        shown = _settled(conn, server.id, "ACTIVE")
    finally:
        cloud.drivers[OTHER[source]].fail_operations.discard("spawn")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert _guest_state(cloud, source, server.id) == virt.RUNNING
    _held(conn, source, {server.id: TINY})
    assert server.id not in _consumers(conn, OTHER[source])
    wait_for(lambda: _moving_images(conn) == [])
    _delete(conn, server)


def test_a_failure_on_the_source_keeps_the_server_there(cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "migrate-source-fails")
    cloud.drivers[source].fail_operations.add("migrate_disk")
    try:
        assert _action(conn, server.id, {"migrate": None}).status_code == 202
        shown = _settled(conn, server.id, "ACTIVE")
    finally:
        cloud.drivers[source].fail_operations.discard("migrate_disk")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert _guest_state(cloud, source, server.id) == virt.RUNNING
    assert _guest_state(cloud, OTHER[source], server.id) is None
    _held(conn, source, {server.id: TINY})
    assert server.id not in _consumers(conn, OTHER[source])
    assert _moving_images(conn) == []
    _delete(conn, server)


def test_delete_while_verifying_leaves_nothing(cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "migrate-deleted")
    assert _action(conn, server.id, {"migrate": None}).status_code == 202
    _settled(conn, server.id, "VERIFY_RESIZE")
    _delete(conn, server)
    for host in (source, OTHER[source]):
        wait_for(lambda host=host: _guest_state(cloud, host, server.id) is None)
        _held(conn, host, {})
    wait_for(lambda: _moving_images(conn) == [])


def test_members_may_not_migrate(cloud, conn, image, flavor):
    server, _ = _boot(conn, image, flavor, "migrate-policy")
    domain = conn.identity.find_domain("Default")
    project = conn.identity.find_project("admin")
    user = conn.identity.create_user(name="migrate-demo", password="migrate-pw",
                                     domain_id=domain.id)
    conn.identity.assign_project_role_to_user(project, user,
                                              conn.identity.find_role("member"))
    member = openstack.connect(auth_url=cloud.auth_url, username="migrate-demo",
                               password="migrate-pw", project_name="admin",
                               user_domain_name="Default", project_domain_name="Default",
                               region_name="RegionOne", interface="public")
    try:
        resp = _action(member, server.id, {"migrate": None})
        assert resp.status_code == 403, resp.text
    finally:
        member.close()
        conn.identity.delete_user(user)
    assert _server(conn, server.id)["OS-EXT-STS:task_state"] is None
    _delete(conn, server)


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_migrate_revert_and_confirm(cloud, conn, image, flavor):
    def cli(*args):
        done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                              env=cloud.client_env(), timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    server, source = _boot(conn, image, flavor, "cli-migrate")
    dest = OTHER[source]
    cli("server", "migrate", "--wait", server.id)
    shown = json.loads(cli("server", "show", server.id, "-f", "json"))
    assert (shown["status"], shown["OS-EXT-SRV-ATTR:host"]) == ("VERIFY_RESIZE", dest)
    cli("server", "migrate", "revert", server.id)
    _settled(conn, server.id, "ACTIVE")
    shown = json.loads(cli("server", "show", server.id, "-f", "json"))
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert _guest_state(cloud, source, server.id) == virt.RUNNING
    assert _guest_state(cloud, dest, server.id) is None
    _held(conn, source, {server.id: TINY})  # the old allocation back
    assert server.id not in _consumers(conn, dest)
    wait_for(lambda: _moving_images(conn) == [])
    cli("--os-compute-api-version", "2.56", "server", "migrate", "--host", dest,
        "--wait", server.id)
    assert _server(conn, server.id)["OS-EXT-SRV-ATTR:host"] == dest
    cli("server", "migrate", "confirm", server.id)
    _settled(conn, server.id, "ACTIVE")
    wait_for(lambda: _guest_state(cloud, source, server.id) is None)
    _held(conn, dest, {server.id: TINY})
    _held(conn, source, {})
    _delete(conn, server)


def sovra_runner(cloud):
    """``run(*args, expect=0)``: the ``sovra`` CLI as the cloud's admin, its exit
    status checked; the finished process."""
    sovra = Path(sys.executable).parent / "sovra"
    env = dict(cloud.client_env(), XDG_CACHE_HOME=str(cloud.tmp / "sovra-cache"))

    def run(*args, expect=0):
        done = subprocess.run([str(sovra), *args], capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == expect, done.stderr
        return done
    return run


def test_sovra_cli_migrate_confirm_and_revert(cloud, conn, image, flavor):
    run = sovra_runner(cloud)
    server, source = _boot(conn, image, flavor, "sovra-migrate")
    dest = OTHER[source]
    run("server", "migrate", "--wait", server.id)
    assert _server(conn, server.id)["OS-EXT-SRV-ATTR:host"] == dest
    run("server", "migrate", "revert", "--wait", server.id)
    assert _settled(conn, server.id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == source
    _held(conn, source, {server.id: TINY})
    assert "is the server's own" in run("server", "migrate", "--host", source,
                                        server.id, expect=1).stderr
    run("server", "migrate", "--host", dest, "--wait", server.id)
    run("server", "migrate", "confirm", "--wait", server.id)
    assert _settled(conn, server.id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest
    _held(conn, dest, {server.id: TINY})
    _held(conn, source, {})
    rows = json.loads(run("server", "migration", "list", "--server", server.id,
                          "-f", "json").stdout)
    assert [(r["Type"], r["Source Compute"], r["Dest Compute"], r["Status"])
            for r in rows] == [("migration", source, dest, "confirmed"),
                               ("migration", source, dest, "reverted")]
    _delete(conn, server)

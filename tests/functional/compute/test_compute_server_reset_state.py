"""os-resetState through openstacksdk, the openstack CLI and sovra's: an admin puts a
server in ERROR or ACTIVE with no task (the database record only), including a
server left stuck in a task; members may not; a bad state is a 400."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from active_servers import boot_active, delete_and_wait
from compute_cloud import wait_for
from members import project_member

from sovra_common.db import Database
from sovra_compute.service import instance as instance_service
from sovra_compute.virt import driver as virt

OPENSTACK = shutil.which("openstack")
SOVRA = Path(sys.executable).parent / "sovra"
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def _server(conn, server_id):
    return conn.compute.get(f"/servers/{server_id}",
                            microversion="2.47").json()["server"]


def _states(conn, server_id):
    shown = _server(conn, server_id)
    return (shown["status"], shown["OS-EXT-STS:vm_state"],
            shown["OS-EXT-STS:task_state"])


def _actions(conn, server_id):
    return [a["action"] for a in conn.compute.get(
        f"/servers/{server_id}/os-instance-actions").json()["instanceActions"]]


def test_admin_resets_to_error_and_back(cloud, conn, image, flavor):
    server = boot_active(conn, image, flavor, "reset-error")
    host = _server(conn, server.id)["OS-EXT-SRV-ATTR:host"]
    conn.compute.reset_server_state(server, "error")
    assert _states(conn, server.id) == ("ERROR", "error", None)
    # the record only: the guest still runs
    assert cloud.drivers[host].get_info({"uuid": server.id}).power_state == virt.RUNNING
    conn.compute.reset_server_state(server, "active")
    assert _states(conn, server.id) == ("ACTIVE", "active", None)
    assert _actions(conn, server.id).count("resetState") == 2
    delete_and_wait(conn, server)


def test_a_stuck_task_is_cleared_and_the_server_can_be_stopped(cloud, conn, image,
                                                              flavor):
    server = boot_active(conn, image, flavor, "reset-stuck")
    # what a cold migration whose agent died leaves: a task nobody will finish
    # (written through the service layer, as the conductor would have)
    db = Database.from_url(f"sqlite:///{cloud.tmp / 'compute.db'}")
    try:
        instance_service.update(db, server.id,
                                task_state=instance_service.RESIZE_PREP)
    finally:
        db.dispose()
    assert _states(conn, server.id) == ("RESIZE", "active", "resize_prep")
    stop = conn.compute.post(f"/servers/{server.id}/action", json={"os-stop": None})
    assert stop.status_code == 409, stop.text  # stuck: no other action is taken
    conn.compute.reset_server_state(server, "active")
    assert _states(conn, server.id) == ("ACTIVE", "active", None)
    conn.compute.stop_server(server)
    wait_for(lambda: _states(conn, server.id) == ("SHUTOFF", "stopped", None))
    assert "resetState" in _actions(conn, server.id)
    delete_and_wait(conn, server)


def test_members_may_not_reset_and_bad_states_are_refused(cloud, conn, image, flavor):
    server = boot_active(conn, image, flavor, "reset-policy")
    for body in ({"os-resetState": {"state": "stopped"}}, {"os-resetState": {}},
                 {"os-resetState": None}):
        resp = conn.compute.post(f"/servers/{server.id}/action", json=body)
        assert resp.status_code == 400, body
        assert resp.json()["badRequest"]["code"] == 400
    missing = conn.compute.post("/servers/00000000-0000-0000-0000-000000000000/action",
                                json={"os-resetState": {"state": "error"}})
    assert missing.status_code == 404 and "itemNotFound" in missing.json()
    with project_member(conn, cloud, "reset-demo",
                        project=conn.identity.find_project("admin")) as member:
        resp = member.conn.compute.post(f"/servers/{server.id}/action",
                                        json={"os-resetState": {"state": "error"}})
        assert resp.status_code == 403, resp.text
        assert "forbidden" in resp.json()
    assert _states(conn, server.id) == ("ACTIVE", "active", None)
    delete_and_wait(conn, server)


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_server_set_state(cloud, conn, image, flavor):
    def cli(*args):
        done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                              env=cloud.client_env(), timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    server = boot_active(conn, image, flavor, "reset-cli")
    # (without --auto-approve, the CLI asks for a confirmation first)
    cli("server", "set", "--state", "error", "--auto-approve", server.id)
    assert _states(conn, server.id) == ("ERROR", "error", None)
    cli("server", "set", "--state", "active", "--auto-approve", server.id)
    assert _states(conn, server.id) == ("ACTIVE", "active", None)
    delete_and_wait(conn, server)


@pytest.mark.skipif(not SOVRA.exists(), reason="needs the sovra CLI installed")
def test_sovra_server_set_state(cloud, conn, image, flavor):
    env = {**cloud.client_env(), "XDG_CACHE_HOME": str(cloud.tmp / "sovra-cache")}

    def sovra(*args, expect=0):
        done = subprocess.run([str(SOVRA), *args], capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == expect, done.stderr
        return done

    server = boot_active(conn, image, flavor, "reset-sovra")
    sovra("server", "set", "--state", "error", server.id)
    assert _states(conn, server.id) == ("ERROR", "error", None)
    sovra("server", "set", "--state", "active", "reset-sovra")
    assert _states(conn, server.id) == ("ACTIVE", "active", None)
    assert "invalid choice" in sovra("server", "set", "--state", "stopped", server.id,
                                     expect=2).stderr
    delete_and_wait(conn, server)

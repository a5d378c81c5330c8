"""createImage (server snapshots) end to end with the fake driver: the API makes the
image, the agent uploads the disk into it, and the image boots a new server."""

import shutil
import subprocess

import pytest
from active_servers import boot_active, delete_and_wait
from compute_cloud import wait_for

OPENSTACK = shutil.which("openstack")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def _task_state(conn, server_id):
    return conn.compute.get(f"/servers/{server_id}", microversion="2.37").json()[
        "server"]["OS-EXT-STS:task_state"]


def test_snapshot_makes_an_active_image_that_boots(conn, cloud, image, flavor):
    server = boot_active(conn, image, flavor, "snap-source")
    resp = conn.compute.post(f"/servers/{server.id}/action", microversion="2.37",
                             json={"createImage": {"name": "snap1",
                                                   "metadata": {"purpose": "test"}}})
    assert resp.status_code == 202, resp.text
    image_id = resp.headers["Location"].rsplit("/", 1)[-1]  # before 2.45: a header
    wait_for(lambda: conn.image.get_image(image_id).status == "active")
    snap = conn.image.get_image(image_id)
    assert snap.name == "snap1" and snap.visibility == "private"
    assert snap.disk_format == "raw"  # the fake driver's disks are raw
    props = conn.image.get(f"/images/{image_id}").json()
    assert props["image_type"] == "snapshot" and props["instance_uuid"] == server.id
    assert props["base_image_ref"] == image.id and props["purpose"] == "test"
    assert snap.min_disk == 1
    assert b"".join(conn.image.download_image(snap, stream=True).iter_content(1024)) \
        .startswith(f"fake disk of {server.id}".encode())
    wait_for(lambda: _task_state(conn, server.id) is None)
    assert conn.compute.get_server(server).status == "ACTIVE"

    second = boot_active(conn, image_id, flavor, "from-snap")
    assert second.image.id == image_id
    for s in (server, second):
        delete_and_wait(conn, s)
    conn.image.delete_image(snap)


def test_snapshot_at_2_45_answers_the_image_id_and_checks_its_input(conn, image, flavor):
    latest = conn.compute.get("/", microversion=None).json()["version"]["version"]
    if tuple(map(int, latest.split("."))) < (2, 45):
        pytest.skip(f"the compute API's latest microversion is {latest}")
    server = boot_active(conn, image, flavor, "snap-245")
    for bad in ({}, {"name": ""}, {"name": "x", "metadata": {"k": 1}}, {"name": "x",
                                                                       "extra": 1}):
        resp = conn.compute.post(f"/servers/{server.id}/action", microversion="2.45",
                                 json={"createImage": bad})
        assert resp.status_code == 400, (bad, resp.text)
    resp = conn.compute.post(f"/servers/{server.id}/action", microversion="2.45",
                             json={"createImage": {"name": "snap2"}})
    assert resp.status_code == 202, resp.text
    assert "Location" not in resp.headers
    image_id = resp.json()["image_id"]
    wait_for(lambda: conn.image.get_image(image_id).status == "active")
    wait_for(lambda: _task_state(conn, server.id) is None)
    delete_and_wait(conn, server)
    conn.image.delete_image(image_id)


def test_failed_snapshot_removes_the_image_and_records_a_fault(conn, cloud, image,
                                                              flavor):
    server = boot_active(conn, image, flavor, "snap-fails")
    host = conn.compute.get(f"/servers/{server.id}").json()["server"][
        "OS-EXT-SRV-ATTR:host"]
    cloud.drivers[host].fail_operations.add("snapshot")
    try:
        resp = conn.compute.post(f"/servers/{server.id}/action", microversion="2.37",
                                 json={"createImage": {"name": "doomed"}})
        assert resp.status_code == 202
        image_id = resp.headers["Location"].rsplit("/", 1)[-1]
        wait_for(lambda: _task_state(conn, server.id) is None)
        wait_for(lambda: conn.image.find_image(image_id) is None)
        assert conn.compute.get_server(server).status == "ACTIVE"
    finally:
        cloud.drivers[host].fail_operations.discard("snapshot")
    delete_and_wait(conn, server)


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_server_image_create(cloud, conn, image, flavor):
    server = boot_active(conn, image, flavor, "snap-cli")
    done = subprocess.run([OPENSTACK, "server", "image", "create", "--name", "cli-snap",
                           "--wait", server.id, "-f", "value", "-c", "status"],
                          capture_output=True, text=True, env=cloud.client_env(),
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "active"
    snap = conn.image.find_image("cli-snap")
    delete_and_wait(conn, server)
    conn.image.delete_image(snap)

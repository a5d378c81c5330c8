"""Servers with volumes, end to end in one process: compute (fake virt driver) and
block storage (its API and a file-backend volume agent) behind real identity,
driven by openstacksdk, plain HTTP and the `openstack` CLI: attach, list, show,
detach (microversions to 2.89), the errors, a failed plug undone, volumes on
server delete, boot from a volume made from an image and from an existing one."""

import json
import shutil
import subprocess
import time

import pytest
import requests
from compute_cloud import HOSTS, start_cloud, wait_for
from members import project_member

from sovra_compute import placement_client

OPENSTACK = shutil.which("openstack")
needs_cli = pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("cloud"), block=True)
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="module")
def token(cloud):
    return cloud.admin_token()


def _api(cloud, token, method, path, version="2.1", **kwargs):
    return requests.request(method, f"{cloud.compute_url}{path}", timeout=30, headers={
        "X-Auth-Token": token, "OpenStack-API-Version": f"compute {version}"}, **kwargs)


def _active(conn, image, flavor, name, **extra):
    created = conn.compute.create_server(name=name, image_id=image.id,
                                         flavor_id=flavor.id, networks="none", **extra)
    return conn.compute.wait_for_server(created, status="ACTIVE", failures=["ERROR"],
                                        interval=0.05, wait=30)


def _volume(conn, name, size=1, **extra):
    volume = conn.block_storage.create_volume(name=name, size=size, **extra)
    return conn.block_storage.wait_for_status(volume, "available", failures=["error"],
                                              interval=0.05, wait=60)


def _status(conn, volume_id):
    return conn.block_storage.get_volume(volume_id).status


def _wait_status(conn, volume_id, status, timeout=30):
    return wait_for(lambda: _status(conn, volume_id) == status, timeout=timeout)


def _delete_server(conn, server):
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=30)


def _driver(cloud, conn, server):
    host = conn.compute.get_server(server.id).compute_host
    return cloud.drivers[host]


def test_attach_list_show_detach(cloud, conn, token, image, flavor):
    server = _active(conn, image, flavor, "attach")
    volume = _volume(conn, "data")
    started = time.monotonic()
    attachment = conn.compute.create_volume_attachment(server, volume_id=volume.id)
    assert attachment.device == "/dev/vdb" and attachment.volume_id == volume.id
    _wait_status(conn, volume.id, "in-use")
    attach_s = time.monotonic() - started
    driver = _driver(cloud, conn, server)
    assert driver.attached_volumes(server.id) == {"/dev/vdb": volume.id}
    blocked = conn.block_storage.get_volume(volume.id)
    (made,) = blocked.attachments
    assert made["server_id"] == server.id and made["host_name"] in HOSTS

    listed = list(conn.compute.volume_attachments(server))
    assert [(a.volume_id, a.device) for a in listed] == [(volume.id, "/dev/vdb")]
    shown = conn.compute.get_server(server.id)
    assert [v["id"] for v in shown.attached_volumes] == [volume.id]

    path = f"/servers/{server.id}/os-volume_attachments"
    old = _api(cloud, token, "GET", path).json()["volumeAttachments"][0]
    assert old == {"id": volume.id, "volumeId": volume.id, "serverId": server.id,
                   "device": "/dev/vdb"}
    at_79 = _api(cloud, token, "GET", f"{path}/{volume.id}", "2.79").json()
    assert at_79["volumeAttachment"]["tag"] is None
    assert at_79["volumeAttachment"]["delete_on_termination"] is False
    at_89 = _api(cloud, token, "GET", f"{path}/{volume.id}", "2.89").json()
    att = at_89["volumeAttachment"]
    assert "id" not in att and att["attachment_id"] == made["attachment_id"]
    assert att["bdm_uuid"]
    server_2_3 = _api(cloud, token, "GET", f"/servers/{server.id}", "2.3").json()
    assert server_2_3["server"]["os-extended-volumes:volumes_attached"] == [
        {"id": volume.id, "delete_on_termination": False}]
    # 2.85: delete_on_termination changes
    resp = _api(cloud, token, "PUT", f"{path}/{volume.id}", "2.85", json={
        "volumeAttachment": {"volumeId": volume.id, "delete_on_termination": True}})
    assert resp.status_code == 202, resp.text
    assert _api(cloud, token, "GET", f"{path}/{volume.id}", "2.85").json()[
        "volumeAttachment"]["delete_on_termination"] is True

    started = time.monotonic()
    conn.compute.delete_volume_attachment(server, volume.id)
    _wait_status(conn, volume.id, "available")
    detach_s = time.monotonic() - started
    assert driver.attached_volumes(server.id) == {}
    assert list(conn.compute.volume_attachments(server)) == []
    assert conn.block_storage.get_volume(volume.id).attachments == []
    started = time.monotonic()  # again: no first logins this time
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    _wait_status(conn, volume.id, "in-use")
    again_s = time.monotonic() - started
    conn.compute.delete_volume_attachment(server, volume.id)
    _wait_status(conn, volume.id, "available")
    print(f"fake driver: attach to in-use {attach_s:.2f} s (first), {again_s:.2f} s "
          f"(second), detach to available {detach_s:.2f} s")
    actions = {a.action for a in conn.compute.server_actions(server)}
    assert {"attach_volume", "detach_volume"} <= actions
    _delete_server(conn, server)
    conn.block_storage.delete_volume(volume)


def test_extend_an_attached_volume_reaches_the_guest(cloud, conn, image, flavor):
    """Block storage extends an in-use volume (3.42), then tells compute
    (volume-extended, with its service credentials); the agent has the driver
    grow the guest's disk to the volume's new size."""
    server = _active(conn, image, flavor, "extend")
    volume = _volume(conn, "grows")
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    _wait_status(conn, volume.id, "in-use")
    driver = _driver(cloud, conn, server)
    block = conn.block_storage
    resp = block.post(f"/volumes/{volume.id}/action", json={"os-extend": {
        "new_size": 2}}, headers={"OpenStack-API-Version": "volume 3.41"})
    assert resp.status_code == 400 and "3.42" in resp.text  # in-use: from 3.42
    started = time.monotonic()
    resp = block.post(f"/volumes/{volume.id}/action", json={"os-extend": {
        "new_size": 2}}, headers={"OpenStack-API-Version": "volume 3.42"})
    assert resp.status_code == 202, resp.text
    wait_for(lambda: driver.volume_sizes(server.id) == {"/dev/vdb": 2 * 1024 ** 3},
             timeout=30)
    seen = time.monotonic() - started
    shown = block.get_volume(volume.id)
    assert shown.status == "in-use" and shown.size == 2
    print(f"in-use extend -> the guest's disk grown {seen:.2f} s")
    conn.compute.delete_volume_attachment(server, volume.id)
    _wait_status(conn, volume.id, "available")
    _delete_server(conn, server)
    block.delete_volume(volume)


def test_tag_device_and_second_volume(cloud, conn, token, image, flavor):
    server = _active(conn, image, flavor, "tagged")
    first, second = _volume(conn, "t1"), _volume(conn, "t2")
    path = f"/servers/{server.id}/os-volume_attachments"
    resp = _api(cloud, token, "POST", path, "2.79", json={"volumeAttachment": {
        "volumeId": first.id, "device": "/dev/vdd", "tag": "db",
        "delete_on_termination": True}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["volumeAttachment"] == {
        "id": first.id, "volumeId": first.id, "serverId": server.id,
        "device": "/dev/vdd", "tag": "db", "delete_on_termination": True}
    _wait_status(conn, first.id, "in-use")
    resp = _api(cloud, token, "POST", path, "2.48", json={"volumeAttachment": {
        "volumeId": second.id, "tag": "x"}})
    assert resp.status_code == 400  # tag needs 2.49
    resp = _api(cloud, token, "POST", path, json={"volumeAttachment": {
        "volumeId": second.id}})
    assert resp.status_code == 200 and resp.json()["volumeAttachment"]["device"] == \
        "/dev/vdb"
    _wait_status(conn, second.id, "in-use")
    assert _driver(cloud, conn, server).attached_volumes(server.id) == {
        "/dev/vdd": first.id, "/dev/vdb": second.id}
    # the same volume again: 400; a busy device: 400
    resp = _api(cloud, token, "POST", path, json={"volumeAttachment": {
        "volumeId": second.id}})
    assert resp.status_code == 400, resp.text
    third = _volume(conn, "t3")
    resp = _api(cloud, token, "POST", path, json={"volumeAttachment": {
        "volumeId": third.id, "device": "/dev/vdd"}})
    assert resp.status_code == 400 and "in use" in resp.json()["badRequest"]["message"]
    assert _status(conn, third.id) == "available"
    # deleting the server: attachments go, delete_on_termination volumes too
    _delete_server(conn, server)
    _wait_status(conn, second.id, "available")
    wait_for(lambda: conn.block_storage.find_volume(first.id) is None, timeout=30)
    conn.block_storage.delete_volume(second)
    conn.block_storage.delete_volume(third)


def test_attach_errors(cloud, conn, token, image, flavor):
    server = _active(conn, image, flavor, "errors")
    other = _active(conn, image, flavor, "errors-2")
    path = f"/servers/{server.id}/os-volume_attachments"
    volume = _volume(conn, "busy")
    conn.compute.create_volume_attachment(other, volume_id=volume.id)
    _wait_status(conn, volume.id, "in-use")
    resp = _api(cloud, token, "POST", path, json={"volumeAttachment": {
        "volumeId": volume.id}})
    assert resp.status_code == 400, resp.text
    assert "must be 'available'" in resp.json()["badRequest"]["message"]
    missing = "0" * 8 + "-0000-4000-8000-" + "0" * 12
    resp = _api(cloud, token, "POST", path, json={"volumeAttachment": {
        "volumeId": missing}})
    assert resp.status_code == 404, resp.text
    resp = _api(cloud, token, "POST", path, json={"volumeAttachment": {
        "volumeId": "not-a-uuid"}})
    assert resp.status_code == 400
    resp = _api(cloud, token, "DELETE", f"{path}/{missing}")
    assert resp.status_code == 404
    # another project's volume is not found; nor is another project's server
    with project_member(conn, cloud, "volumes-demo") as member:
        demo = member.conn
        theirs = _volume(demo, "theirs")
        resp = _api(cloud, token, "POST", path, json={"volumeAttachment": {
            "volumeId": theirs.id}})
        # the admin sees every volume; a member of another project does not
        assert resp.status_code in (200, 404)
        if resp.status_code == 200:
            _wait_status(demo, theirs.id, "in-use")
            conn.compute.delete_volume_attachment(server, theirs.id)
            _wait_status(demo, theirs.id, "available")
        mine = _volume(conn, "mine")
        demo_server = _active(demo, image, flavor, "demo-server")
        demo_token = demo.session.get_token()
        resp = _api(cloud, demo_token, "POST",
                    f"/servers/{demo_server.id}/os-volume_attachments",
                    json={"volumeAttachment": {"volumeId": mine.id}})
        assert resp.status_code == 404, resp.text
        resp = _api(cloud, demo_token, "GET", path)
        assert resp.status_code == 404
        _delete_server(demo, demo_server)
        demo.block_storage.delete_volume(theirs)
        conn.block_storage.delete_volume(mine)
    # a server in a state that cannot take a volume: 409
    conn.compute.suspend_server(server)
    conn.compute.wait_for_server(server, status="SUSPENDED", interval=0.05, wait=20)
    fresh = _volume(conn, "fresh")
    resp = _api(cloud, token, "POST", path, json={"volumeAttachment": {
        "volumeId": fresh.id}})
    assert resp.status_code == 409, resp.text
    assert _status(conn, fresh.id) == "available"
    # a locked one too, for its non-admin owner... and the admin may override
    _delete_server(conn, server)
    _delete_server(conn, other)
    _wait_status(conn, volume.id, "available")
    for item in (volume, fresh):
        conn.block_storage.delete_volume(item)


def test_failed_plug_is_undone(cloud, conn, image, flavor):
    server = _active(conn, image, flavor, "failing")
    driver = _driver(cloud, conn, server)
    volume = _volume(conn, "unlucky")
    driver.fail_operations.add("attach_volume")
    try:
        conn.compute.create_volume_attachment(server, volume_id=volume.id)
        wait_for(lambda: list(conn.compute.volume_attachments(server)) == [])
        _wait_status(conn, volume.id, "available")
    finally:
        driver.fail_operations.discard("attach_volume")
    assert conn.block_storage.get_volume(volume.id).attachments == []
    assert driver.attached_volumes(server.id) == {}
    # the volume can be attached again, and a failed unplug keeps it attached
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    _wait_status(conn, volume.id, "in-use")
    driver.fail_operations.add("detach_volume")
    try:
        conn.compute.delete_volume_attachment(server, volume.id)
        wait_for(lambda: any(
            e.event == "compute_detach_volume" and e.result == "Error"
            for a in conn.compute.server_actions(server)
            if a.action == "detach_volume"
            for e in conn.compute.get_server_action(a.request_id, server).events or ()))
    finally:
        driver.fail_operations.discard("detach_volume")
    # the failed detach's event may be recorded before block storage is told to
    # roll the volume back from detaching
    _wait_status(conn, volume.id, "in-use")
    assert driver.attached_volumes(server.id) == {"/dev/vdb": volume.id}
    conn.compute.delete_volume_attachment(server, volume.id)
    _wait_status(conn, volume.id, "available")
    _delete_server(conn, server)
    conn.block_storage.delete_volume(volume)


def _allocations(cloud, conn, server_id):
    admin = conn.session
    resp = admin.get(f"{cloud.placement_url}/allocations/{server_id}",
                     headers={"OpenStack-API-Version": "placement 1.28"})
    return resp.json()["allocations"]


def test_boot_from_a_volume_made_from_an_image(cloud, conn, token, image, flavor):
    resp = _api(cloud, token, "POST", "/servers", "2.67", json={"server": {
        "name": "bfv", "imageRef": "", "flavorRef": flavor.id, "networks": "none",
        "block_device_mapping_v2": [{
            "source_type": "image", "destination_type": "volume", "uuid": image.id,
            "boot_index": 0, "volume_size": 1, "delete_on_termination": True}]}})
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    server = conn.compute.wait_for_server(conn.compute.get_server(server_id),
                                          status="ACTIVE", failures=["ERROR"],
                                          interval=0.05, wait=60)
    (attached,) = server.attached_volumes
    volume = conn.block_storage.get_volume(attached["id"])
    assert volume.status == "in-use" and volume.is_bootable
    assert _api(cloud, token, "GET", f"/servers/{server.id}").json()[
        "server"]["image"] == ""  # upstream's image of a volume-backed server
    (att,) = conn.compute.volume_attachments(server)
    assert att.device == "/dev/vda"
    assert _driver(cloud, conn, server).attached_volumes(server.id) == {
        "/dev/vda": volume.id}
    (allocation,) = _allocations(cloud, conn, server.id).values()
    assert "DISK_GB" not in allocation["resources"]
    assert allocation["resources"]["VCPU"] == flavor.vcpus
    # the root volume cannot be detached
    resp = _api(cloud, token, "DELETE",
                f"/servers/{server.id}/os-volume_attachments/{volume.id}")
    assert resp.status_code == 400, resp.text
    _delete_server(conn, server)
    wait_for(lambda: conn.block_storage.find_volume(volume.id) is None, timeout=30)


def test_a_refused_volume_leaves_nothing(cloud, conn, token, image, flavor):
    volume = _volume(conn, "reserved-elsewhere")
    other = _active(conn, image, flavor, "holder")
    conn.compute.create_volume_attachment(other, volume_id=volume.id)
    _wait_status(conn, volume.id, "in-use")
    before = {s.id for s in conn.compute.servers()}
    resp = _api(cloud, token, "POST", "/servers", json={"server": {
        "name": "nope", "flavorRef": flavor.id, "imageRef": "",
        "block_device_mapping_v2": [{"source_type": "volume", "uuid": volume.id,
                                     "destination_type": "volume",
                                     "boot_index": 0}]}})
    assert resp.status_code == 400, resp.text
    assert {s.id for s in conn.compute.servers()} == before
    resp = _api(cloud, token, "POST", "/servers", json={"server": {
        "name": "nope", "flavorRef": flavor.id, "imageRef": "",
        "block_device_mapping_v2": [{"source_type": "image", "uuid": image.id,
                                     "destination_type": "volume",
                                     "boot_index": 0}]}})
    assert resp.status_code == 400 and "volume_size" in resp.text
    resp = _api(cloud, token, "POST", "/servers", json={"server": {
        "name": "nope", "flavorRef": flavor.id, "imageRef": ""}})
    assert resp.status_code == 400
    _delete_server(conn, other)
    _wait_status(conn, volume.id, "available")
    conn.block_storage.delete_volume(volume)


def _cli(cloud, *args, version="2.89"):
    argv = [OPENSTACK, "--os-compute-api-version", version, *args]
    done = subprocess.run(argv, capture_output=True, text=True, env=cloud.client_env(),
                          timeout=90)
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_cli
def test_cli_boot_from_volume_add_and_remove_volume(cloud, conn, image, flavor):
    boot = conn.block_storage.create_volume(name="cli-boot", size=1,
                                            image_id=image.id)
    conn.block_storage.wait_for_status(boot, "available", failures=["error"],
                                       interval=0.05, wait=60)
    data = _volume(conn, "cli-data")
    shown = json.loads(_cli(cloud, "server", "create", "--flavor", flavor.id,
                            "--volume", boot.id, "--no-network", "--wait",
                            "cli-bfv", "-f", "json"))
    assert shown["status"] == "ACTIVE"
    server_id = shown["id"]
    assert _status(conn, boot.id) == "in-use"
    _cli(cloud, "server", "add", "volume", "--device", "/dev/vdc", server_id, data.id)
    _wait_status(conn, data.id, "in-use")
    listed = json.loads(_cli(cloud, "server", "volume", "list", server_id, "-f",
                             "json"))
    assert {(v["Volume ID"], v["Device"]) for v in listed} == {
        (boot.id, "/dev/vda"), (data.id, "/dev/vdc")}
    _cli(cloud, "server", "remove", "volume", server_id, data.id)
    _wait_status(conn, data.id, "available")
    _cli(cloud, "server", "delete", "--wait", server_id)
    _wait_status(conn, boot.id, "available")  # not delete_on_termination: kept
    for volume in (boot, data):
        conn.block_storage.delete_volume(volume)


@needs_cli
def test_cli_block_device_image_to_volume(cloud, conn, image, flavor):
    shown = json.loads(_cli(
        cloud, "server", "create", "--flavor", flavor.id, "--no-network", "--wait",
        "--block-device",
        f"uuid={image.id},source_type=image,destination_type=volume,boot_index=0,"
        "volume_size=1,delete_on_termination=true", "cli-bd", "-f", "json"))
    assert shown["status"] == "ACTIVE"
    server = conn.compute.get_server(shown["id"])
    (attached,) = server.attached_volumes
    assert attached["delete_on_termination"] is True
    _cli(cloud, "server", "delete", "--wait", server.id)
    wait_for(lambda: conn.block_storage.find_volume(attached["id"]) is None, timeout=30)


def test_placement_claims_disk_for_image_servers(cloud, conn, image, flavor):
    server = _active(conn, image, flavor, "local-disk")
    (allocation,) = _allocations(cloud, conn, server.id).values()
    assert allocation["resources"]["DISK_GB"] == flavor.disk
    assert placement_client.node_uuid(server.compute_host) in \
        _allocations(cloud, conn, server.id)
    _delete_server(conn, server)

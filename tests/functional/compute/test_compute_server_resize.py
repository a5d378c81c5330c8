"""Resize (confirm, revert) and rebuild through openstacksdk and the openstack CLI,
with the fake driver: states, flavors in the body, placement allocations."""

import json
import shutil
import subprocess

import pytest
from active_servers import boot_active, delete_and_wait
from test_compute_server_migrate import _action, _server, _settled

from sovra_compute import placement_client

OPENSTACK = shutil.which("openstack")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def small(conn):
    return conn.compute.create_flavor(name="m1.small", ram=1024, vcpus=2, disk=2, id="2")


def _allocations(conn, consumer):
    return conn.placement.get(f"/allocations/{consumer}", headers={
        "OpenStack-API-Version": "placement 1.28"}).json()["allocations"]


def _resources(conn, consumer):
    return {rp: a["resources"] for rp, a in _allocations(conn, consumer).items()}


def _usage(conn, node):
    return conn.placement.get(f"/resource_providers/{node}/usages").json()["usages"]


def test_resize_then_confirm_moves_the_allocations(conn, image, flavor, small):
    server = boot_active(conn, image, flavor, "resize-confirm")
    host = _server(conn, server.id)["OS-EXT-SRV-ATTR:host"]
    node = placement_client.node_uuid(host)
    before = _usage(conn, node)
    assert _action(conn, server.id, {"resize": {"flavorRef": "2"}}).status_code == 202
    shown = _settled(conn, server.id, "VERIFY_RESIZE")
    assert shown["flavor"]["original_name"] == "m1.small"
    assert (shown["flavor"]["vcpus"], shown["flavor"]["ram"]) == (2, 1024)
    assert shown["OS-EXT-SRV-ATTR:host"] == host  # resized on its own host
    assert _resources(conn, server.id) == {node: {"VCPU": 2, "MEMORY_MB": 1024,
                                                  "DISK_GB": 2}}
    assert _usage(conn, node)["VCPU"] == before["VCPU"] + 2  # the old one still held
    resp = _action(conn, server.id, {"confirmResize": None})
    assert resp.status_code == 204, resp.text
    _settled(conn, server.id, "ACTIVE")
    assert _usage(conn, node) == {"VCPU": before["VCPU"] + 1,
                                  "MEMORY_MB": before["MEMORY_MB"] + 512,
                                  "DISK_GB": before["DISK_GB"] + 1}
    delete_and_wait(conn, server)
    assert _allocations(conn, server.id) == {}
    assert _usage(conn, node) == {rc: n - {"VCPU": 1, "MEMORY_MB": 512,
                                           "DISK_GB": 1}[rc]
                                  for rc, n in before.items()}


def test_resize_then_revert_gives_the_old_flavor_back(conn, image, flavor, small):
    server = boot_active(conn, image, flavor, "resize-revert")
    node = placement_client.node_uuid(_server(conn, server.id)["OS-EXT-SRV-ATTR:host"])
    before = _usage(conn, node)
    _action(conn, server.id, {"resize": {"flavorRef": "2"}})
    _settled(conn, server.id, "VERIFY_RESIZE")
    during = _usage(conn, node)
    assert during["VCPU"] == before["VCPU"] + 2  # both flavors held until decided
    assert _action(conn, server.id, {"revertResize": None}).status_code == 202
    shown = _settled(conn, server.id, "ACTIVE")
    assert shown["flavor"]["original_name"] == "m1.tiny"
    after = _usage(conn, node)
    assert after == before
    delete_and_wait(conn, server)


def test_resize_refusals(conn, image, flavor, small):
    server = boot_active(conn, image, flavor, "resize-refusals")
    for body, status in (({"resize": {"flavorRef": "1"}}, 400),      # same flavor
                         ({"resize": {"flavorRef": "nope"}}, 400),
                         ({"resize": {}}, 400),
                         ({"confirmResize": None}, 400),             # not resized
                         ({"revertResize": None}, 400)):
        resp = _action(conn, server.id, body)
        assert resp.status_code == status, (body, resp.text)
    _action(conn, server.id, {"resize": {"flavorRef": "2"}})
    _settled(conn, server.id, "VERIFY_RESIZE")
    tiny_disk = conn.compute.create_flavor(name="m1.nodisk", ram=512, vcpus=1, disk=1,
                                           id="3")
    resp = _action(conn, server.id, {"resize": {"flavorRef": tiny_disk.id}})
    assert resp.status_code in (400, 409), resp.text  # waiting for confirm / smaller
    _action(conn, server.id, {"confirmResize": None})
    _settled(conn, server.id, "ACTIVE")
    resp = _action(conn, server.id, {"resize": {"flavorRef": tiny_disk.id}})
    assert resp.status_code == 400 and "smaller root disk" in resp.text
    delete_and_wait(conn, server)


def test_rebuild_replaces_image_name_key_and_user_data(conn, cloud, image, flavor):
    conn.compute.create_keypair(name="rebuild-key")
    server = boot_active(conn, image, flavor, "rebuild-me")
    other = conn.image.create_image(name="other", data=b"\1" * 1024, disk_format="raw",
                                    container_format="bare", allow_duplicates=True)
    resp = _action(conn, server.id, {"rebuild": {"imageRef": other.id, "name": "rebuilt",
                                                 "key_name": "x"}}, mv="2.53")
    assert resp.status_code == 400  # key_name is not in the rebuild body before 2.54
    resp = _action(conn, server.id, {"rebuild": {
        "imageRef": other.id, "name": "rebuilt", "key_name": "rebuild-key",
        "user_data": "aGk=", "metadata": {"k": "v"}}}, mv="2.57")
    assert resp.status_code == 202, resp.text
    assert resp.json()["server"]["status"] == "REBUILD"
    shown = _settled(conn, server.id, "ACTIVE")
    assert shown["name"] == "rebuilt" and shown["image"]["id"] == other.id
    assert shown["metadata"] == {"k": "v"}
    shown = _server(conn, server.id, mv="2.57")
    assert shown["key_name"] == "rebuild-key" and shown["OS-EXT-SRV-ATTR:user_data"] == "aGk="
    host = shown["OS-EXT-SRV-ATTR:host"]
    assert cloud.drivers[host]._guests[server.id]["image_id"] == other.id
    # a stopped server stays stopped
    conn.compute.stop_server(server)
    _settled(conn, server.id, "SHUTOFF")
    assert _action(conn, server.id, {"rebuild": {"imageRef": image.id}}).status_code == 202
    assert _settled(conn, server.id, "SHUTOFF")["image"]["id"] == image.id
    delete_and_wait(conn, server)


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_resize_confirm_and_rebuild(cloud, conn, image, flavor, small):
    def cli(*args):
        done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                              env=cloud.client_env(), timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    server = boot_active(conn, image, flavor, "cli-resize")
    cli("server", "resize", "--flavor", "m1.small", "--wait", server.id)
    assert _server(conn, server.id)["status"] == "VERIFY_RESIZE"
    cli("server", "resize", "confirm", server.id)
    _settled(conn, server.id, "ACTIVE")
    cli("server", "rebuild", "--image", image.id, "--wait", server.id)
    shown = json.loads(cli("server", "show", server.id, "-f", "json"))
    assert shown["status"] == "ACTIVE" and shown["flavor"]["original_name"] == "m1.small"
    delete_and_wait(conn, server)

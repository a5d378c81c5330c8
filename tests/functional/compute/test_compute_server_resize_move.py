"""Resize to another host: a cloud with [compute] allow_resize_to_same_host =
false (upstream's default), its two fake-driver agents, the openstack CLI and
openstacksdk; the server's host, flavor and placement's allocations."""

import json
import shutil
import subprocess

import pytest
from compute_cloud import start_cloud, wait_for
from test_compute_server_migrate import (
    OTHER,
    TINY,
    _boot,
    _consumers,
    _delete,
    _guest_state,
    _held,
    _moving_images,
    _settled,
    action_events,
)

from sovra_compute.virt import driver as virt

OPENSTACK = shutil.which("openstack")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]
SMALL = {"VCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 2}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("cloud"),
                        compute_extra="allow_resize_to_same_host = false\n")
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="module")
def small(conn):
    return conn.compute.create_flavor(name="m1.small", ram=1024, vcpus=2, disk=2, id="2")


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_resize_moves_the_server_and_confirms(cloud, conn, image, flavor, small):
    def cli(*args):
        done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                              env=cloud.client_env(), timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    server, source = _boot(conn, image, flavor, "resize-move")
    dest = OTHER[source]
    cli("server", "resize", "--flavor", "m1.small", "--wait", server.id)
    shown = json.loads(cli("server", "show", server.id, "-f", "json"))
    assert (shown["status"], shown["OS-EXT-SRV-ATTR:host"]) == ("VERIFY_RESIZE", dest)
    assert shown["flavor"]["original_name"] == "m1.small"
    _held(conn, dest, {server.id: SMALL})  # the new flavor, there
    (migration, resources), = _consumers(conn, source).items()
    assert migration != server.id and resources == TINY  # the old one, here
    info = cloud.drivers[dest].get_info({"uuid": server.id})
    assert (info.vcpus, info.memory_mb) == (2, 1024)
    cli("server", "resize", "confirm", server.id)
    _settled(conn, server.id, "ACTIVE")
    _held(conn, dest, {server.id: SMALL})
    _held(conn, source, {})
    assert _guest_state(cloud, source, server.id) is None
    _delete(conn, server)


def test_sdk_resize_revert_comes_back_with_the_old_flavor(cloud, conn, image, flavor,
                                                          small):
    server, source = _boot(conn, image, flavor, "resize-move-revert")
    dest = OTHER[source]
    conn.compute.resize_server(server, small.id)
    assert _settled(conn, server.id, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"] == dest
    conn.compute.revert_server_resize(server)
    shown = _settled(conn, server.id, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert shown["flavor"]["original_name"] == "m1.tiny"
    _held(conn, source, {server.id: TINY})
    _held(conn, dest, {})
    assert _guest_state(cloud, source, server.id) == virt.RUNNING
    assert _guest_state(cloud, dest, server.id) is None
    wait_for(lambda: _moving_images(conn) == [])
    _delete(conn, server)


def test_resize_with_the_other_host_full_is_refused(cloud, conn, image, flavor,
                                                    small):
    server, source = _boot(conn, image, flavor, "resize-move-full")
    big = conn.compute.create_flavor(name="m1.huge", ram=1024, vcpus=2, disk=400,
                                     id="9")  # more disk than a fake node has
    resp = conn.compute.post(f"/servers/{server.id}/action",
                             json={"resize": {"flavorRef": big.id}})
    assert resp.status_code == 202, resp.text
    shown = _settled(conn, server.id, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert shown["flavor"]["original_name"] == "m1.tiny"
    events = action_events(conn, server.id, "resize")
    assert [(e["event"], e["result"]) for e in events] == [
        ("conductor_migrate_server", "Error")]
    _held(conn, source, {server.id: TINY})
    _held(conn, OTHER[source], {})
    conn.compute.delete_flavor(big)
    _delete(conn, server)

"""Servers with volumes move to another host, end to end in one process: compute
(two fake-driver agents, [compute] allow_resize_to_same_host = false) and block
storage (its API and a file-backend volume agent), through openstacksdk and plain
HTTP: after a migration or a resize, a confirm, a revert, a failure on the
destination, block storage shows each volume attached to the server on the host
the server is on, the guest there has it plugged, compute's mapping names the
attachment block storage has, and placement holds nothing it should not; the
block service never sets the volume to anything but in-use while it moves."""

import contextlib

import pytest
from compute_cloud import start_cloud, wait_for
from sqlalchemy import event
from test_compute_server_migrate import (
    OTHER,
    TINY,
    _action,
    _consumers,
    _delete,
    _guest_state,
    _held,
    _moving_images,
    _server,
    _settled,
)

from sovra_block.db import models as block_models
from sovra_compute.virt import driver as virt

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("cloud"), block=True,
                        compute_extra="allow_resize_to_same_host = false\n")
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="module")
def small(conn):
    return conn.compute.create_flavor(name="m1.small", ram=1024, vcpus=2, disk=2, id="2")


def _host(conn, server_id):
    return _server(conn, server_id)["OS-EXT-SRV-ATTR:host"]


def _volume(conn, name):
    volume = conn.block_storage.create_volume(name=name, size=1)
    return conn.block_storage.wait_for_status(volume, "available", failures=["error"],
                                              interval=0.05, wait=60)


def _with_volume(conn, image, flavor, name):
    """An ACTIVE server with one more volume attached (in-use): (server, its host,
    the volume)."""
    server = conn.compute.create_server(name=name, image_id=image.id,
                                        flavor_id=flavor.id, networks="none")
    server = conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                          interval=0.05, wait=30)
    volume = _volume(conn, f"{name}-data")
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    wait_for(lambda: conn.block_storage.get_volume(volume.id).status == "in-use")
    return server, _host(conn, server.id), volume


@contextlib.contextmanager
def _statuses(volume_id):
    """Every status the block service (in this process) gives the volume while
    the block runs, in order: what its API and report endpoint write, not what
    a poll happens to see."""
    seen = []

    def record(volume, value, old, initiator):
        if volume.id == volume_id:
            seen.append(value)
    event.listen(block_models.Volume.status, "set", record)
    try:
        yield seen
    finally:
        event.remove(block_models.Volume.status, "set", record)


def _attachment_ids(conn, volume_id):
    return [a["id"] for a in conn.block_storage.get(
        f"/attachments?volume_id={volume_id}&all_tenants=1",
        microversion="3.27").json()["attachments"]]


def _attached_on(cloud, conn, server_id, volume_id, host, device="/dev/vdb"):
    """The volume is in-use, attached once, to the server on ``host``: in block
    storage, in compute's mapping (2.89: the same attachment) and in the guest
    there."""
    volume = conn.block_storage.get_volume(volume_id)
    assert volume.status == "in-use", volume.status
    (attachment,) = volume.attachments
    assert (attachment["server_id"], attachment["host_name"]) == (server_id, host)
    assert _attachment_ids(conn, volume_id) == [attachment["attachment_id"]]
    mapping = conn.compute.get(f"/servers/{server_id}/os-volume_attachments/"
                               f"{volume_id}", microversion="2.89").json()
    assert mapping["volumeAttachment"]["attachment_id"] == attachment["attachment_id"]
    assert cloud.drivers[host].attached_volumes(server_id)[device] == volume_id


def test_migrate_then_confirm_takes_the_volume_along(cloud, conn, image, flavor):
    server, source, volume = _with_volume(conn, image, flavor, "vol-confirm")
    dest = OTHER[source]
    (before,) = _attachment_ids(conn, volume.id)
    with _statuses(volume.id) as statuses:
        assert _action(conn, server.id, {"migrate": None}).status_code == 202
        shown = _settled(conn, server.id, "VERIFY_RESIZE")
        assert shown["OS-EXT-SRV-ATTR:host"] == dest
        # the attachment and its mapping news may trail the task's end by a moment
        wait_for(lambda: conn.block_storage.get_volume(volume.id).status == "in-use"
                 and _attachment_ids(conn, volume.id) != [before])
        _attached_on(cloud, conn, server.id, volume.id, dest)
    # the destination's attachment was made while the source's existed: the
    # volume stayed in-use throughout (set again by each attachment change)
    assert statuses and set(statuses) == {"in-use"}, statuses
    assert before not in _attachment_ids(conn, volume.id)
    assert _guest_state(cloud, dest, server.id) == virt.RUNNING
    assert _guest_state(cloud, source, server.id) == virt.SHUTDOWN  # kept
    assert _action(conn, server.id, {"confirmResize": None}).status_code == 204
    _settled(conn, server.id, "ACTIVE")
    wait_for(lambda: _guest_state(cloud, source, server.id) is None)
    _attached_on(cloud, conn, server.id, volume.id, dest)
    _held(conn, dest, {server.id: TINY})
    _held(conn, source, {})
    # the mapping names the live attachment: a detach frees the volume
    conn.compute.delete_volume_attachment(server, volume.id)
    wait_for(lambda: conn.block_storage.get_volume(volume.id).status == "available")
    assert conn.block_storage.get_volume(volume.id).attachments == []
    assert cloud.drivers[dest].attached_volumes(server.id) == {}
    _delete(conn, server)
    conn.block_storage.delete_volume(volume)


def test_revert_brings_the_volume_back_to_the_source(cloud, conn, image, flavor):
    server, source, volume = _with_volume(conn, image, flavor, "vol-revert")
    dest = OTHER[source]
    with _statuses(volume.id) as statuses:
        assert _action(conn, server.id, {"migrate": None}).status_code == 202
        _settled(conn, server.id, "VERIFY_RESIZE")
        wait_for(lambda: conn.block_storage.get_volume(volume.id).status == "in-use")
        _attached_on(cloud, conn, server.id, volume.id, dest)
        assert _action(conn, server.id, {"revertResize": None}).status_code == 202
        shown = _settled(conn, server.id, "ACTIVE")
        assert shown["OS-EXT-SRV-ATTR:host"] == source
        wait_for(lambda: conn.block_storage.get_volume(volume.id).attachments[0][
            "host_name"] == source and conn.block_storage.get_volume(
                volume.id).status == "in-use")
        _attached_on(cloud, conn, server.id, volume.id, source)
    assert statuses and set(statuses) == {"in-use"}, statuses  # there and back
    assert _guest_state(cloud, source, server.id) == virt.RUNNING
    assert _guest_state(cloud, dest, server.id) is None
    _held(conn, source, {server.id: TINY})
    _held(conn, dest, {})
    _delete(conn, server)
    # the server's volumes are detached when it goes: nothing is left attached
    wait_for(lambda: conn.block_storage.get_volume(volume.id).status == "available")
    conn.block_storage.delete_volume(volume)


def test_a_volume_backed_server_resizes_to_another_host(cloud, conn, image, flavor,
                                                        small):
    resp = conn.compute.post("/servers", microversion="2.67", json={"server": {
        "name": "bfv-move", "imageRef": "", "flavorRef": flavor.id,
        "networks": "none", "block_device_mapping_v2": [{
            "source_type": "image", "destination_type": "volume", "uuid": image.id,
            "boot_index": 0, "volume_size": 1, "delete_on_termination": True}]}})
    assert resp.status_code == 202, resp.text
    server = conn.compute.wait_for_server(
        conn.compute.get_server(resp.json()["server"]["id"]), status="ACTIVE",
        failures=["ERROR"], interval=0.05, wait=60)
    (root,) = server.attached_volumes
    source = _host(conn, server.id)
    dest = OTHER[source]
    _attached_on(cloud, conn, server.id, root["id"], source, device="/dev/vda")
    wait_for(lambda: _moving_images(conn) == [])  # (earlier tests' images)
    assert _action(conn, server.id, {"resize": {"flavorRef": small.id}}).status_code \
        == 202
    shown = _settled(conn, server.id, "VERIFY_RESIZE")
    assert (shown["OS-EXT-SRV-ATTR:host"], shown["flavor"]["original_name"]) == \
        (dest, "m1.small")
    assert _moving_images(conn) == []  # no disk image travelled: the root is a volume
    wait_for(lambda: conn.block_storage.get_volume(root["id"]).status == "in-use")
    _attached_on(cloud, conn, server.id, root["id"], dest, device="/dev/vda")
    # no DISK_GB for a volume-backed server, on either side
    _held(conn, dest, {server.id: {"VCPU": 2, "MEMORY_MB": 1024}})
    (migration, held), = _consumers(conn, source).items()
    assert held == {"VCPU": 1, "MEMORY_MB": 512}
    assert _action(conn, server.id, {"confirmResize": None}).status_code == 204
    _settled(conn, server.id, "ACTIVE")
    wait_for(lambda: _guest_state(cloud, source, server.id) is None)
    _attached_on(cloud, conn, server.id, root["id"], dest, device="/dev/vda")
    _held(conn, source, {})
    _delete(conn, server)
    wait_for(lambda: conn.block_storage.find_volume(root["id"]) is None, timeout=30)


def test_a_failure_on_the_destination_leaves_the_volume_on_the_source(
        cloud, conn, image, flavor):
    server, source, volume = _with_volume(conn, image, flavor, "vol-fails")
    dest = OTHER[source]
    cloud.drivers[dest].fail_operations.add("spawn")
    try:
        with _statuses(volume.id) as statuses:
            assert _action(conn, server.id, {"migrate": None}).status_code == 202
            shown = _settled(conn, server.id, "ACTIVE")
            wait_for(lambda: conn.block_storage.get_volume(volume.id).attachments[0][
                "host_name"] == source and conn.block_storage.get_volume(
                    volume.id).status == "in-use")
    finally:
        cloud.drivers[dest].fail_operations.discard("spawn")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert statuses and set(statuses) == {"in-use"}, statuses
    _attached_on(cloud, conn, server.id, volume.id, source)
    assert _guest_state(cloud, source, server.id) == virt.RUNNING
    assert _guest_state(cloud, dest, server.id) is None
    _held(conn, source, {server.id: TINY})  # nothing leaked
    _held(conn, dest, {})
    wait_for(lambda: _moving_images(conn) == [])
    _delete(conn, server)
    wait_for(lambda: conn.block_storage.get_volume(volume.id).status == "available")
    conn.block_storage.delete_volume(volume)


def test_delete_while_verifying_frees_the_volume(cloud, conn, image, flavor):
    server, source, volume = _with_volume(conn, image, flavor, "vol-deleted")
    assert _action(conn, server.id, {"migrate": None}).status_code == 202
    _settled(conn, server.id, "VERIFY_RESIZE")
    _delete(conn, server)
    # the attachment the destination made is the one the delete releases
    wait_for(lambda: conn.block_storage.get_volume(volume.id).status == "available")
    assert conn.block_storage.get_volume(volume.id).attachments == []
    for host in (source, OTHER[source]):
        wait_for(lambda host=host: _guest_state(cloud, host, server.id) is None)
        _held(conn, host, {})
    conn.block_storage.delete_volume(volume)

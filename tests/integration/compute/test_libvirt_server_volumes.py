"""Volumes of real guests: a lite-mode cloud with block storage (its API and a
file-backend volume agent whose volume directory the libvirt node shares) and a
compute agent running the libvirt driver. A volume is hot-plugged into a running
guest, which sees it (its size, its serial, the marker written into the volume's
file), sees it grow when it is extended while attached, and lets it go on detach;
a server boots from a volume made from the test image, and the volume goes with
the server."""

import glob
import os
import shutil
import tempfile
import time
import uuid

import libvirt
import pytest
from functional.compute.compute_cloud import start_cloud, wait_for
from integration.compute.guest_console import console, guest_shell
from integration.compute.libvirt_cloud import stop_with_guests, volume_status

from sovra_compute.virt.libvirt import config
from sovra_compute.virt.libvirt.driver import LibvirtDriver

READY = "sovra-test-image: ready"
MARKER = "sovra-volume-marker-42"
GiB = 1024 ** 3
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory, libvirt_uri, instances_path):
    node = f"lvv-{uuid.uuid4().hex[:6]}"
    volume_dir = tempfile.mkdtemp(prefix="sovra-volumes-", dir="/tmp")
    os.chmod(volume_dir, 0o755)  # the volume files are QEMU's to open

    def make_driver(host):
        return LibvirtDriver(host=host, connection_uri=libvirt_uri,
                             instances_path=os.path.join(instances_path, host),
                             clean_shutdown_timeout=20, volume_detach_timeout=30)
    cloud = start_cloud(tmp_path_factory.mktemp("cloud"), hosts=(node,),
                        make_driver=make_driver, block=True, volume_dir=volume_dir)
    try:
        yield cloud
    finally:
        stop_with_guests(cloud)
        shutil.rmtree(volume_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def flavor(conn):
    return conn.compute.create_flavor(name="lv.tiny", ram=256, vcpus=1, disk=1)


def disk_targets(virsh, server_id, flags=0):
    domain = virsh.lookupByName(config.domain_name(server_id))
    xml = domain.XMLDesc(flags)
    return {t for t in ("vda", "vdb", "vdc") if config.find_disk(xml, t)}


def test_hot_plug_a_volume_into_a_running_guest(cloud, conn, virsh, image, flavor):
    server = conn.compute.create_server(name="vol-guest", image_id=image.id,
                                        flavor_id=flavor.id, networks="none")
    server = conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                          interval=0.1, wait=120)
    console(conn, server, READY)
    volume = conn.block_storage.create_volume(name="data", size=1)
    conn.block_storage.wait_for_status(volume, "available", failures=["error"],
                                       interval=0.1, wait=60)
    (path,) = glob.glob(os.path.join(cloud.volume_dir, f"volume-{volume.id}.*"))
    with open(path, "r+b") as f:  # what the guest must read back
        f.write(MARKER.encode())

    started = time.monotonic()
    attachment = conn.compute.create_volume_attachment(server, volume_id=volume.id)
    assert attachment.device == "/dev/vdb"
    volume_status(conn, volume.id, "in-use")
    in_use = time.monotonic() - started
    out = console(conn, server, "sovra-test-image: disk-added vdb")
    seen = time.monotonic() - started
    line = next(x for x in out.splitlines() if "disk-added vdb" in x)
    assert f"size={GiB}" in line and f"head={MARKER}" in line
    assert f"serial={volume.id[:20]}" in line  # virtio serials hold 20 bytes
    assert disk_targets(virsh, server.id) == {"vda", "vdb"}
    assert disk_targets(virsh, server.id, libvirt.VIR_DOMAIN_XML_INACTIVE) == {
        "vda", "vdb"}  # persistent: it stays across a restart

    # extended while attached (3.42): block storage grows the file and tells
    # compute (volume-extended); the guest's kernel sees the disk at 2 GiB
    started = time.monotonic()
    resp = conn.block_storage.post(
        f"/volumes/{volume.id}/action", json={"os-extend": {"new_size": 2}},
        headers={"OpenStack-API-Version": "volume 3.42"})
    assert resp.status_code == 202, resp.text
    guest_shell(conn, virsh, server,
                "while [ $(cat /sys/block/vdb/size) -lt 4194304 ]; do sleep 0.2; "
                "done; echo vdb-grown-$(cat /sys/block/vdb/size)",
                "vdb-grown-4194304")  # 512-byte sectors
    grown = time.monotonic() - started
    domain = virsh.lookupByName(config.domain_name(server.id))
    assert domain.blockInfo("vdb", 0)[0] == 2 * GiB
    shown = conn.block_storage.get_volume(volume.id)
    assert (shown.status, shown.size) == ("in-use", 2)

    started = time.monotonic()
    conn.compute.delete_volume_attachment(server, volume.id)
    volume_status(conn, volume.id, "available")
    detached = time.monotonic() - started
    console(conn, server, "sovra-test-image: disk-removed vdb")
    assert disk_targets(virsh, server.id) == {"vda"}
    assert disk_targets(virsh, server.id, libvirt.VIR_DOMAIN_XML_INACTIVE) == {"vda"}
    print(f"\nattach -> in-use {in_use:.2f} s, -> seen by the guest {seen:.2f} s; "
          f"in-use extend -> seen by the guest {grown:.2f} s; "
          f"detach -> available {detached:.2f} s")

    # a guest that does not let the disk go (paused: it cannot answer the unplug)
    # keeps it: the detach fails after the driver's timeout, the volume in-use
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    volume_status(conn, volume.id, "in-use")
    console(conn, server, "sovra-test-image: disk-added vdb", times=2)  # free again
    driver = cloud.drivers[server.compute_host]
    driver.volume_detach_timeout = 2
    conn.compute.pause_server(server)
    conn.compute.wait_for_server(server, status="PAUSED", interval=0.1, wait=30)
    conn.compute.delete_volume_attachment(server, volume.id)

    def detach_failed():
        for action in conn.compute.server_actions(server):
            if action.action == "detach_volume":
                events = conn.compute.get_server_action(action.request_id,
                                                        server).events or ()
                if any(e.result == "Error" for e in events):
                    return events
        return None
    (event,) = wait_for(detach_failed, timeout=30, interval=0.2)
    assert "did not release vdb" in (event.get("details") or event.get("traceback"))
    assert conn.block_storage.get_volume(volume.id).status == "in-use"
    assert [a.volume_id for a in conn.compute.volume_attachments(server)] == [volume.id]
    driver.volume_detach_timeout = 30
    conn.compute.unpause_server(server)
    conn.compute.wait_for_server(server, status="ACTIVE", interval=0.1, wait=30)
    conn.compute.delete_volume_attachment(server, volume.id)  # again, now it can
    volume_status(conn, volume.id, "available")
    assert disk_targets(virsh, server.id, libvirt.VIR_DOMAIN_XML_INACTIVE) == {"vda"}

    # a stopped server takes a volume in its definition and starts with it
    conn.compute.stop_server(server)
    conn.compute.wait_for_server(server, status="SHUTOFF", interval=0.1, wait=60)
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    volume_status(conn, volume.id, "in-use")
    assert disk_targets(virsh, server.id, libvirt.VIR_DOMAIN_XML_INACTIVE) == {
        "vda", "vdb"}
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.1, wait=60)
    volume_status(conn, volume.id, "available")
    conn.block_storage.delete_volume(volume)


def test_boot_from_a_volume_made_from_the_image(cloud, conn, virsh, image, flavor):
    started = time.monotonic()
    server = conn.compute.create_server(
        name="bfv-guest", flavor_id=flavor.id, networks="none", image_id="",
        block_device_mapping=[{"source_type": "image", "destination_type": "volume",
                               "uuid": image.id, "boot_index": 0, "volume_size": 1,
                               "delete_on_termination": True}])
    server = conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                          interval=0.1, wait=180)
    active = time.monotonic() - started
    out = console(conn, server, READY)
    booted = time.monotonic() - started
    # the root disk is the 1 GiB volume (the image's own disk is 64 MiB)
    assert f"sovra-test-image: disk vda size={GiB}" in out
    (attached,) = server.attached_volumes
    volume = conn.block_storage.get_volume(attached["id"])
    assert volume.status == "in-use"
    domain = virsh.lookupByName(config.domain_name(server.id))
    root = config.find_disk(domain.XMLDesc(0), "vda")
    assert f"volume-{volume.id}" in root and volume.id in root  # source, serial
    instance_dir = os.path.join(cloud.drivers[server.compute_host].instances_path,
                                server.id)
    assert not os.path.exists(os.path.join(instance_dir, "disk"))  # no local disk
    print(f"\nboot from volume: ACTIVE {active:.1f} s, guest ready {booted:.1f} s")
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.1, wait=60)
    wait_for(lambda: conn.block_storage.find_volume(volume.id) is None, timeout=60)

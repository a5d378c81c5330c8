"""Volumes served over the network to real guests: a lite-mode cloud whose block
storage has one NBD backend (a real volume agent, its volume files in a directory
of its own that the guests' QEMU cannot even open, exported by its
qemu-storage-daemon) and a compute agent running the libvirt driver. The daemon
runs in a network namespace of its own, a storage host at 198.51.100.250 behind a
veth pair, so the compute node reaches the volume only as block storage's
connection info says: over TCP to another network host.

A volume is hot-plugged into a running guest, which sees it (size, serial, the
marker in the volume) and writes into it through its own disk driver; the bytes
are in the volume's file; the volume detaches and its export is gone. A server
boots from an NBD volume made from the test image."""

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import time
import uuid

import libvirt
import pytest
from functional.compute.compute_cloud import start_cloud, wait_for
from integration.compute.guest_console import console, guest_shell

from sovra_compute.virt.libvirt import config
from sovra_compute.virt.libvirt.driver import LibvirtDriver

READY = "sovra-test-image: ready"
MARKER = "sovra-nbd-marker-7"
GUEST_BYTES = "written-by-the-guest-over-nbd"
GiB = 1024 ** 3
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("qemu-storage-daemon"),
                       reason="needs root (libvirt, a namespace) and "
                              "qemu-storage-daemon"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


STORAGE_NET = ("198.51.100.249", "198.51.100.250")  # this host's end, the storage's


def ip(*argv, check=True):
    done = subprocess.run(["ip", *argv], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 or not check, f"ip {argv}: {done.stderr}"


@contextlib.contextmanager
def storage_host(workdir):
    """A network namespace for the storage host, reached over a veth pair; yields
    (a wrapper that runs qemu-storage-daemon in it, the address it listens on)."""
    suffix = uuid.uuid4().hex[:6]
    namespace, here, there = f"sovra-st-{suffix}", f"svst{suffix}h", f"svst{suffix}s"
    ip("netns", "add", namespace)
    try:
        ip("link", "add", here, "type", "veth", "peer", "name", there, "netns",
           namespace)
        ip("addr", "add", f"{STORAGE_NET[0]}/30", "dev", here)
        ip("link", "set", here, "up")
        ip("-n", namespace, "addr", "add", f"{STORAGE_NET[1]}/30", "dev", there)
        ip("-n", namespace, "link", "set", there, "up")
        ip("-n", namespace, "link", "set", "lo", "up")
        wrapper = workdir / "qsd-in-storage-host"
        wrapper.write_text(f"#!/bin/sh\nexec ip netns exec {namespace} "
                           f"{shutil.which('qemu-storage-daemon')} \"$@\"\n")
        wrapper.chmod(0o755)
        yield str(wrapper), STORAGE_NET[1]
    finally:
        ip("netns", "delete", namespace, check=False)  # the veth pair with it
        ip("link", "delete", here, check=False)


def stop_daemon(state_dir):
    """Kill the qemu-storage-daemon the test's volume agent started (it outlives
    the agent by design)."""
    try:
        with open(os.path.join(state_dir, "qsd.pid")) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if state_dir.encode() not in f.read():
                return  # not ours (the pid was reused)
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


@pytest.fixture(scope="module")
def cloud(tmp_path_factory, libvirt_uri, instances_path):
    node = f"lvn-{uuid.uuid4().hex[:6]}"
    storage = tmp_path_factory.mktemp("storage")  # 0700: root's, not QEMU's
    volume_dir, state_dir = storage / "volumes", storage / "nbd"
    port = 10809  # NBD's own: the storage host is a fresh namespace

    def make_driver(host):
        return LibvirtDriver(host=host, connection_uri=libvirt_uri,
                             instances_path=os.path.join(instances_path, host),
                             clean_shutdown_timeout=20, volume_detach_timeout=30)
    with storage_host(storage) as (daemon, address):
        try:
            cloud = start_cloud(
                tmp_path_factory.mktemp("cloud"), hosts=(node,),
                make_driver=make_driver, block=True, volume_dir=volume_dir,
                volume_backend=(f"volume_driver = nbd\nnbd_daemon_path = {daemon}\n"
                                f"nbd_listen_address = {address}\nnbd_port = {port}\n"
                                f"nbd_state_dir = {state_dir}\n"))
            cloud.nbd_address, cloud.nbd_port = address, port
            cloud.nbd_state_dir = str(state_dir)
            try:
                yield cloud
            finally:
                cloud.stop()
                for driver in cloud.drivers.values():
                    for leftover in driver.list_instances():
                        driver.destroy({"uuid": leftover})
                    driver.close()
        finally:  # whatever failed: the daemon does not outlive its namespace
            stop_daemon(str(state_dir))


@pytest.fixture(scope="module")
def conn(cloud):
    connection = cloud.connect()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def virsh(libvirt_uri):
    connection = libvirt.open(libvirt_uri)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def image(conn, guest_image):
    return conn.image.create_image(name="test-image", data=guest_image.read_bytes(),
                                   disk_format="qcow2", container_format="bare",
                                   visibility="public", allow_duplicates=True)


@pytest.fixture(scope="module")
def flavor(conn):
    return conn.compute.create_flavor(name="lvn.tiny", ram=256, vcpus=1, disk=1)


def volume_status(conn, volume_id, status, timeout=60):
    wait_for(lambda: conn.block_storage.get_volume(volume_id).status == status,
             timeout=timeout, interval=0.05)


def nbd_exports(cloud):
    return sorted(os.listdir(os.path.join(cloud.nbd_state_dir, "exports")))


def test_hot_plug_write_and_unplug_an_nbd_volume(cloud, conn, virsh, image, flavor):
    server = conn.compute.create_server(name="nbd-guest", image_id=image.id,
                                        flavor_id=flavor.id, networks="none")
    server = conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                          interval=0.1, wait=120)
    console(conn, server, READY)
    volume = conn.block_storage.create_volume(name="remote", size=1)
    conn.block_storage.wait_for_status(volume, "available", failures=["error"],
                                       interval=0.1, wait=60)
    (path,) = glob.glob(os.path.join(cloud.volume_dir, f"volume-{volume.id}.*"))
    with open(path, "r+b") as f:
        f.write(MARKER.encode())

    started = time.monotonic()
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    volume_status(conn, volume.id, "in-use")
    out = console(conn, server, "sovra-test-image: disk-added vdb")
    seen = time.monotonic() - started
    line = next(x for x in out.splitlines() if "disk-added vdb" in x)
    assert f"size={GiB}" in line and f"head={MARKER}" in line
    assert f"serial={volume.id[:20]}" in line
    # the guest's disk is the export over TCP, not the file
    domain = virsh.lookupByName(config.domain_name(server.id))
    disk = config.find_disk(domain.XMLDesc(0), "vdb")
    assert "protocol=\"nbd\"" in disk and f"volume-{volume.id}" in disk
    assert f'<host name="{cloud.nbd_address}" port="{cloud.nbd_port}"' in disk
    assert path not in disk
    assert nbd_exports(cloud) == [f"{volume.id}.json"]
    # an NBD export keeps the size its client connected with: no in-use extend
    resp = conn.block_storage.post(
        f"/volumes/{volume.id}/action", json={"os-extend": {"new_size": 2}},
        headers={"OpenStack-API-Version": "volume 3.42"})
    assert resp.status_code == 400 and "online_extend_support is false" in resp.text

    # the guest writes 4 KiB in; the bytes land in the volume's file
    guest_shell(conn, virsh, server,
                f"printf {GUEST_BYTES} | dd of=/dev/vdb bs=4096 seek=1 "
                "conv=sync,fsync 2>/dev/null && echo sovra-wrote-$((6*7))",
                "sovra-wrote-42")
    with open(path, "rb") as f:
        f.seek(4096)
        assert f.read(len(GUEST_BYTES)) == GUEST_BYTES.encode()

    url = f"nbd://{cloud.nbd_address}:{cloud.nbd_port}/volume-{volume.id}"
    subprocess.run(["qemu-img", "info", "-f", "raw", url], check=True,
                   capture_output=True, timeout=30)  # served while attached

    started = time.monotonic()
    conn.compute.delete_volume_attachment(server, volume.id)
    volume_status(conn, volume.id, "available")
    detached = time.monotonic() - started
    console(conn, server, "sovra-test-image: disk-removed vdb")
    assert config.find_disk(domain.XMLDesc(0), "vdb") is None
    assert nbd_exports(cloud) == []  # the export is withdrawn
    assert subprocess.run(["qemu-img", "info", "-f", "raw", url], capture_output=True,
                          timeout=30).returncode != 0
    print(f"\nnbd attach -> seen by the guest {seen:.2f} s; detach -> available "
          f"{detached:.2f} s")
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.1, wait=60)
    conn.block_storage.delete_volume(volume)


def test_boot_from_an_nbd_volume(cloud, conn, virsh, image, flavor):
    server = conn.compute.create_server(
        name="nbd-bfv", flavor_id=flavor.id, networks="none", image_id="",
        block_device_mapping=[{"source_type": "image", "destination_type": "volume",
                               "uuid": image.id, "boot_index": 0, "volume_size": 1,
                               "delete_on_termination": True}])
    server = conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                          interval=0.1, wait=180)
    out = console(conn, server, READY)
    assert f"sovra-test-image: disk vda size={GiB}" in out
    (attached,) = server.attached_volumes
    root = config.find_disk(
        virsh.lookupByName(config.domain_name(server.id)).XMLDesc(0), "vda")
    assert "protocol=\"nbd\"" in root and f"volume-{attached['id']}" in root
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.1, wait=60)
    wait_for(lambda: conn.block_storage.find_volume(attached["id"]) is None,
             timeout=60)
    assert nbd_exports(cloud) == []

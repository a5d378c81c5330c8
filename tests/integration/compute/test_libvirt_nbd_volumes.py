"""Volumes served over the network to real guests: a lite-mode cloud whose block
storage has one NBD backend (a real volume agent, its volume files in a directory
of its own that the guests' QEMU cannot even open, exported by its
qemu-storage-daemon) and two compute agents running the libvirt driver. The daemon
runs in a network namespace of its own, a storage host at 198.51.100.250 behind a
veth pair, so the compute node reaches the volume only as block storage's
connection info says: over TCP to another network host.

A volume is hot-plugged into a running guest on the first node, which sees it
(size, serial, the marker in the volume) and writes into it through its own disk
driver; the bytes are in the volume's file; the volume detaches and its export is
gone. A volume written by that guest moves to a guest on the second node, which
reads what the first one wrote. A server boots from an NBD volume made from the
test image."""

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest
from functional.compute.compute_cloud import start_cloud, wait_for
from integration.compute.guest_console import console, guest_shell
from integration.compute.libvirt_cloud import stop_with_guests, volume_status

from sovra_compute.virt.libvirt import config
from sovra_compute.virt.libvirt.driver import LibvirtDriver

READY = "sovra-test-image: ready"
MARKER = "sovra-nbd-marker-7"
GUEST_BYTES = "written-by-the-guest-over-nbd"
MOVED = "sovra-nbd-written-on-node-1"
ADDED, REMOVED = "sovra-test-image: disk-added vdb", "sovra-test-image: disk-removed vdb"
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
    nodes = (f"{node}-1", f"{node}-2")  # one libvirtd, a driver and a path each
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
                tmp_path_factory.mktemp("cloud"), hosts=nodes,
                make_driver=make_driver, block=True, volume_dir=volume_dir,
                volume_backend=(f"volume_driver = nbd\nnbd_daemon_path = {daemon}\n"
                                f"nbd_listen_address = {address}\nnbd_port = {port}\n"
                                f"nbd_state_dir = {state_dir}\n"))
            cloud.nbd_address, cloud.nbd_port = address, port
            cloud.nbd_state_dir = str(state_dir)
            cloud.nodes = nodes
            try:
                yield cloud
            finally:
                stop_with_guests(cloud)
        finally:  # whatever failed: the daemon does not outlive its namespace
            stop_daemon(str(state_dir))


@pytest.fixture(scope="module")
def flavor(conn):
    return conn.compute.create_flavor(name="lvn.tiny", ram=256, vcpus=1, disk=1)


def boot(conn, image, flavor, name, node):
    """A server of the test image placed on ``node`` (not yet ACTIVE)."""
    return conn.compute.create_server(name=name, image_id=image.id,
                                      flavor_id=flavor.id, networks="none",
                                      availability_zone=f"nova:{node}")


def running(conn, server, node):
    """``server`` once ACTIVE on ``node`` and its guest is up."""
    server = conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                          interval=0.1, wait=120)
    assert server.compute_host == node
    console(conn, server, READY)
    return server


@pytest.fixture(scope="module")
def guest(cloud, conn, image, flavor):
    """A running guest on the first node, shared by the tests that hot-plug."""
    server = boot(conn, image, flavor, "nbd-guest", cloud.nodes[0])
    yield running(conn, server, cloud.nodes[0])
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.1, wait=60)


def said(conn, server, text):
    """How many times the guest has said ``text`` (a shared guest may have said
    it before, for an earlier volume)."""
    return conn.compute.get_server_console_output(server)["output"].count(text)


def says_again(conn, server, text, before):
    """The guest's console line that says ``text`` for the ``before + 1``-th time,
    once it is there."""
    out = console(conn, server, text, times=before + 1)
    return [x for x in out.splitlines() if text in x][before]


def nbd_exports(cloud):
    return sorted(os.listdir(os.path.join(cloud.nbd_state_dir, "exports")))


def test_hot_plug_write_and_unplug_an_nbd_volume(cloud, conn, virsh, guest):
    server = guest
    volume = conn.block_storage.create_volume(name="remote", size=1)
    conn.block_storage.wait_for_status(volume, "available", failures=["error"],
                                       interval=0.1, wait=60)
    (path,) = glob.glob(os.path.join(cloud.volume_dir, f"volume-{volume.id}.*"))
    with open(path, "r+b") as f:
        f.write(MARKER.encode())

    added = said(conn, server, ADDED)
    started = time.monotonic()
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    volume_status(conn, volume.id, "in-use")
    line = says_again(conn, server, ADDED, added)
    seen = time.monotonic() - started
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

    removed = said(conn, server, REMOVED)
    started = time.monotonic()
    conn.compute.delete_volume_attachment(server, volume.id)
    volume_status(conn, volume.id, "available")
    detached = time.monotonic() - started
    says_again(conn, server, REMOVED, removed)
    assert config.find_disk(domain.XMLDesc(0), "vdb") is None
    assert nbd_exports(cloud) == []  # the export is withdrawn
    assert subprocess.run(["qemu-img", "info", "-f", "raw", url], capture_output=True,
                          timeout=30).returncode != 0
    print(f"\nnbd attach -> seen by the guest {seen:.2f} s; detach -> available "
          f"{detached:.2f} s")
    conn.block_storage.delete_volume(volume)


def test_move_an_nbd_volume_to_a_guest_on_another_node(cloud, conn, virsh, guest,
                                                       image, flavor):
    there = boot(conn, image, flavor, "nbd-guest-2", cloud.nodes[1])  # boots meanwhile
    volume = conn.block_storage.create_volume(name="moving", size=1)
    conn.block_storage.wait_for_status(volume, "available", failures=["error"],
                                       interval=0.1, wait=60)
    url = f"nbd://{cloud.nbd_address}:{cloud.nbd_port}/volume-{volume.id}"

    def attachment():
        (att,) = conn.block_storage.get_volume(volume.id).attachments
        return att["server_id"], att["host_name"]

    # on node 1: the guest writes a marker at the start of the disk
    added = said(conn, guest, ADDED)
    conn.compute.create_volume_attachment(guest, volume_id=volume.id)
    volume_status(conn, volume.id, "in-use")
    line = says_again(conn, guest, ADDED, added)
    assert f"serial={volume.id[:20]}" in line and line.endswith("head=")  # zeros
    assert attachment() == (guest.id, cloud.nodes[0])
    assert nbd_exports(cloud) == [f"{volume.id}.json"]
    guest_shell(conn, virsh, guest,
                f"printf {MOVED} | dd of=/dev/vdb bs=4096 conv=sync,fsync "
                "2>/dev/null && echo sovra-moved-$((6*7))", "sovra-moved-42")

    removed = said(conn, guest, REMOVED)
    conn.compute.delete_volume_attachment(guest, volume.id)
    volume_status(conn, volume.id, "available")
    says_again(conn, guest, REMOVED, removed)
    domain = virsh.lookupByName(config.domain_name(guest.id))
    assert config.find_disk(domain.XMLDesc(0), "vdb") is None
    assert nbd_exports(cloud) == []  # not served while unattached
    assert subprocess.run(["qemu-img", "info", "-f", "raw", url], capture_output=True,
                          timeout=30).returncode != 0

    # on node 2: another guest sees the disk with node 1's marker in it
    there = running(conn, there, cloud.nodes[1])
    added = said(conn, there, ADDED)
    started = time.monotonic()
    conn.compute.create_volume_attachment(there, volume_id=volume.id)
    volume_status(conn, volume.id, "in-use")
    line = says_again(conn, there, ADDED, added)
    seen = time.monotonic() - started
    assert f"size={GiB}" in line and f"serial={volume.id[:20]}" in line
    assert line.endswith(f"head={MOVED}")
    assert attachment() == (there.id, cloud.nodes[1])
    domain = virsh.lookupByName(config.domain_name(there.id))
    disk = config.find_disk(domain.XMLDesc(0), "vdb")
    assert "protocol=\"nbd\"" in disk and f"volume-{volume.id}" in disk
    assert f'<host name="{cloud.nbd_address}" port="{cloud.nbd_port}"' in disk
    assert nbd_exports(cloud) == [f"{volume.id}.json"]
    # (":end" marks where the disk's text stopped: the console may show the
    # marker before the line's end, so the line's end cannot tell)
    guest_shell(conn, virsh, there, "head -c 64 /dev/vdb | tr -cd a-z0-9- | "
                "sed 's/^/sovra-read:/;s/$/:end/'; echo", f"sovra-read:{MOVED}:end")

    removed = said(conn, there, REMOVED)
    conn.compute.delete_volume_attachment(there, volume.id)
    volume_status(conn, volume.id, "available")
    says_again(conn, there, REMOVED, removed)
    assert config.find_disk(domain.XMLDesc(0), "vdb") is None
    assert conn.block_storage.get_volume(volume.id).attachments == []
    assert nbd_exports(cloud) == []
    assert subprocess.run(["qemu-img", "info", "-f", "raw", url], capture_output=True,
                          timeout=30).returncode != 0
    print(f"\nnbd volume attached on the second node -> seen by its guest {seen:.2f} s")
    conn.compute.delete_server(there)
    conn.compute.wait_for_delete(there, interval=0.1, wait=60)
    conn.block_storage.delete_volume(volume)


def test_boot_from_an_nbd_volume(cloud, conn, virsh, image, flavor):
    server = conn.compute.create_server(
        name="nbd-bfv", flavor_id=flavor.id, networks="none", image_id="",
        availability_zone=f"nova:{cloud.nodes[1]}",
        block_device_mapping=[{"source_type": "image", "destination_type": "volume",
                               "uuid": image.id, "boot_index": 0, "volume_size": 1,
                               "delete_on_termination": True}])
    server = conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"],
                                          interval=0.1, wait=180)
    assert server.compute_host == cloud.nodes[1]
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

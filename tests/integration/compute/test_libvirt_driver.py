"""The libvirt driver against the host's real libvirtd and QEMU: the virt driver
conformance suite, then what only real guests show (the guest reads its config
drive (one without has none), answers the power button, a snapshot boots, events,
KVM detection)."""

import os
import shutil
import time
import uuid

import pytest
from unit.compute.virt_conformance import DriverConformance, instance

from sovra_compute.virt import driver as virt
from sovra_compute.virt.libvirt import config, host
from sovra_compute.virt.libvirt.driver import LibvirtDriver
from sovra_compute.virt.libvirt.guest import Guest

READY = "sovra-test-image: ready"
BOOT_TIMEOUT = 90


def _driver(libvirt_uri, instances_path, node=None, **kwargs):
    kwargs.setdefault("clean_shutdown_timeout", 3)
    return LibvirtDriver(host=node or f"it-{uuid.uuid4().hex[:6]}",
                         connection_uri=libvirt_uri, instances_path=instances_path,
                         **kwargs)


@pytest.fixture(scope="module")
def node_driver(libvirt_uri, instances_path):
    drv = _driver(libvirt_uri, instances_path)  # virt_type auto: the probe runs
    yield drv
    drv.close()


@pytest.fixture
def driver(node_driver):
    yield node_driver
    for uuid_ in node_driver.list_instances():  # whatever a test left running
        node_driver.destroy({"uuid": uuid_})


@pytest.fixture
def image(guest_image_source):
    return guest_image_source


def _tiny(name="guest", memory_mb=256):
    guest = instance(name)
    guest["flavor"]["memory_mb"] = memory_mb
    return guest


def wait_console(drv, guest, text, timeout=BOOT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        out = drv.get_console_output(guest)
        if text in out:
            return out
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not on the console in {timeout} s:\n"
                                 f"{out[-2000:]}")
        time.sleep(0.25)


class TestLibvirtDriver(DriverConformance):
    def make_failing(self, driver, operation):
        if operation == "spawn":  # after the disk (and config drive, if any) were made
            def broken(_instance):
                del driver.guest_config
                raise virt.VirtDriverError(reason="injected failure of spawn")
            driver.guest_config = broken
        elif operation == "power_off":
            real_lookup = driver._lookup

            class Stuck(Guest):
                def shutdown(self, timeout):
                    raise virt.VirtDriverError(reason="injected failure of power_off")

            def lookup(uuid_):
                del driver._lookup
                found = real_lookup(uuid_)
                return Stuck(found.lv, found.domain)
            driver._lookup = lookup
        else:
            raise AssertionError(f"no fault injection for {operation}")

    def test_failed_spawn_leaves_no_files(self, driver, image):
        guest = dict(_tiny(), config_drive=True)
        self.make_failing(driver, "spawn")
        with pytest.raises(virt.VirtDriverError):
            driver.spawn(guest, image)
        assert not os.path.exists(driver.instance_dir(guest["uuid"]))


def test_guest_boots_and_reads_its_config_drive(driver, image):
    guest = _tiny("Web One")
    guest["key_name"], guest["config_drive"] = "k1", True
    started = time.monotonic()
    driver.spawn(guest, image, key_data="ssh-ed25519 AAAAC3Nz k1",
                 user_data="aGVsbG8gZnJvbSB1c2VyIGRhdGEK")  # "hello from user data"
    out = wait_console(driver, guest, READY)
    print(f"spawn to ready: {time.monotonic() - started:.1f} s ({driver.virt_type})")
    assert "sovra-test-image: booted" in out
    assert f"sovra-test-image: instance-uuid={guest['uuid']}" in out
    assert "sovra-test-image: hostname=web-one" in out
    assert "sovra-test-image: public-keys=1" in out
    lines = [line.strip() for line in out.splitlines()]
    begin = lines.index("sovra-test-image: user-data-begin")
    assert lines[begin + 1:begin + 3] == ["hello from user data",
                                          "sovra-test-image: user-data-end"]
    assert f"sovra-test-image: disk vda size={1024 ** 3}" in out  # the flavor's 1 GB

    # the guest answers the power button: a clean stop, well within the timeout
    started = time.monotonic()
    driver.clean_shutdown_timeout = 30
    try:
        driver.power_off(guest)
    finally:
        driver.clean_shutdown_timeout = 3
    assert time.monotonic() - started < 20
    assert "sovra-test-image: powering off" in driver.get_console_output(guest)
    assert driver.get_info(guest).power_state == virt.SHUTDOWN

    folder = driver.instance_dir(guest["uuid"])
    assert sorted(os.listdir(folder)) == ["console.log", "disk", "disk.config"]
    driver.destroy(guest)
    assert not os.path.exists(folder)
    conn = driver._host.connection()
    assert config.domain_name(guest["uuid"]) not in [d.name() for d in
                                                     conn.listAllDomains(0)]


def test_snapshot_of_a_running_guest_boots(driver, image, tmp_path):
    guest = _tiny("snap-source")  # no config drive asked for: none
    driver.spawn(guest, image)
    out = wait_console(driver, guest, READY)
    assert "sovra-test-image: no-config-drive" in out
    assert "disk.config" not in os.listdir(driver.instance_dir(guest["uuid"]))
    domain = driver._host.connection().lookupByUUIDString(guest["uuid"])
    assert "cdrom" not in domain.XMLDesc(0)
    snapshot = tmp_path / "snap.qcow2"

    def upload(data, fmt):
        assert fmt == "qcow2"
        snapshot.write_bytes(data.read())
    driver.snapshot(guest, upload)
    assert driver.get_info(guest).power_state == virt.RUNNING
    data = snapshot.read_bytes()
    source = virt.ImageSource(
        meta={"id": f"snap-{uuid.uuid4().hex[:8]}", "disk_format": "qcow2",
              "size": len(data)},
        fetch=lambda out: out.write(data))
    second = dict(_tiny("from-snap"), config_drive=True)
    driver.spawn(second, source)
    out = wait_console(driver, second, READY)
    assert f"instance-uuid={second['uuid']}" in out


def test_nodes_sharing_a_daemon_see_only_their_guests(driver, image, libvirt_uri,
                                                      instances_path):
    other = _driver(libvirt_uri, instances_path, virt_type=driver.virt_type)
    guest = _tiny()
    driver.spawn(guest, image)
    try:
        assert guest["uuid"] in driver.list_instances()
        assert guest["uuid"] not in other.list_instances()
        with pytest.raises(virt.InstanceNotFound):
            other.get_info(guest)
        other.destroy(guest)  # not its guest: nothing happens to it
        assert driver.get_info(guest).power_state == virt.RUNNING
    finally:
        other.close()


def test_a_guest_that_shuts_itself_down_is_reported(driver, image):
    events = []
    driver.set_event_listener(events.append)
    try:
        guest = _tiny()
        driver.spawn(guest, image)
        wait_console(driver, guest, READY)
        events.clear()
        # from outside the driver (the guest's own poweroff looks the same)
        driver._host.connection().lookupByUUIDString(guest["uuid"]).shutdown()
        deadline = time.monotonic() + 30
        while driver.get_info(guest).power_state != virt.SHUTDOWN:
            assert time.monotonic() < deadline, "the guest did not power off"
            time.sleep(0.2)
        deadline = time.monotonic() + 5
        while guest["uuid"] not in events and time.monotonic() < deadline:
            time.sleep(0.05)
        assert guest["uuid"] in events
    finally:
        driver.set_event_listener(None)


def test_virt_type_is_what_really_runs(driver, image, libvirt_uri, instances_path):
    """The probe's verdict matches a real guest: under the detected type the test
    image boots; where kvm was refused, a kvm guest indeed does not."""
    assert driver.virt_type in ("kvm", "qemu")
    if driver.virt_type == "qemu" and "kvm" in driver._host.domain_types():
        forced = _driver(libvirt_uri, instances_path, virt_type="kvm")
        guest = _tiny()
        try:
            try:
                forced.spawn(guest, image)
            except virt.VirtDriverError:
                return  # QEMU itself died at start (seen: an MSR it could not set)
            time.sleep(8)
            assert READY not in forced.get_console_output(guest)
            assert forced.get_info(guest).power_state != virt.RUNNING
        finally:
            forced.destroy(guest)
            forced.close()


def test_unreachable_libvirt_is_refused_clearly(instances_path):
    with pytest.raises(host.LibvirtUnavailable, match="Is libvirtd running"):
        LibvirtDriver(host="x", connection_uri="qemu:///system?socket=/nonexistent.sock",
                      instances_path=instances_path)


def test_the_image_cache_manager_removes_only_bases_no_guest_uses(driver, image,
                                                                  libvirt_uri,
                                                                  instances_path):
    """Two guests from two images; once one is deleted, its base goes and the
    other's stays under its running guest, which boots again from it."""
    folder = os.path.join(instances_path, f"node-{uuid.uuid4().hex[:8]}")  # its own
    node = _driver(libvirt_uri, folder, virt_type=driver.virt_type,
                   unused_base_min_age=0)
    other = virt.ImageSource(meta=dict(image.meta, id=f"other-{uuid.uuid4().hex[:8]}"),
                             fetch=image.fetch)
    kept, dropped = _tiny("kept"), _tiny("dropped")
    try:
        node.spawn(kept, image)
        node.spawn(dropped, other)
        base_dir = os.path.join(folder, "_base")
        node.manage_image_cache()  # both in use: nothing goes
        assert {image.meta["id"], other.meta["id"]} <= set(os.listdir(base_dir))
        node.destroy(dropped)
        node.manage_image_cache()
        bases = set(os.listdir(base_dir))
        assert other.meta["id"] not in bases and f"{other.meta['id']}.json" not in bases
        assert image.meta["id"] in bases
        assert node.get_info(kept).power_state == virt.RUNNING
        node.power_off(kept)
        node.power_on(kept)  # QEMU opens the disk and its base again
        wait_console(node, kept, READY)
        node.destroy(kept)
        node.manage_image_cache()
        assert [name for name in os.listdir(base_dir)
                if not name.endswith(".lock")] == []
    finally:
        for guest in (kept, dropped):
            node.destroy(guest)
        node.close()
        shutil.rmtree(folder, ignore_errors=True)

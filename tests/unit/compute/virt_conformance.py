"""The virt driver contract, as tests every driver runs.

A driver's test module subclasses ``DriverConformance`` and provides the ``driver``
fixture (a driver with room for a few small guests), the ``image`` fixture (the
``ImageSource`` guests boot from, or None for a driver that needs none) and
``make_failing(driver, op)`` (so that ``op`` fails next: how is the driver's
business).
"""

import os
import shutil
import tempfile
import uuid

import pytest

from sovra_compute.virt import driver as virt

MiB = 1024 * 1024


def instance(name="guest"):
    return {"uuid": str(uuid.uuid4()), "name": name, "image_ref": None,
            "project_id": "p", "user_id": "u", "key_name": None, "metadata": {},
            "availability_zone": None,
            "flavor": {"flavorid": "1", "name": "m1.test", "vcpus": 1, "memory_mb": 128,
                       "root_gb": 1, "ephemeral_gb": 0, "swap": 0}}


def file_volume(path, fmt="raw", volume_id=None) -> dict:
    """Block storage's connection info of a file volume at ``path``."""
    return {"driver_volume_type": "file", "attachment_id": str(uuid.uuid4()),
            "data": {"path": path, "format": fmt, "access_mode": "rw",
                     "volume_id": volume_id or str(uuid.uuid4())}}


class DriverConformance:
    def make_failing(self, driver, operation):
        raise NotImplementedError

    @pytest.fixture
    def volume_dir(self):
        """A directory for volume files that a hypervisor's own user can reach."""
        path = tempfile.mkdtemp(prefix="sovra-volumes-", dir="/tmp")
        os.chmod(path, 0o755)
        yield path
        shutil.rmtree(path, ignore_errors=True)

    @pytest.fixture
    def volume(self, volume_dir):
        """Connection info of a blank 1 MiB raw volume."""
        path = os.path.join(volume_dir, "volume-data")
        with open(path, "wb") as f:
            f.truncate(MiB)
        os.chmod(path, 0o666)
        return file_volume(path)

    def test_volume_on_a_stopped_guest_goes_with_it(self, driver, image, volume):
        guest = instance()
        driver.spawn(guest, image)
        driver.power_off(guest)
        driver.attach_volume(guest, volume, "/dev/vdb")
        with pytest.raises(virt.VirtDriverError):
            driver.attach_volume(guest, volume, "/dev/vdb")  # the device is taken
        driver.power_on(guest)
        assert driver.get_info(guest).power_state == virt.RUNNING
        driver.power_off(guest)
        driver.detach_volume(guest, volume, "/dev/vdb")
        driver.detach_volume(guest, volume, "/dev/vdb")  # not plugged: fine
        driver.power_on(guest)
        assert driver.get_info(guest).power_state == virt.RUNNING

    def test_volume_errors(self, driver, image, volume):
        with pytest.raises(virt.InstanceNotFound):
            driver.attach_volume(instance(), volume, "/dev/vdb")
        driver.detach_volume(instance(), volume, "/dev/vdb")  # no guest: fine
        guest = instance()
        driver.spawn(guest, image)
        with pytest.raises(virt.VirtDriverError):
            driver.attach_volume(guest, {"driver_volume_type": "carrier-pigeon",
                                         "data": {}}, "/dev/vdb")
        assert driver.get_info(guest).power_state == virt.RUNNING

    def test_extend_a_plugged_volume(self, driver, image, volume):
        guest = instance()
        driver.spawn(guest, image)
        with pytest.raises(virt.VirtDriverError):
            driver.extend_volume(guest, volume, "/dev/vdb", 2 * MiB)  # not plugged
        driver.attach_volume(guest, volume, "/dev/vdb")
        with open(volume["data"]["path"], "r+b") as f:
            f.truncate(2 * MiB)  # block storage grew it
        driver.extend_volume(guest, volume, "/dev/vdb", 2 * MiB)
        with pytest.raises(virt.VirtDriverError):
            driver.extend_volume(guest, volume, "/dev/vdb", MiB)  # never shrinks
        driver.extend_volume(guest, volume, "/dev/vdb", 2 * MiB)  # again: fine
        assert driver.get_info(guest).power_state == virt.RUNNING
        with pytest.raises(virt.InstanceNotFound):
            driver.extend_volume(instance(), volume, "/dev/vdb", 2 * MiB)

    def test_boot_from_a_volume(self, driver, image, volume_dir):
        path = os.path.join(volume_dir, "volume-boot")
        fmt = "raw"
        with open(path, "wb") as f:
            if image is not None:
                image.fetch(f)
                fmt = image.meta["disk_format"]
        os.chmod(path, 0o666)
        guest = dict(instance(), block_devices=[{
            "device_name": "/dev/vda", "boot_index": 0,
            "connection_info": file_volume(path, fmt)}])
        driver.spawn(guest, None)
        assert driver.get_info(guest).power_state == virt.RUNNING
        driver.power_off(guest)
        driver.power_on(guest)
        assert driver.get_info(guest).power_state == virt.RUNNING
        driver.destroy(guest)
        assert os.path.exists(path)  # the volume is not the guest's to remove

    def test_is_a_virt_driver(self, driver):
        assert isinstance(driver, virt.VirtDriver)

    def test_inventory_has_the_standard_classes(self, driver):
        inventory = driver.get_inventory()
        assert set(inventory) == {"VCPU", "MEMORY_MB", "DISK_GB"}
        assert all(isinstance(v, int) and v > 0 for v in inventory.values())

    def test_spawn_runs_the_guest(self, driver, image):
        guest = instance()
        driver.spawn(guest, image)
        assert guest["uuid"] in driver.list_instances()
        info = driver.get_info(guest)
        assert info.power_state == virt.RUNNING
        assert info.vcpus == 1 and info.memory_mb == 128
        assert isinstance(driver.get_console_output(guest), str)

    def test_failed_spawn_leaves_nothing(self, driver, image):
        guest = instance()
        self.make_failing(driver, "spawn")
        with pytest.raises(virt.VirtDriverError):
            driver.spawn(guest, image)
        assert guest["uuid"] not in driver.list_instances()
        with pytest.raises(virt.InstanceNotFound):
            driver.get_info(guest)

    def test_power_cycle(self, driver, image):
        guest = instance()
        driver.spawn(guest, image)
        driver.power_off(guest)
        assert driver.get_info(guest).power_state == virt.SHUTDOWN
        driver.power_off(guest)  # idempotent
        driver.power_on(guest)
        assert driver.get_info(guest).power_state == virt.RUNNING
        driver.power_on(guest)  # idempotent
        for reboot_type in ("SOFT", "HARD"):
            driver.reboot(guest, reboot_type)
            assert driver.get_info(guest).power_state == virt.RUNNING

    def test_pause_and_suspend(self, driver, image):
        guest = instance()
        driver.spawn(guest, image)
        driver.pause(guest)
        assert driver.get_info(guest).power_state == virt.PAUSED
        driver.unpause(guest)
        assert driver.get_info(guest).power_state == virt.RUNNING
        driver.suspend(guest)
        assert driver.get_info(guest).power_state == virt.SUSPENDED
        with pytest.raises(virt.VirtDriverError):
            driver.unpause(guest)  # not paused
        driver.resume(guest)
        assert driver.get_info(guest).power_state == virt.RUNNING

    def test_failed_power_off_keeps_the_state(self, driver, image):
        guest = instance()
        driver.spawn(guest, image)
        self.make_failing(driver, "power_off")
        with pytest.raises(virt.VirtDriverError):
            driver.power_off(guest)
        assert driver.get_info(guest).power_state == virt.RUNNING

    def test_destroy_removes_and_is_idempotent(self, driver, image):
        guest = instance()
        driver.spawn(guest, image)
        driver.destroy(guest)
        assert guest["uuid"] not in driver.list_instances()
        driver.destroy(guest)  # not there: still fine

    def test_operations_on_a_missing_guest(self, driver):
        guest = instance()
        for operation in (driver.get_info, driver.power_on, driver.power_off,
                          driver.reboot, driver.get_console_output, driver.pause,
                          driver.unpause, driver.suspend, driver.resume):
            with pytest.raises(virt.InstanceNotFound):
                operation(guest)

    def test_snapshot_uploads_a_standalone_image(self, driver, image):
        guest = instance()
        driver.spawn(guest, image)
        uploads = []
        driver.snapshot(guest, lambda data, fmt: uploads.append((data.read(), fmt)))
        (data, fmt), = uploads
        assert fmt in ("qcow2", "raw") and len(data) > 0
        assert driver.get_info(guest).power_state == virt.RUNNING  # kept running
        with pytest.raises(virt.InstanceNotFound):
            driver.snapshot(instance(), lambda data, fmt: None)

    def test_migrate_disk_stops_the_guest_and_hands_its_disk_over(self, driver, image):
        """The source's half of a move to another host; the kept guest may start
        again (a revert) or go (a confirm)."""
        guest = instance()
        driver.spawn(guest, image)
        uploads = []
        driver.migrate_disk_and_power_off(
            guest, lambda data, fmt: uploads.append((data.read(), fmt)))
        (data, fmt), = uploads
        assert fmt in ("qcow2", "raw") and len(data) > 0
        assert driver.get_info(guest).power_state == virt.SHUTDOWN  # kept, stopped
        driver.power_on(guest)
        assert driver.get_info(guest).power_state == virt.RUNNING
        driver.destroy(guest)
        assert guest["uuid"] not in driver.list_instances()
        # the destination spawns from the disk (on another node it keeps the uuid)
        moved = instance("moved")
        driver.spawn(moved, virt.ImageSource(
            meta={"id": f"moved-{uuid.uuid4().hex[:8]}", "disk_format": fmt,
                  "size": len(data)},
            fetch=lambda out: out.write(data)))
        assert driver.get_info(moved).power_state == virt.RUNNING
        driver.destroy(moved)
        with pytest.raises(virt.InstanceNotFound):
            driver.migrate_disk_and_power_off(instance(), lambda data, fmt: None)

    def test_traits_are_names(self, driver):
        assert all(isinstance(t, str) and t.isupper() for t in driver.get_traits())

    def test_rebuild_gives_a_fresh_running_guest(self, driver, image):
        guest = instance()
        driver.spawn(guest, image)
        driver.power_off(guest)
        driver.rebuild(guest, image)
        assert guest["uuid"] in driver.list_instances()
        assert driver.get_info(guest).power_state == virt.RUNNING

    def test_resize_confirm_and_revert(self, driver, image):
        guest = instance()
        driver.spawn(guest, image)
        old = dict(guest["flavor"])
        bigger = dict(old, flavorid="2", vcpus=2, memory_mb=192, root_gb=2)
        driver.resize(guest, bigger)
        info = driver.get_info(guest)
        assert (info.power_state, info.vcpus, info.memory_mb) == (virt.RUNNING, 2, 192)
        driver.revert_resize(dict(guest, flavor=bigger), old)
        info = driver.get_info(guest)
        assert (info.power_state, info.vcpus, info.memory_mb) == (virt.RUNNING, 1, 128)
        driver.power_off(guest)
        driver.resize(guest, bigger)  # a stopped guest stays stopped
        assert driver.get_info(guest).power_state == virt.SHUTDOWN
        driver.confirm_resize(dict(guest, flavor=bigger))
        driver.confirm_resize(dict(guest, flavor=bigger))  # nothing kept: fine
        assert driver.get_info(guest).vcpus == 2
        smaller = dict(bigger, root_gb=1)
        with pytest.raises(virt.VirtDriverError):
            driver.resize(dict(guest, flavor=bigger), smaller)
        assert driver.get_info(guest).vcpus == 2

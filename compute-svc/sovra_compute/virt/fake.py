"""The fake driver: guests in memory, with fault injection. For tests and for
simulating many nodes in one process; never for real workloads."""

import io
import threading

from sovra_compute.virt import driver

OPERATIONS = ("spawn", "destroy", "reboot", "power_on", "power_off", "pause", "unpause",
              "suspend", "resume", "snapshot", "resize", "migrate_disk", "attach_volume",
              "detach_volume", "extend_volume", "attach_interface",
              "detach_interface")


class FakeDriver(driver.VirtDriver):
    def __init__(self, *, vcpus=8, memory_mb=16384, local_gb=200, fail_operations=(),
                 spawn_delay=0.0, destroy_delay=0.0, traits=()):
        unknown = set(fail_operations) - set(OPERATIONS)
        if unknown:
            raise ValueError(f"unknown fake driver operations: {sorted(unknown)}")
        self._inventory = {"VCPU": vcpus, "MEMORY_MB": memory_mb, "DISK_GB": local_gb}
        #: operations that raise VirtDriverError; tests may change it at any time
        self.fail_operations = set(fail_operations)
        self.spawn_delay = spawn_delay
        self.destroy_delay = destroy_delay
        self._traits = list(traits)
        self._guests: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @classmethod
    def from_conf(cls, conf):
        opts = conf.fake_driver
        return cls(vcpus=opts.vcpus, memory_mb=opts.memory_mb, local_gb=opts.local_gb,
                   fail_operations=opts.fail_operations, spawn_delay=opts.spawn_delay,
                   destroy_delay=opts.destroy_delay)

    def _maybe_fail(self, operation):
        if operation in self.fail_operations:
            raise driver.VirtDriverError(reason=f"injected failure of {operation}")

    def _guest(self, instance):
        guest = self._guests.get(instance["uuid"])
        if guest is None:
            raise driver.InstanceNotFound(uuid=instance["uuid"])
        return guest

    def get_inventory(self):
        return dict(self._inventory)

    def get_traits(self):
        return list(self._traits)

    def list_instances(self):
        with self._lock:
            return list(self._guests)

    def spawn(self, instance, image, *, key_data=None, user_data=None):
        if self.spawn_delay:
            self._stop.wait(self.spawn_delay)
        self._maybe_fail("spawn")  # nothing was created yet: nothing to clean up
        flavor = instance["flavor"]
        volumes = {b["device_name"]: b["connection_info"]
                   for b in instance.get("block_devices") or ()
                   if b.get("connection_info")}
        with self._lock:
            self._guests[instance["uuid"]] = {
                "power_state": driver.RUNNING, "vcpus": flavor["vcpus"],
                "memory_mb": flavor["memory_mb"], "volumes": volumes,
                "vifs": [dict(v) for v in instance.get("network_info") or ()],
                "image_id": image.meta.get("id") if image else None,
                "config_drive": bool(instance.get("config_drive")),
                "console": f"fake console of {instance['name']}\nlogin: \n"}

    def resize(self, instance, flavor):
        with self._lock:
            guest = self._guest(instance)
            self._maybe_fail("resize")
            old = instance["flavor"]
            if not _volume_backed(instance) and flavor.get("root_gb", 0) < old.get("root_gb", 0):
                raise driver.VirtDriverError(reason="a root disk cannot shrink")
            guest["resize_backup"] = (guest["vcpus"], guest["memory_mb"])
            guest["vcpus"], guest["memory_mb"] = flavor["vcpus"], flavor["memory_mb"]

    def migrate_disk_and_power_off(self, instance, upload):
        """The guest stops; its 'disk' (the snapshot's bytes) goes to ``upload``."""
        with self._lock:
            guest = self._guest(instance)
            self._maybe_fail("migrate_disk")
            guest["power_state"] = driver.SHUTDOWN
        if not _volume_backed(instance):
            self.snapshot(instance, upload)

    def confirm_resize(self, instance):
        with self._lock:
            self._guest(instance).pop("resize_backup", None)

    def revert_resize(self, instance, flavor):
        with self._lock:
            guest = self._guest(instance)
            guest.pop("resize_backup", None)
            guest["vcpus"], guest["memory_mb"] = flavor["vcpus"], flavor["memory_mb"]

    def destroy(self, instance):
        if self.destroy_delay:
            self._stop.wait(self.destroy_delay)
        self._maybe_fail("destroy")
        with self._lock:
            self._guests.pop(instance["uuid"], None)

    def reboot(self, instance, reboot_type="SOFT"):
        with self._lock:
            guest = self._guest(instance)
            self._maybe_fail("reboot")
            guest["power_state"] = driver.RUNNING

    def power_off(self, instance):
        with self._lock:
            guest = self._guest(instance)
            self._maybe_fail("power_off")
            guest["power_state"] = driver.SHUTDOWN

    def power_on(self, instance):
        with self._lock:
            guest = self._guest(instance)
            self._maybe_fail("power_on")
            guest["power_state"] = driver.RUNNING

    def _transition(self, instance, operation, required, new_state):
        with self._lock:
            guest = self._guest(instance)
            if guest["power_state"] not in required:
                raise driver.VirtDriverError(
                    reason=f"cannot {operation} a guest in power state "
                           f"{guest['power_state']}")
            self._maybe_fail(operation)
            guest["power_state"] = new_state

    def pause(self, instance):
        self._transition(instance, "pause", (driver.RUNNING,), driver.PAUSED)

    def unpause(self, instance):
        self._transition(instance, "unpause", (driver.PAUSED,), driver.RUNNING)

    def suspend(self, instance):
        self._transition(instance, "suspend", (driver.RUNNING,), driver.SUSPENDED)

    def resume(self, instance):
        self._transition(instance, "resume", (driver.SUSPENDED,), driver.RUNNING)

    def get_info(self, instance):
        with self._lock:
            guest = self._guest(instance)
            return driver.InstanceInfo(guest["power_state"], guest["vcpus"],
                                       guest["memory_mb"])

    def get_console_output(self, instance):
        with self._lock:
            return self._guest(instance)["console"]

    def attach_volume(self, instance, connection_info, device_name):
        with self._lock:
            guest = self._guest(instance)
            self._maybe_fail("attach_volume")
            if connection_info.get("driver_volume_type") not in ("file", "nbd", "fake"):
                raise driver.VirtDriverError(
                    reason="unsupported volume connection type "
                           f"{connection_info.get('driver_volume_type')}")
            if device_name in guest["volumes"]:
                raise driver.VirtDriverError(reason=f"{device_name} is in use")
            guest["volumes"][device_name] = connection_info

    def detach_volume(self, instance, connection_info, device_name):
        with self._lock:
            guest = self._guests.get(instance["uuid"])
            if guest is None:
                return
            self._maybe_fail("detach_volume")
            guest["volumes"].pop(device_name, None)
            guest.get("volume_sizes", {}).pop(device_name, None)

    def extend_volume(self, instance, connection_info, device_name, new_size):
        with self._lock:
            guest = self._guest(instance)
            self._maybe_fail("extend_volume")
            if device_name not in guest["volumes"]:
                raise driver.VirtDriverError(reason=f"no volume at {device_name}")
            sizes = guest.setdefault("volume_sizes", {})
            if new_size < sizes.get(device_name, 0):
                raise driver.VirtDriverError(
                    reason=f"{device_name} cannot shrink from {sizes[device_name]} "
                           f"to {new_size} bytes")
            sizes[device_name] = new_size

    def volume_sizes(self, instance_uuid: str) -> dict:
        """``{device name: bytes}`` the guest was told its volumes grew to
        (tests)."""
        with self._lock:
            guest = self._guests.get(instance_uuid) or {}
            return dict(guest.get("volume_sizes") or {})

    def attached_volumes(self, instance_uuid: str) -> dict:
        """``{device name: volume id}`` of the guest's plugged volumes (tests)."""
        with self._lock:
            guest = self._guests.get(instance_uuid) or {"volumes": {}}
            return {device: info.get("data", {}).get("volume_id")
                    for device, info in guest["volumes"].items()}

    def attach_interface(self, instance, vif):
        with self._lock:
            guest = self._guest(instance)
            self._maybe_fail("attach_interface")
            if any(v["mac"] == vif["mac"] for v in guest["vifs"]):
                raise driver.VirtDriverError(reason=f"MAC {vif['mac']} is in use")
            guest["vifs"].append(dict(vif))

    def detach_interface(self, instance, vif):
        with self._lock:
            guest = self._guests.get(instance["uuid"])
            if guest is None:
                return
            self._maybe_fail("detach_interface")
            guest["vifs"] = [v for v in guest["vifs"] if v["mac"] != vif["mac"]]

    def plugged_vifs(self, instance_uuid: str) -> list[dict]:
        """The VIFs the guest was spawned with (tests); none if it is not here."""
        with self._lock:
            guest = self._guests.get(instance_uuid) or {"vifs": []}
            return [dict(v) for v in guest["vifs"]]

    def has_config_drive(self, instance_uuid: str) -> bool | None:
        """Whether the guest was spawned with a config drive (tests); None if it
        is not here."""
        with self._lock:
            guest = self._guests.get(instance_uuid)
            return None if guest is None else guest["config_drive"]

    def snapshot(self, instance, upload):
        with self._lock:
            guest = self._guest(instance)
            self._maybe_fail("snapshot")
            data = f"fake disk of {instance['uuid']} from {guest['image_id']}\n"
        upload(io.BytesIO(data.encode()), "raw")


def _volume_backed(instance) -> bool:
    """The guest boots from a volume (``boot_index`` 0): it has no root disk here."""
    return any(b.get("boot_index") == 0 for b in instance.get("block_devices") or ())

"""The virt driver contract: what the compute agent asks of a hypervisor.

A driver manages the guests of one node. Every implementation passes the conformance
suite (tests/unit/compute/virt_conformance.py). Rules common to every method:

- ``instance`` is a dict with at least ``uuid``, ``name`` and ``flavor`` (vcpus,
  memory_mb, root_gb...); drivers never write to the compute database.
- A method that fails raises ``VirtDriverError`` (or a subclass) and leaves the
  guest as it was before the call, except where a method says otherwise.
- Methods may be called from several threads at once, for different instances.
- ``instance["block_devices"]`` (may be absent: none) lists the server's volumes,
  each a dict with ``device_name`` (``/dev/vdb``...), ``boot_index`` (0: the root
  disk) and ``connection_info`` (block storage's: ``driver_volume_type`` and its
  ``data``, e.g. ``{"driver_volume_type": "file", "data": {"path", "format",
  "volume_id"...}}``). Every definition of a guest (spawn, resize...) includes the
  ones with connection info.
- ``instance["network_info"]`` (may be absent: none) lists the guest's NICs
  (VIFs), in order, each a dict with ``port_id``, ``mac``, ``mtu`` (the
  network's), ``fixed_ips`` (``[{"ip_address", "subnet_id", "version"}]``),
  ``network_id`` and ``devname``: the host-side device (``tap`` + port id[:11]),
  which the driver creates (the network agent finds it by that name and plugs it
  into its network's bridge); the ports are bound before ``spawn``. Every
  definition of a guest includes them, and the config drive describes them
  (network_data.json).
"""


import abc
import dataclasses
from collections.abc import Callable
from typing import BinaryIO

from sovra_common import exception

# Power states, as the Compute API reports them in OS-EXT-STS:power_state.
NOSTATE = 0
RUNNING = 1
PAUSED = 3
SHUTDOWN = 4
CRASHED = 6
SUSPENDED = 7


class VirtDriverError(exception.SovraError):
    message = "The hypervisor failed: %(reason)s"


class InstanceNotFound(VirtDriverError, exception.NotFound):
    message = "Instance %(uuid)s is not on this hypervisor."


@dataclasses.dataclass(frozen=True)
class InstanceInfo:
    power_state: int
    vcpus: int
    memory_mb: int


@dataclasses.dataclass(frozen=True)
class ImageSource:
    """The image a guest boots from, as the agent hands it to ``spawn``.

    ``meta`` is the Image API's view of it (id, disk_format, size, os_hash_algo,
    os_hash_value...), read with the requesting user's credentials, so the user may
    use it. ``fetch(out)`` writes its bytes to the binary file ``out``, verified
    against ``os_hash_value``, and returns their count.
    """

    meta: dict
    fetch: Callable[[BinaryIO], int]


#: ``listener(instance_uuid)``: a guest's power state changed by itself (it shut
#: down, crashed, was resumed...); the agent re-reads and reports the node's states.
EventListener = Callable[[str], None]


class VirtDriver(abc.ABC):
    """One node's hypervisor."""

    @abc.abstractmethod
    def get_inventory(self) -> dict:
        """The node's capacity: ``{"VCPU": n, "MEMORY_MB": n, "DISK_GB": n}``
        (totals, before allocation ratios and reserved amounts)."""

    @abc.abstractmethod
    def get_traits(self) -> list[str]:
        """Placement traits of the node (os-traits names: CPU features...)."""

    def set_event_listener(self, listener: EventListener | None) -> None:
        """Call ``listener`` when a guest's state changes without a request (a
        driver that cannot tell is polled by the agent's periodic sync instead)."""
        return None

    def manage_image_cache(self) -> None:
        """Housekeeping of the node's image cache, run by the agent every
        [image_cache] manager_interval seconds: remove what no guest is made from
        any longer. A driver that caches no images has nothing to do."""
        return None

    @abc.abstractmethod
    def list_instances(self) -> list[str]:
        """UUIDs of the guests on this node, whatever their power state."""

    @abc.abstractmethod
    def spawn(self, instance: dict, image: ImageSource | None, *,
              key_data: str | None = None, user_data: str | None = None) -> None:
        """Create the guest and start it; on return it is RUNNING.

        ``image`` is what the root disk is made from (None: a server with no image,
        which only the fake driver can run, or one that boots from its volume with
        ``boot_index`` 0: then it has no local root disk). ``key_data`` is the public key of the
        server's key pair, ``user_data`` the API's (base64) user data; both reach the
        guest through its metadata: the config drive when ``instance["config_drive"]``
        is true (else it has none), and the metadata API.

        If spawn fails, any partial guest (disks, definitions) is cleaned up before
        it raises: a failed spawn leaves nothing behind on the node, so the build can
        be retried elsewhere.
        """

    def rebuild(self, instance: dict, image: ImageSource | None, *,
                key_data: str | None = None, user_data: str | None = None) -> None:
        """Replace the guest with a fresh one from ``image`` (same instance: uuid,
        flavor, name), its old disk gone; on return it is RUNNING. If it fails, the
        guest is gone or stopped, never running on its old disk as if rebuilt.
        Drivers may do better than this default (destroy, then spawn)."""
        self.destroy(instance)
        self.spawn(instance, image, key_data=key_data, user_data=user_data)

    @abc.abstractmethod
    def resize(self, instance: dict, flavor: dict) -> None:
        """Give the guest ``flavor``'s vCPUs, RAM and root disk (``instance``'s own
        ``flavor`` is the one it has now), keeping what ``revert_resize`` needs. A
        running guest is shut down for it and started again; a stopped one stays
        stopped. A smaller root disk is refused (VirtDriverError), the guest left
        as it was; so is any other failure."""

    def migrate_disk_and_power_off(self, instance: dict,
                                   upload: Callable[[BinaryIO, str], None]) -> None:
        """The source's half of a move to another host: stop the guest (keeping
        it defined, its disks kept: a revert starts it again, a confirm destroys
        it) and hand its root disk to ``upload(data, disk_format)`` as one
        standalone image, as ``snapshot`` does; the destination spawns from that
        image. A guest that boots from its volume (``boot_index`` 0) has no root
        disk: it is only stopped, ``upload`` is not called (its volumes are
        block storage's; the destination spawns it with them connected there).
        This default refuses (VirtDriverError, the guest as it was): a
        driver that cannot move its guests need not do anything."""
        raise VirtDriverError(reason=f"the {type(self).__name__} driver cannot move a "
                                     "guest to another host")

    @abc.abstractmethod
    def confirm_resize(self, instance: dict) -> None:
        """Forget what the last resize kept for a revert (nothing kept: no error)."""

    @abc.abstractmethod
    def revert_resize(self, instance: dict, flavor: dict) -> None:
        """Undo the last resize: the guest gets ``flavor`` (the one it had) and its
        root disk as it was before the resize; it keeps its power state."""

    @abc.abstractmethod
    def destroy(self, instance: dict) -> None:
        """Stop the guest at once and remove it with its local disks. Destroying a
        guest that is not there is not an error (delete must always be able to
        finish)."""

    @abc.abstractmethod
    def reboot(self, instance: dict, reboot_type: str = "SOFT") -> None:
        """Restart the guest (``SOFT``: ask the guest OS; ``HARD``: reset it). On
        return it is RUNNING. InstanceNotFound if it is not here."""

    @abc.abstractmethod
    def power_off(self, instance: dict) -> None:
        """Stop the guest, keeping it defined; on return it is SHUTDOWN. Powering off
        a stopped guest does nothing."""

    @abc.abstractmethod
    def power_on(self, instance: dict) -> None:
        """Start a stopped guest; on return it is RUNNING. Powering on a running
        guest does nothing."""

    @abc.abstractmethod
    def pause(self, instance: dict) -> None:
        """Freeze a running guest in memory; on return it is PAUSED."""

    @abc.abstractmethod
    def unpause(self, instance: dict) -> None:
        """Resume a paused guest; on return it is RUNNING."""

    @abc.abstractmethod
    def suspend(self, instance: dict) -> None:
        """Save a running guest's memory to disk and stop it; on return it is
        SUSPENDED."""

    @abc.abstractmethod
    def resume(self, instance: dict) -> None:
        """Restore a suspended guest; on return it is RUNNING."""

    @abc.abstractmethod
    def get_info(self, instance: dict) -> InstanceInfo:
        """The guest's current state. InstanceNotFound if it is not here."""

    @abc.abstractmethod
    def get_console_output(self, instance: dict) -> str:
        """What the guest wrote to its serial console so far."""

    @abc.abstractmethod
    def attach_volume(self, instance: dict, connection_info: dict,
                      device_name: str) -> None:
        """Plug the volume ``connection_info`` describes into the guest as
        ``device_name`` (``/dev/vdb``...), a virtio disk whose serial is the
        volume's id: into the running guest at once (hot-plug) and into its
        definition, so that it stays across restarts (a stopped guest gets it when
        it starts). InstanceNotFound if the guest is not here; VirtDriverError if
        the connection type is not one the driver opens, or the plug failed: then
        the guest is as it was."""

    @abc.abstractmethod
    def detach_volume(self, instance: dict, connection_info: dict,
                      device_name: str) -> None:
        """Unplug the volume at ``device_name`` from the guest and its definition.
        A running guest must release the disk: the call waits for it, and raises
        VirtDriverError (the disk still plugged) if it does not within the driver's
        timeout. A volume that is not plugged, or a guest that is gone, is not an
        error (a detach must be able to finish)."""

    @abc.abstractmethod
    def extend_volume(self, instance: dict, connection_info: dict, device_name: str,
                      new_size: int) -> None:
        """Tell the guest that the volume plugged at ``device_name`` grew to
        ``new_size`` bytes (block storage grew it already: its ``volume-extended``
        event): a running guest sees its disk at the new size at once, a stopped
        one when it starts. VirtDriverError, the disk as it was, if the volume is
        not plugged there, ``new_size`` is smaller than the disk, or the
        connection type cannot grow while plugged; InstanceNotFound if the guest
        is not here."""

    @abc.abstractmethod
    def attach_interface(self, instance: dict, vif: dict) -> None:
        """Plug one more NIC (a VIF, as in ``instance["network_info"]``, whose port
        is bound) into the guest: into the running guest at once (its tap made)
        and into its definition. InstanceNotFound if the guest is not here;
        VirtDriverError if the plug failed (the guest as it was)."""

    @abc.abstractmethod
    def detach_interface(self, instance: dict, vif: dict) -> None:
        """Unplug the NIC of ``vif`` (found by its MAC) from the guest and its
        definition. A NIC that is not there, or a guest that is gone, is not an
        error."""

    @abc.abstractmethod
    def snapshot(self, instance: dict, upload: Callable[[BinaryIO, str], None]) -> None:
        """Copy the guest's root disk, as it is now, into one standalone image and
        call ``upload(data, disk_format)`` with it as a readable binary file and its
        format (``qcow2``, ``raw``). A running guest keeps running, and the copy is
        its disk as at one instant. InstanceNotFound if it is not here."""

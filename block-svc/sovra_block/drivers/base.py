"""The volume backend driver contract: what the volume agent asks of one backend.

The volume agent runs one driver per storage backend (``[<backend>] volume_driver``,
an entry point of the group ``sovra.block.volume_drivers``). Every implementation
passes the conformance suite (tests/unit/block/drivers_conformance.py). Rules common
to every method:

- ``volume`` and ``snapshot`` are ``VolumeRef`` and ``SnapshotRef``; drivers never
  write to the block database. What a driver must remember about a volume it
  returns as a model update (``{"provider_location": ...}``), which the agent
  persists and hands back in later ``VolumeRef``\\s.
- A method that fails raises ``BackendError`` (or a subclass) with a reason, and
  never leaves a half-written volume, snapshot or image that looks complete: data
  is written under a temporary name and renamed only after success.
- Methods that say "idempotent" may be repeated after a crash or a lost reply with
  the same arguments and end in the same state without error.
- Methods may be called from several threads at once for different volumes; the
  agent serialises operations on one volume.
"""

import abc
import dataclasses

from sovra_common import exception


class BackendError(exception.SovraError):
    """The backend could not do what was asked; ``reason`` says why."""

    message = "The storage backend failed: %(reason)s"
    error_code = "sovra.block.backend_error"

    def __init__(self, message: str | None = None, **kwargs):
        if message is not None and not kwargs:
            kwargs = {"reason": message}
            message = None
        super().__init__(message, **kwargs)

    @property
    def reason(self) -> str:
        return str(self.kwargs.get("reason", self.msg))


class VolumeNotFound(BackendError, exception.NotFound):
    """The backend holds no such volume (for methods that need one to exist)."""

    message = "Volume %(volume_id)s is not on this backend."
    error_code = "sovra.block.backend_volume_not_found"

    def __init__(self, *args, volume_id: str | None = None, **kwargs):
        # VolumeNotFound(volume_id); the RPC layer rebuilds a remote one as
        # VolumeNotFound(message, volume_id=..., reason=...)
        if volume_id is None:
            (volume_id,), args = args, ()
        kwargs.setdefault("reason", f"volume {volume_id} not found")
        super().__init__(*args, volume_id=volume_id, **kwargs)


class SnapshotNotFound(BackendError, exception.NotFound):
    """The backend holds no such snapshot."""

    message = "Snapshot %(snapshot_id)s is not on this backend."
    error_code = "sovra.block.backend_snapshot_not_found"

    def __init__(self, *args, snapshot_id: str | None = None, **kwargs):
        if snapshot_id is None:  # as VolumeNotFound
            (snapshot_id,), args = args, ()
        kwargs.setdefault("reason", f"snapshot {snapshot_id} not found")
        super().__init__(*args, snapshot_id=snapshot_id, **kwargs)


@dataclasses.dataclass
class VolumeRef:
    """What a driver knows of a volume."""

    id: str                                 # the volume's UUID
    size_gb: int
    provider_location: str | None = None    # what create_* returned, persisted by the agent
    format: str = "raw"                     # raw | qcow2; from the volume type extra spec


@dataclasses.dataclass
class SnapshotRef:
    """What a driver knows of a snapshot."""

    id: str
    volume_id: str
    size_gb: int
    provider_location: str | None = None


@dataclasses.dataclass
class Capacity:
    """A backend's space, in GiB, as the scheduler weighs it.

    ``total_gb`` and ``free_gb`` are physical; ``provisioned_gb`` is the sum of the
    sizes of the volumes and snapshots the backend holds (thin volumes may use less).
    A backend may take a new volume of ``n`` GiB while
    ``provisioned_gb + n <= total_gb * max_over_subscription_ratio`` and
    ``n <= free_gb`` for thick volumes.
    """

    total_gb: float
    free_gb: float
    provisioned_gb: float
    max_over_subscription_ratio: float = 1.0


class VolumeDriver(abc.ABC):
    """One storage backend. Every method is idempotent where it says so, raises
    ``BackendError`` (a SovraError) with a reason on failure, and never leaves a
    half-written volume that looks complete."""

    #: ``storage_protocol`` reported in capabilities and ``driver_volume_type`` of
    #: connection info ("file" | "nbd").
    storage_protocol: str = ""
    driver_version: str = "1.0.0"
    vendor_name: str = "Sovra"

    def __init__(self, conf, backend_name: str):
        """``conf`` is the service's ConfigOpts with the backend's options
        registered on the group ``backend_name`` (sovra_block.conf.backend)."""
        self.conf = conf
        self.backend_name = backend_name

    @property
    def backend_conf(self):
        """The options of this backend's group."""
        return self.conf[self.backend_name]

    @abc.abstractmethod
    def do_setup(self) -> None:
        """Check tools and paths, create what the backend needs (directories,
        daemons); raise ``BackendError`` if the backend is unusable. Called once when
        the agent starts, before any other method; safe to call again."""

    @abc.abstractmethod
    def get_capacity(self) -> Capacity:
        """The backend's space now (see ``Capacity``)."""

    def get_capabilities(self) -> dict:
        """What the scheduler matches volume types against: at least
        ``volume_backend_name``, ``storage_protocol``, ``vendor_name``,
        ``driver_version``, ``thin_provisioning_support``,
        ``thick_provisioning_support``, ``multiattach``, ``QoS_support``."""
        return {
            "volume_backend_name": self.backend_name,
            "storage_protocol": self.storage_protocol,
            "vendor_name": self.vendor_name,
            "driver_version": self.driver_version,
            "thin_provisioning_support": True,
            "thick_provisioning_support": False,
            "multiattach": False,
            "QoS_support": False,
        }

    @abc.abstractmethod
    def create_volume(self, volume: VolumeRef) -> dict:
        """Create an empty (zeroed) volume of ``volume.size_gb`` GiB in
        ``volume.format``; return the model update ``{"provider_location": ...}``.
        Idempotent: if the complete volume already exists with that size, return
        the same update. On failure nothing is left behind."""

    @abc.abstractmethod
    def delete_volume(self, volume: VolumeRef) -> None:
        """Remove the volume and its data. Idempotent: a missing volume is fine.
        Raises ``BackendError`` if the volume still has snapshots the backend
        cannot keep without it, or is exported to a connector."""

    @abc.abstractmethod
    def extend_volume(self, volume: VolumeRef, new_size_gb: int) -> None:
        """Grow the volume to ``new_size_gb`` GiB (bytes beyond the old end read
        as zeros); also while attached. Idempotent: a volume already that size is
        fine. Never shrinks: a smaller size raises ``BackendError``."""

    @abc.abstractmethod
    def create_cloned_volume(self, volume: VolumeRef, src: VolumeRef) -> dict:
        """Create ``volume`` with the bytes of ``src`` (grown to
        ``volume.size_gb`` if larger); return the model update. ``src`` is
        expected not to be written during the call (the agent refuses in-use
        sources unless the driver says otherwise). Idempotent like create_volume."""

    @abc.abstractmethod
    def create_snapshot(self, snapshot: SnapshotRef, volume: VolumeRef) -> dict:
        """Keep the volume's bytes as they are now; return the snapshot's model
        update ``{"provider_location": ...}``. Consistency for in-use volumes is
        crash-consistent at best; each driver states its assumption. Idempotent."""

    @abc.abstractmethod
    def delete_snapshot(self, snapshot: SnapshotRef, volume: VolumeRef) -> None:
        """Remove the snapshot; the volume keeps its bytes. Idempotent: a missing
        snapshot is fine."""

    @abc.abstractmethod
    def create_volume_from_snapshot(self, volume: VolumeRef,
                                    snapshot: SnapshotRef) -> dict:
        """Create ``volume`` with the snapshot's bytes (grown to
        ``volume.size_gb`` if larger); return the model update. Idempotent like
        create_volume."""

    @abc.abstractmethod
    def copy_image_to_volume(self, volume: VolumeRef, image_path: str,
                             image_format: str) -> None:
        """Write the image at the local file ``image_path`` (``image_format``: raw,
        qcow2, vmdk...) into the existing volume, converting it to the volume's
        format (qemu-img convert). The image must fit: a virtual size larger than
        the volume raises ``BackendError``. An interrupted copy never leaves a
        volume that looks complete: the data goes to a temporary file renamed over
        the volume only after success."""

    @abc.abstractmethod
    def copy_volume_to_image(self, volume: VolumeRef, dest_path: str,
                             disk_format: str) -> None:
        """Write the volume's bytes to the local file ``dest_path`` in
        ``disk_format`` (raw | qcow2 ...), for the agent to upload. ``dest_path``
        appears only once complete."""

    @abc.abstractmethod
    def initialize_connection(self, volume: VolumeRef, connector: dict) -> dict:
        """Make the volume reachable from the host ``connector`` describes
        (os-brick's keys: host, ip, platform, os_type, multipath, initiator) and
        return connection info, one of::

            {"driver_volume_type": "file",
             "data": {"path": <absolute path>, "format": "raw"|"qcow2"}}
            {"driver_volume_type": "nbd",
             "data": {"host": ..., "port": ..., "export_name": ..., "format": "raw"}}

        Idempotent: the same connector again gets the same info."""

    @abc.abstractmethod
    def terminate_connection(self, volume: VolumeRef, connector: dict) -> None:
        """Stop serving the volume to ``connector``'s host (and withdraw the export
        when no connector uses it any more). Idempotent: an unknown connector or
        volume is fine."""

    @abc.abstractmethod
    def list_volume_ids(self) -> set[str]:
        """The ids of the complete volumes the backend holds (for the agent's
        reconciliation); temporary and partial files are not volumes."""

"""The file backend: volumes as raw (sparse) or qcow2 files in one directory.

``[<backend>] file_volume_dir`` stands for storage shared with the compute nodes
(an NFS export mounted at the same path everywhere, like upstream's NFS driver):
``initialize_connection`` only hands out the file's path, and the compute node's
QEMU opens it. Nothing is exported and ``terminate_connection`` has nothing to undo.

Files (names are the contract with ``list_volume_ids`` and the reconciler):

- ``volume-<uuid>.raw`` / ``volume-<uuid>.qcow2``: a volume, in its format;
- ``snapshot-<uuid>.<fmt>``: a snapshot, in its volume's format;
- ``.tmp-*``: data being written. Every create, clone, snapshot and image copy
  writes a temporary file in the same directory and renames it over its final name
  only once complete, so a crash never leaves a complete-looking file with wrong
  bytes; ``do_setup`` removes the temporaries an earlier run left.

``provider_location`` is the file's name, relative to the directory (the directory
may be mounted at another path on another host; the path in connection info is
this host's).

Snapshots are full, independent copies (sparse for raw, flattened for qcow2), not
qcow2 external snapshots: a volume never changes files, nothing has a backing
chain to keep, and a snapshot or its volume can be deleted in any order. The cost
is a full read of the volume per snapshot.

Consistency of snapshots and clones of in-use volumes: the copy reads the file
while a guest may write it (``qemu-img -U``), so it is point-in-time only if no
write happens during the copy. This driver assumes the compute side makes it so
(the guest's filesystems frozen through the QEMU guest agent, or the guest paused,
for the duration of create_snapshot); without that the snapshot may mix old and
new blocks. Point-in-time copies of running disks would have to be taken by the
QEMU process that has them open (libvirt's external snapshots / blockcopy), which
is compute's business, not this driver's.
"""

import contextlib
import os
import re
import uuid

from sovra_block.drivers import base
from sovra_block.drivers.qemu_img import (
    SOURCE_FORMATS,
    TARGET_FORMATS,
    QemuImg,
    qemu_format,
    virtual_size,
)

GiB = 1 << 30
VOLUME_FORMATS = ("raw", "qcow2")
TMP_PREFIX = ".tmp-"
_VOLUME_FILE = re.compile(r"^volume-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                          r"[0-9a-f]{12})\.(raw|qcow2)$")
_SNAPSHOT_FILE = re.compile(r"^snapshot-[0-9a-f-]{36}\.(raw|qcow2)$")


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: vmdk subformats held in one file; the others name extent files, which qemu-img
#: would read from wherever they point (any file on this host).
_VMDK_SINGLE_FILE = {"monolithicSparse", "streamOptimized"}


def check_image_is_self_contained(info: dict, fmt: str) -> None:
    """Refuse an image (``qemu-img info`` output) that would make qemu-img read
    other files than itself (backing file, external data file, vmdk extents) or
    that it cannot read without a key."""
    specific = (info.get("format-specific") or {}).get("data") or {}
    if info.get("backing-filename") or info.get("full-backing-filename"):
        raise base.BackendError("the image has a backing file: only self-contained "
                                "images can be copied to a volume")
    if specific.get("data-file"):
        raise base.BackendError("the image has an external data file")
    if fmt == "vmdk" and specific.get("create-type") not in _VMDK_SINGLE_FILE:
        raise base.BackendError(
            f"vmdk images of type {specific.get('create-type')!r} refer to other "
            f"files; accepted: {', '.join(sorted(_VMDK_SINGLE_FILE))}")
    if info.get("encrypted"):
        raise base.BackendError("the image is encrypted")


class FileDriver(base.VolumeDriver):
    """Volumes as files in ``[<backend>] file_volume_dir`` (see the module's doc)."""

    storage_protocol = "file"

    def __init__(self, conf, backend_name: str):
        super().__init__(conf, backend_name)
        self.volume_dir = os.path.abspath(self.backend_conf.file_volume_dir)
        self.qemu_img = QemuImg(self.backend_conf.qemu_img_path)

    # -- files -------------------------------------------------------------------

    @staticmethod
    def _format(volume: base.VolumeRef) -> str:
        if volume.format not in VOLUME_FORMATS:
            raise base.BackendError(f"volume format {volume.format!r} is not one of "
                                    f"{', '.join(VOLUME_FORMATS)}")
        return volume.format

    def _path(self, name: str) -> str:
        if "/" in name or name.startswith("."):
            raise base.BackendError(f"bad file name {name!r}")
        return os.path.join(self.volume_dir, name)

    def volume_name(self, volume: base.VolumeRef) -> str:
        return f"volume-{volume.id}.{self._format(volume)}"

    def volume_path(self, volume: base.VolumeRef) -> str:
        """Absolute path of the volume's file on this host."""
        return self._path(self.volume_name(volume))

    def _existing_volume_path(self, volume: base.VolumeRef) -> str:
        path = self.volume_path(volume)
        if not os.path.exists(path):
            raise base.VolumeNotFound(volume.id)
        return path

    def _snapshot_file(self, snapshot: base.SnapshotRef) -> tuple[str, str]:
        """(path, format) of an existing snapshot's file."""
        names = [snapshot.provider_location] if snapshot.provider_location else [
            f"snapshot-{snapshot.id}.{fmt}" for fmt in VOLUME_FORMATS]
        for name in names:
            path = self._path(name)
            if os.path.exists(path):
                return path, name.rsplit(".", 1)[1]
        raise base.SnapshotNotFound(snapshot.id)

    @contextlib.contextmanager
    def _staging(self, final_path: str):
        """Yield a temporary path next to ``final_path``; rename it there if the
        block succeeds, remove it if it fails."""
        directory, name = os.path.split(final_path)
        tmp = os.path.join(directory, f"{TMP_PREFIX}{name}-{uuid.uuid4().hex[:8]}")
        try:
            yield tmp
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, final_path)
            _fsync_dir(directory)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def _grow(self, path: str, fmt: str, size_bytes: int) -> None:
        current = virtual_size(path, fmt)
        if current > size_bytes:
            raise base.BackendError(
                f"cannot shrink {os.path.basename(path)} from {current} to "
                f"{size_bytes} bytes")
        if current == size_bytes:
            return
        if fmt == "raw":
            os.truncate(path, size_bytes)  # sparse; safe while QEMU has it open
        else:
            try:
                self.qemu_img.resize(path, fmt, size_bytes)
            except base.BackendError as exc:
                if "lock" in exc.reason:
                    raise base.BackendError(
                        f"{os.path.basename(path)} is open in QEMU: an attached qcow2 "
                        "volume grows through its QEMU (block_resize)") from exc
                raise

    def _make_empty(self, path: str, fmt: str, size_bytes: int) -> None:
        if fmt == "raw":
            with open(path, "xb") as f:
                f.truncate(size_bytes)
        else:
            self.qemu_img.create(path, fmt, size_bytes)

    def _copy(self, src: str, src_fmt: str, dest: str, dest_fmt: str,
              size_bytes: int) -> None:
        """Write ``dest`` (absent) with the bytes of ``src`` grown to
        ``size_bytes``; nothing at ``dest`` unless it all succeeded."""
        if os.path.exists(dest):
            return
        with self._staging(dest) as tmp:
            self.qemu_img.convert(src, src_fmt, tmp, dest_fmt, shared=True)
            self._grow(tmp, dest_fmt, size_bytes)

    # -- the contract ------------------------------------------------------------

    def do_setup(self) -> None:
        try:
            os.makedirs(self.volume_dir, exist_ok=True)
        except OSError as exc:
            raise base.BackendError(f"cannot create {self.volume_dir}: {exc}") from exc
        if not os.access(self.volume_dir, os.W_OK | os.X_OK):
            raise base.BackendError(f"{self.volume_dir} is not writable")
        self.qemu_img.version()
        for name in os.listdir(self.volume_dir):
            if name.startswith(TMP_PREFIX):  # left by a run that died mid-copy
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(self.volume_dir, name))

    def _files(self):
        for name in os.listdir(self.volume_dir):
            match = _VOLUME_FILE.match(name) or _SNAPSHOT_FILE.match(name)
            if match:
                yield name, name.rsplit(".", 1)[1]

    def get_capacity(self) -> base.Capacity:
        st = os.statvfs(self.volume_dir)
        total = st.f_blocks * st.f_frsize
        reserved = total * self.backend_conf.reserved_percentage / 100
        free = max(0.0, st.f_bavail * st.f_frsize - reserved)
        provisioned = 0
        for name, fmt in self._files():
            with contextlib.suppress(OSError, base.BackendError):
                provisioned += virtual_size(self._path(name), fmt)
        return base.Capacity(
            total_gb=round(total / GiB, 2), free_gb=round(free / GiB, 2),
            provisioned_gb=round(provisioned / GiB, 2),
            max_over_subscription_ratio=self.backend_conf.max_over_subscription_ratio)

    def get_capabilities(self) -> dict:
        caps = super().get_capabilities()
        caps.update(
            volume_backend_name=self.backend_conf.volume_backend_name or
            self.backend_name,
            volume_formats=list(VOLUME_FORMATS),
            max_over_subscription_ratio=self.backend_conf.max_over_subscription_ratio,
            reserved_percentage=self.backend_conf.reserved_percentage,
            online_extend_support=True,
            # a raw file grows under a guest (truncate); a qcow2 one open in QEMU
            # is locked: only its QEMU could grow it
            online_extend_formats=["raw"])
        return caps

    def create_volume(self, volume: base.VolumeRef) -> dict:
        path = self.volume_path(volume)
        if os.path.exists(path):  # a repeated create (the reply was lost)
            size = virtual_size(path, volume.format)
            if size != volume.size_gb * GiB:
                raise base.BackendError(
                    f"{self.volume_name(volume)} already exists with {size} bytes, "
                    f"not {volume.size_gb} GiB")
        else:
            with self._staging(path) as tmp:
                self._make_empty(tmp, volume.format, volume.size_gb * GiB)
        return {"provider_location": self.volume_name(volume)}

    def delete_volume(self, volume: base.VolumeRef) -> None:
        # Every format's file of this id: a volume has one, whatever format the
        # caller believes it has.
        for fmt in VOLUME_FORMATS:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path(f"volume-{volume.id}.{fmt}"))

    def extend_volume(self, volume: base.VolumeRef, new_size_gb: int) -> None:
        self._grow(self._existing_volume_path(volume), volume.format,
                   new_size_gb * GiB)

    def create_cloned_volume(self, volume: base.VolumeRef,
                             src: base.VolumeRef) -> dict:
        self._copy(self._existing_volume_path(src), src.format,
                   self.volume_path(volume), volume.format, volume.size_gb * GiB)
        return {"provider_location": self.volume_name(volume)}

    def create_snapshot(self, snapshot: base.SnapshotRef,
                        volume: base.VolumeRef) -> dict:
        name = f"snapshot-{snapshot.id}.{self._format(volume)}"
        src = self._existing_volume_path(volume)
        self._copy(src, volume.format, self._path(name), volume.format,
                   virtual_size(src, volume.format))
        return {"provider_location": name}

    def delete_snapshot(self, snapshot: base.SnapshotRef,
                        volume: base.VolumeRef) -> None:
        try:
            path, _ = self._snapshot_file(snapshot)
        except base.SnapshotNotFound:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    def create_volume_from_snapshot(self, volume: base.VolumeRef,
                                    snapshot: base.SnapshotRef) -> dict:
        path, fmt = self._snapshot_file(snapshot)
        size = virtual_size(path, fmt)
        if size > volume.size_gb * GiB:
            raise base.BackendError(
                f"snapshot {snapshot.id} ({size} bytes) does not fit in a volume of "
                f"{volume.size_gb} GiB")
        self._copy(path, fmt, self.volume_path(volume), self._format(volume),
                   volume.size_gb * GiB)
        return {"provider_location": self.volume_name(volume)}

    def copy_image_to_volume(self, volume: base.VolumeRef, image_path: str,
                             image_format: str) -> None:
        dest = self._existing_volume_path(volume)
        fmt = qemu_format(image_format)
        if fmt not in SOURCE_FORMATS:
            raise base.BackendError(f"cannot read images in {image_format!r}")
        info = self.qemu_img.info(image_path, fmt, limited=True)
        check_image_is_self_contained(info, fmt)
        if info["virtual-size"] > volume.size_gb * GiB:
            raise base.BackendError(
                f"the image's virtual size ({info['virtual-size']} bytes) exceeds "
                f"the volume's {volume.size_gb} GiB")
        with self._staging(dest) as tmp:
            self.qemu_img.convert(image_path, fmt, tmp, volume.format)
            self._grow(tmp, volume.format, volume.size_gb * GiB)

    def copy_volume_to_image(self, volume: base.VolumeRef, dest_path: str,
                             disk_format: str) -> None:
        fmt = qemu_format(disk_format)
        if fmt not in TARGET_FORMATS:
            raise base.BackendError(f"cannot write images in {disk_format!r}")
        src = self._existing_volume_path(volume)
        dest_path = os.path.abspath(dest_path)
        with self._staging(dest_path) as tmp:
            self.qemu_img.convert(src, volume.format, tmp, fmt, shared=True)

    def initialize_connection(self, volume: base.VolumeRef, connector: dict) -> dict:
        return {"driver_volume_type": "file",
                "data": {"path": self._existing_volume_path(volume),
                         "format": volume.format}}

    def terminate_connection(self, volume: base.VolumeRef, connector: dict) -> None:
        return None  # the path was all it gave away

    def list_volume_ids(self) -> set[str]:
        return {m.group(1) for m in map(_VOLUME_FILE.match, os.listdir(self.volume_dir))
                if m}

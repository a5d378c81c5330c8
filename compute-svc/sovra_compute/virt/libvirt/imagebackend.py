"""The node's image cache and each server's disks.

Cache layout (``<instances_path>/_base``): ``<image id>`` is the verified base
image, ``<image id>.json`` what it was verified as (format, virtual size, the image
service's hash), ``<image id>.lock`` serialises fetches of that image across
threads and agent processes. An image is downloaded once per node: a second spawn,
even a concurrent one, waits for the first download and reuses it. Only a complete
download whose bytes match the image's hash and whose content is the declared
format (no backing file, no external data file) becomes a base; anything else is
removed.

Server disks are qcow2 overlays on a base (``qemu-img create -b``), so a server's
disk holds only what the guest wrote.

A base no server disk on the node is made from any longer is removed by
``remove_unused`` once it has not been used for a minimum age (a base's mtime is
its last use: a download, or a spawn that found it cached). What is in use is read
from the disks themselves (each qcow2's backing file), so a disk kept for a revert,
or one whose guest is not defined, keeps its base. A base stays while a spawn
holds it (``fetched``), from the look-up until its overlay exists.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import re
import struct
import subprocess
import threading
import time
import uuid as uuidlib
from collections.abc import Callable

from sovra_compute.virt import driver as virt

LOG = logging.getLogger(__name__)

GiB = 1024 ** 3
BOOTABLE_FORMATS = ("qcow2", "raw")
_IMAGE_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,127}$")
_PART = re.compile(r"^\.([0-9A-Za-z][0-9A-Za-z_-]{0,127})\.[0-9a-f]{8}\.part(\.raw)?$")
_QCOW2_MAGIC = b"QFI\xfb"
_QEMU_IMG_TIMEOUT = 3600


class ImageUnusable(virt.VirtDriverError):
    message = "Image %(image_id)s cannot be booted here: %(reason)s"


def qemu_img(*args: str, timeout: float = _QEMU_IMG_TIMEOUT) -> str:
    """Run qemu-img; its stdout, or VirtDriverError with its stderr."""
    try:
        proc = subprocess.run(["qemu-img", *args], capture_output=True, text=True,
                              timeout=timeout, check=False)
    except FileNotFoundError:
        raise virt.VirtDriverError(reason="qemu-img is not installed") from None
    except subprocess.TimeoutExpired:
        raise virt.VirtDriverError(reason=f"qemu-img {args[0]} timed out") from None
    if proc.returncode != 0:
        raise virt.VirtDriverError(
            reason=f"qemu-img {args[0]} failed: {proc.stderr.strip()[:500]}")
    return proc.stdout


def inspect(path: str, disk_format: str) -> dict:
    """``qemu-img info`` of a file read as ``disk_format``, refusing what a guest
    must never be given: another format's header, a backing file, a data file."""
    info = json.loads(qemu_img("info", "--output=json", "-f", disk_format, path))
    if info.get("format") != disk_format:
        raise virt.VirtDriverError(reason=f"not a {disk_format} image")
    if info.get("backing-filename") or info.get("full-backing-filename"):
        raise virt.VirtDriverError(reason="it names a backing file")
    specific = (info.get("format-specific") or {}).get("data") or {}
    if specific.get("data-file"):
        raise virt.VirtDriverError(reason="it names an external data file")
    if disk_format == "raw":
        # a "raw" image whose bytes are another format's would be read as that
        # format by anything that probes: refuse it rather than keep the ambiguity
        probed = json.loads(qemu_img("info", "--output=json", path)).get("format")
        if probed not in ("raw", None):
            raise virt.VirtDriverError(reason=f"declared raw but its content is {probed}")
    return info


def _owner(name: str) -> str | None:
    """The image id a file of the cache is of (its base, its record, a download's
    part); None for the lock files and anything else."""
    part = _PART.match(name)
    if part:
        return part.group(1)
    stem = name.removesuffix(".json")
    return stem if _IMAGE_ID.match(stem) else None


@dataclasses.dataclass(frozen=True)
class CachedImage:
    path: str
    format: str
    virtual_size: int


class ImageCache:
    def __init__(self, base_dir: str, *, force_raw: bool = False):
        self.base_dir = base_dir
        self.force_raw = force_raw
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        os.makedirs(base_dir, exist_ok=True)
        os.chmod(base_dir, 0o755)  # QEMU's user reads the bases, whatever the umask

    @contextlib.contextmanager
    def _locked(self, image_id: str, *, wait: bool = True):
        """Hold ``image_id``'s lock (this process's threads and other processes).
        ``wait=False``: yields False at once, without the lock, if it is held."""
        with self._locks_guard:
            lock = self._locks.setdefault(image_id, threading.Lock())
        if not lock.acquire(blocking=wait):
            yield False
            return
        try:
            with open(os.path.join(self.base_dir, f"{image_id}.lock"), "a") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX if wait
                                else fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        finally:
            lock.release()

    def _cached(self, image_id: str, meta: dict) -> CachedImage | None:
        path = os.path.join(self.base_dir, image_id)
        try:
            with open(f"{path}.json") as fh:
                record = json.load(fh)
        except (OSError, ValueError):
            return None
        if not os.path.exists(path) or \
                record.get("os_hash_value") != meta.get("os_hash_value") or \
                record.get("checksum") != meta.get("checksum"):
            return None  # not what the image service now says the image is
        return CachedImage(path, record["format"], record["virtual_size"])

    def fetch(self, image: virt.ImageSource) -> CachedImage:
        """The verified base of ``image``, downloaded if this node has none."""
        with self.fetched(image) as base:
            return base

    @contextlib.contextmanager
    def fetched(self, image: virt.ImageSource):
        """``fetch``, the base kept (never removed as unused) until the block ends:
        make the server's disk on it inside the block."""
        meta = image.meta
        image_id = str(meta.get("id", ""))
        if not _IMAGE_ID.match(image_id):
            raise ImageUnusable(image_id=image_id, reason="malformed image id")
        disk_format = meta.get("disk_format")
        if disk_format not in BOOTABLE_FORMATS:
            raise ImageUnusable(image_id=image_id,
                                reason=f"disk format {disk_format!r} is not one of "
                                       f"{', '.join(BOOTABLE_FORMATS)}")
        with self._locked(image_id):
            cached = self._cached(image_id, meta)
            if cached is None:
                cached = self._download(image, image_id, disk_format)
            else:  # its last use, which keeps it from removal for a while
                with contextlib.suppress(OSError):  # (another user's file)
                    os.utime(cached.path)
            yield cached

    def remove_unused(self, in_use: Callable[[], set[str]],
                      min_age: float) -> list[str]:
        """Remove the bases that are not in ``in_use()`` (image ids) and were not
        used for ``min_age`` seconds, their records and any download a killed
        agent left; the ids removed. A base being downloaded or held by a spawn is
        left, and ``in_use()`` is asked again, under the base's lock, before each
        removal: a disk made meanwhile keeps its base."""
        ids = {_owner(name) for name in os.listdir(self.base_dir)} - {None}
        candidates = sorted(ids - in_use())
        removed = []
        for image_id in candidates:
            with self._locked(image_id, wait=False) as held:
                if not held:
                    continue  # a download or a spawn has it now
                files = [os.path.join(self.base_dir, name)
                         for name in os.listdir(self.base_dir)
                         if _owner(name) == image_id]
                newest = max((os.stat(path).st_mtime for path in files
                              if os.path.exists(path)), default=0.0)
                if time.time() - newest < min_age or image_id in in_use():
                    continue
                freed = 0
                for path in files:
                    with contextlib.suppress(FileNotFoundError):
                        freed += os.stat(path).st_size
                        os.unlink(path)
                LOG.info("image %s removed from the cache: unused for %d s or more "
                         "(%d bytes freed)", image_id, min_age, freed)
                removed.append(image_id)
        return removed

    def _download(self, image, image_id, disk_format) -> CachedImage:
        final = os.path.join(self.base_dir, image_id)
        part = os.path.join(self.base_dir, f".{image_id}.{uuidlib.uuid4().hex[:8]}.part")
        converted = f"{part}.raw"
        try:
            with open(part, "wb") as out:
                size = image.fetch(out)
                out.flush()
                os.fsync(out.fileno())
            expected = image.meta.get("size")
            if expected is not None and size != expected:
                raise ImageUnusable(image_id=image_id,
                                    reason=f"got {size} bytes, expected {expected}")
            try:
                info = inspect(part, disk_format)
            except virt.VirtDriverError as exc:
                raise ImageUnusable(image_id=image_id, reason=exc.kwargs.get(
                    "reason", str(exc))) from None
            fmt = disk_format
            if self.force_raw and fmt != "raw":
                qemu_img("convert", "-f", fmt, "-O", "raw", part, converted)
                os.replace(converted, part)
                fmt = "raw"
            os.chmod(part, 0o644)
            os.replace(part, final)
            record = {"format": fmt, "virtual_size": info["virtual-size"],
                      "os_hash_value": image.meta.get("os_hash_value"),
                      "checksum": image.meta.get("checksum")}
            with open(f"{final}.json.part", "w") as fh:
                json.dump(record, fh)
            os.replace(f"{final}.json.part", f"{final}.json")
            LOG.info("image %s cached (%s, %d bytes)", image_id, fmt, size)
            return CachedImage(final, fmt, info["virtual-size"])
        finally:
            for leftover in (part, converted):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)


def create_overlay(base: CachedImage, path: str, root_gb: int) -> None:
    """A qcow2 disk at ``path`` backed by ``base``, of the flavor's root size (the
    image's own size for a flavor with a 0 GB root disk)."""
    size = root_gb * GiB if root_gb else base.virtual_size
    if size < base.virtual_size:
        raise virt.VirtDriverError(
            reason=f"the flavor's root disk ({root_gb} GB) is smaller than the image "
                   f"({-(-base.virtual_size // GiB)} GB)")
    qemu_img("create", "-q", "-f", "qcow2", "-F", base.format, "-b",
             os.path.abspath(base.path), path, str(size))


def backing_file(path: str) -> str | None:
    """The absolute path of the backing file a qcow2 disk names (None: it names
    none, or it is not a qcow2), read from the qcow2 header: cheap enough for every
    disk of a node. A relative name is relative to the disk's directory."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(20)
            if len(header) < 20 or header[:4] != _QCOW2_MAGIC:
                return None
            offset, size = struct.unpack(">QI", header[8:20])
            if not offset or not 0 < size <= 1023:  # qcow2 caps the name at 1023
                return None
            fh.seek(offset)
            name = fh.read(size).decode("utf-8", errors="replace")
    except OSError:
        return None
    return os.path.normpath(os.path.join(os.path.dirname(path), name))


def bases_in_use(instances_path: str, base_dir: str) -> set[str]:
    """Image ids of the bases in ``base_dir`` that disks under ``instances_path``
    are made from: every qcow2 in every server's directory (its disk, a disk kept
    for a revert), whichever node's, whether its guest is defined or not."""
    base_dir = os.path.realpath(base_dir)
    used = set()
    with os.scandir(instances_path) as servers:
        folders = [entry.path for entry in servers
                   if entry.is_dir(follow_symlinks=False) and
                   os.path.realpath(entry.path) != base_dir]
    for folder in folders:
        with contextlib.suppress(FileNotFoundError), os.scandir(folder) as files:
            for entry in files:
                if not entry.is_file(follow_symlinks=False):
                    continue
                backing = backing_file(entry.path)
                if backing and os.path.dirname(os.path.realpath(backing)) == base_dir:
                    used.add(os.path.basename(backing))
    return used


def export_disk(path: str, out_path: str, *, in_use: bool = False) -> None:
    """Write the disk at ``path`` (with its whole backing chain) as one standalone
    qcow2 image at ``out_path``. ``in_use``: the file is open by a guest that is
    not writing (paused, or stopped but defined)."""
    args = ["convert", "-O", "qcow2"]
    if in_use:
        args.append("-U")
    qemu_img(*args, path, out_path)

"""Volume backups as the volume agent makes them: a volume's bytes cut into chunks
kept in a backup store (``sovra_block.backup``), described by a manifest.

Objects of a backup (``<container>`` is the backup's, or ``volumebackups``)::

    <container>/<backup_id>/chunk-<index, 8 digits>   a chunk's bytes, compressed
    <container>/<backup_id>/manifest                  JSON, written last

A backup is the raw bytes of its volume (the driver's ``copy_volume_to_image`` to
raw, staged under ``[block] image_conversion_dir``/backups), read in
``[backup] chunk_size_mib`` chunks. Per chunk the manifest holds its sha256, its
length and the object holding it: ``null`` for a chunk of zeros (nothing stored:
backups of sparse volumes cost what their data costs), the backup's own
``chunk-<index>``, or, in an incremental backup, the object its parent's manifest
names for that chunk when the sha256 is the same (which may be a grandparent's:
a chain never needs more than one manifest to restore). Objects are zlib
(``[backup] compression``) unless that does not make them smaller; each chunk
entry says which.

The manifest is written last: a backup without one is incomplete (the agent died
or failed mid-way) and is never restored. Restoring checks each chunk's length and
sha256 before the driver writes anything into the volume (a damaged chunk fails
the restore and leaves the volume's old bytes). Deleting removes the manifest
first, then the backup's own objects (everything under its prefix), never a
parent's: the API side refuses to delete a backup that others build on.

Manifest (``format`` ``sovra-backup-1``)::

    {"format": "sovra-backup-1", "backup_id": ..., "volume_id": ...,
     "parent_id": ... | null, "size_gb": 1, "size_bytes": 1073741824,
     "chunk_size": 33554432, "compression": "zlib", "created_at": "...Z",
     "chunks": {"0": {"sha256": "...", "length": 33554432, "object": null},
                "1": {"sha256": "...", "length": 33554432,
                      "object": "volumebackups/<id>/chunk-00000001",
                      "compression": "zlib"}, ...}}
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import datetime
import errno
import functools
import hashlib
import json
import logging
import os
import uuid
import zlib

from sovra_block.backup import BackupObjectNotFound, BackupStore, check_name
from sovra_block.drivers import base

LOG = logging.getLogger(__name__)

MiB = 1 << 20
GiB = 1 << 30
FORMAT = "sovra-backup-1"
DEFAULT_CONTAINER = "volumebackups"
MANIFEST = "manifest"
#: The subdirectory of [block] image_conversion_dir where volumes are staged.
STAGING_SUBDIR = "backups"
_ZLIB_LEVEL = 1  # most of zlib's gain on disk data, at several times level 6's speed
#: Before compressing a chunk, compress this many samples of it (evenly spread);
#: if they do not shrink below _PROBE_RATIO, the chunk is stored as it is
#: (random or encrypted data, where zlib costs 10x the time of sha256 for nothing).
_PROBE_SAMPLES, _PROBE_BYTES, _PROBE_RATIO = 8, 32 * 1024, 0.9
#: Restores write chunks in blocks of this size, skipping blocks of zeros (holes).
_WRITE_BLOCK = 1 << 20


class BackupError(base.BackendError):
    """A backup, restore or delete cannot be done; ``reason`` says why."""


class BackupCorrupt(BackupError):
    """The backup's manifest or one of its chunks is not what was stored."""


def container_of(backup: dict) -> str:
    return backup.get("container") or DEFAULT_CONTAINER


def prefix_of(backup: dict) -> str:
    """The prefix of every object the backup owns (``<container>/<id>/``)."""
    prefix = f"{container_of(backup)}/{backup['id']}/"
    try:
        check_name(prefix + MANIFEST)
    except ValueError as exc:
        raise BackupError(f"backup {backup['id']}: container {container_of(backup)!r} "
                          "is not a valid container name") from exc
    return prefix


def manifest_name(backup: dict) -> str:
    return prefix_of(backup) + MANIFEST


def chunk_name(backup: dict, index: int) -> str:
    return f"{prefix_of(backup)}chunk-{index:08d}"


@functools.lru_cache(maxsize=8)
def _zero_digest(length: int) -> str:
    return hashlib.sha256(bytes(length)).hexdigest()


def clean_staging(conversion_dir: str) -> list[str]:
    """Remove what an earlier run left staged (one agent per host uses the
    directory: call at start, when nothing runs); the names removed."""
    directory = os.path.join(conversion_dir, STAGING_SUBDIR)
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(directory, name))
    return names


class VolumeBackups:
    """Backs volumes of one backend up to ``store`` and restores them.

    ``driver``: the backend's ``VolumeDriver``; ``conversion_dir``: [block]
    image_conversion_dir; ``chunk_size``: bytes per chunk of a new full backup
    (an incremental keeps its parent's); ``compression``: none | zlib;
    ``workers``: chunks hashed, compressed and transferred at once (each holds a
    chunk, twice at most, in memory: 2 x workers x chunk_size in all).
    """

    def __init__(self, store: BackupStore, driver: base.VolumeDriver, *,
                 conversion_dir: str, chunk_size: int = 32 * MiB,
                 compression: str = "zlib", workers: int | None = None):
        if compression not in ("none", "zlib"):
            raise ValueError(f"unknown compression {compression!r}")
        self.store = store
        self._driver = driver
        self._staging_dir = os.path.join(conversion_dir, STAGING_SUBDIR)
        self._chunk_size = chunk_size
        self._compression = compression
        self._workers = workers or max(1, min(4, os.cpu_count() or 1))

    @classmethod
    def from_conf(cls, conf, store: BackupStore, driver: base.VolumeDriver):
        return cls(store, driver, conversion_dir=conf.block.image_conversion_dir,
                   chunk_size=conf.backup.chunk_size_mib * MiB,
                   compression=conf.backup.compression)

    # -- staging -------------------------------------------------------------------

    @contextlib.contextmanager
    def _staged(self, what: str):
        """A path in the staging directory, removed when the block ends."""
        os.makedirs(self._staging_dir, exist_ok=True)
        path = os.path.join(self._staging_dir, f"{what}-{uuid.uuid4().hex[:8]}.raw")
        try:
            yield path
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    # -- manifests -----------------------------------------------------------------

    def read_manifest(self, backup: dict) -> dict:
        """The backup's manifest, checked for consistency; ``BackupError`` if it has
        none (never completed), ``BackupCorrupt`` if it does not hold together."""
        name = manifest_name(backup)
        try:
            raw = self.store.get_object(name)
        except BackupObjectNotFound as exc:
            raise BackupError(f"backup {backup['id']} is incomplete: it has no manifest "
                              f"({name}) in the {self.store.describe()}") from exc
        try:
            manifest = json.loads(raw)
            _check_manifest(manifest, backup["id"])
        except (ValueError, TypeError, KeyError) as exc:
            raise BackupCorrupt(f"backup {backup['id']}: manifest {name} is damaged "
                                f"({exc})") from exc
        return manifest

    # -- backup --------------------------------------------------------------------

    def backup(self, volume: base.VolumeRef, backup: dict, parent: dict | None = None
               ) -> int:
        """Store the volume's bytes as ``backup`` (incremental over ``parent``, a
        backup dict, when given); the number of objects the backup stored (its
        chunks and its manifest). On failure what it stored is removed."""
        prefix_of(backup)  # a container that cannot name objects fails first
        self.store.setup()
        parent_manifest = self.read_manifest(parent) if parent else None
        if parent_manifest and parent_manifest["volume_id"] != volume.id:
            raise BackupError(f"backup {parent['id']} is a backup of volume "
                              f"{parent_manifest['volume_id']}, not of {volume.id}: it "
                              "cannot be the parent of an incremental backup")
        chunk_size = parent_manifest["chunk_size"] if parent_manifest else self._chunk_size
        parent_chunks = parent_manifest["chunks"] if parent_manifest else {}
        try:
            with self._staged(f"backup-{backup['id']}") as path:
                self._driver.copy_volume_to_image(volume, path, "raw")
                size, chunks, stored = self._store_chunks(path, backup, chunk_size,
                                                          parent_chunks)
            manifest = {
                "format": FORMAT, "backup_id": backup["id"], "volume_id": volume.id,
                "parent_id": parent["id"] if parent else None,
                "size_gb": volume.size_gb, "size_bytes": size, "chunk_size": chunk_size,
                "compression": self._compression,
                "created_at": datetime.datetime.now(datetime.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%S.%fZ"),
                "chunks": {str(i): chunks[i] for i in range(len(chunks))},
            }
            self.store.put_object(manifest_name(backup),
                                  json.dumps(manifest, sort_keys=True).encode())
        except BaseException:
            self._remove_objects(backup)
            raise
        LOG.info("backup %s of volume %s: %d chunks, %d stored, %d from %s", backup["id"],
                 volume.id, len(chunks), stored,
                 sum(1 for c in chunks if c["object"] and
                     not c["object"].startswith(prefix_of(backup))),
                 f"parent {parent['id']}" if parent else "no parent")
        return stored + 1

    def _store_chunks(self, path: str, backup: dict, chunk_size: int,
                      parent_chunks: dict) -> tuple[int, list[dict], int]:
        """(size, chunk entries, chunks stored) of the raw file at ``path``."""
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            count = -(-size // chunk_size)
            entries: list[dict | None] = [None] * count
            pending = collections.deque()
            with concurrent.futures.ThreadPoolExecutor(
                    self._workers, thread_name_prefix="backup") as pool:
                try:
                    for index in range(count):
                        offset = index * chunk_size
                        length = min(chunk_size, size - offset)
                        if _is_hole(fd, offset, length):
                            entries[index] = {"sha256": _zero_digest(length),
                                              "length": length, "object": None}
                            continue
                        while len(pending) >= self._workers:  # memory: bounded
                            done_index, future = pending.popleft()
                            entries[done_index] = future.result()
                        data = os.pread(fd, length, offset)
                        if len(data) != length:
                            raise BackupError(f"short read of the staged volume at "
                                              f"{offset}")
                        pending.append((index, pool.submit(
                            self._store_chunk, backup, index, data,
                            parent_chunks.get(str(index)))))
                    while pending:
                        done_index, future = pending.popleft()
                        entries[done_index] = future.result()
                except BaseException:
                    for _, future in pending:
                        future.cancel()
                    raise
        finally:
            os.close(fd)
        own = prefix_of(backup)
        stored = sum(1 for e in entries if e["object"] and e["object"].startswith(own))
        return size, entries, stored

    def _store_chunk(self, backup: dict, index: int, data: bytes,
                     parent_entry: dict | None) -> dict:
        length = len(data)
        digest = hashlib.sha256(data).hexdigest()
        if parent_entry and parent_entry["sha256"] == digest \
                and parent_entry["length"] == length:
            return dict(parent_entry)  # unchanged: the parent's object (or zeros)
        if digest == _zero_digest(length):
            return {"sha256": digest, "length": length, "object": None}
        compression = "none"
        body = data
        if self._compression == "zlib" and _compressible(data):
            packed = zlib.compress(data, _ZLIB_LEVEL)
            if len(packed) < length:
                compression, body = "zlib", packed
        name = chunk_name(backup, index)
        self.store.put_object(name, body)
        return {"sha256": digest, "length": length, "object": name,
                "compression": compression}

    # -- restore -------------------------------------------------------------------

    def restore(self, backup: dict, volume: base.VolumeRef) -> None:
        """Write the backup's bytes into ``volume`` (which exists on this backend
        and is at least the backup's size); the volume keeps its old bytes unless
        every chunk was read and checked."""
        self.store.setup()
        manifest = self.read_manifest(backup)
        size = manifest["size_bytes"]
        if size > volume.size_gb * GiB:
            raise BackupError(
                f"backup {backup['id']} ({manifest['size_gb']} GiB) does not fit in "
                f"volume {volume.id} ({volume.size_gb} GiB)")
        with self._staged(f"restore-{backup['id']}") as path:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:  # no fsync: a crash throws the staged file away
                os.ftruncate(fd, size)  # zero chunks stay holes
                self._fetch_chunks(fd, backup, manifest)
            finally:
                os.close(fd)
            self._driver.copy_image_to_volume(volume, path, "raw")

    def _fetch_chunks(self, fd: int, backup: dict, manifest: dict) -> None:
        chunk_size = manifest["chunk_size"]
        todo = [(int(i), e) for i, e in manifest["chunks"].items() if e["object"]]
        todo.sort()
        with concurrent.futures.ThreadPoolExecutor(
                self._workers, thread_name_prefix="restore") as pool:
            pending = collections.deque()
            try:
                for index, entry in todo:
                    while len(pending) >= self._workers:
                        pending.popleft().result()
                    pending.append(pool.submit(self._fetch_chunk, fd, backup, index,
                                               index * chunk_size, entry))
                while pending:
                    pending.popleft().result()
            except BaseException:
                for future in pending:
                    future.cancel()
                raise

    def _fetch_chunk(self, fd, backup, index, offset, entry) -> None:
        what = f"backup {backup['id']}: chunk {index} ({entry['object']})"
        try:
            body = self.store.get_object(entry["object"])
        except BackupObjectNotFound as exc:
            raise BackupCorrupt(f"{what} is missing from the "
                                f"{self.store.describe()}") from exc
        data = body
        if entry.get("compression", "none") == "zlib":
            unpacker = zlib.decompressobj()
            try:  # never more than the chunk's length (plus one to see an excess)
                data = unpacker.decompress(body, entry["length"] + 1)
            except zlib.error as exc:
                raise BackupCorrupt(f"{what} cannot be decompressed: {exc}") from exc
        if len(data) != entry["length"] or \
                hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BackupCorrupt(f"{what} does not match the sha256 its manifest "
                                "records: the stored backup is damaged")
        view = memoryview(data)
        zeros = bytes(min(_WRITE_BLOCK, len(view)))
        for start in range(0, len(view), _WRITE_BLOCK):
            block = view[start:start + _WRITE_BLOCK]
            if block == zeros[:len(block)]:
                continue  # the staged file is a hole there: it reads as zeros
            while block:
                written = os.pwrite(fd, block, offset + start)
                block, start = block[written:], start + written

    # -- delete --------------------------------------------------------------------

    def delete(self, backup: dict) -> None:
        """Remove the backup's manifest, then its own objects (a parent's objects
        its manifest names are not its own). Repeatable."""
        self.store.setup()
        manifest = manifest_name(backup)
        self.store.delete_object(manifest)  # from now on it is never restored
        self._remove_objects(backup, raise_errors=True)

    def _remove_objects(self, backup: dict, raise_errors: bool = False) -> None:
        """Remove every object under the backup's prefix, the manifest first."""
        try:
            names = self.store.list_objects(prefix_of(backup))
            manifest = manifest_name(backup)
            for name in sorted(names, key=lambda n: n != manifest):
                self.store.delete_object(name)
        except Exception:
            if raise_errors:
                raise
            LOG.exception("could not remove the objects of the failed backup %s",
                          backup["id"])


def _compressible(data: bytes) -> bool:
    """Whether samples of ``data`` shrink enough under zlib to compress it all."""
    if len(data) <= _PROBE_SAMPLES * _PROBE_BYTES:
        return True
    step = (len(data) - _PROBE_BYTES) // (_PROBE_SAMPLES - 1)
    sample = b"".join(data[i * step:i * step + _PROBE_BYTES]
                      for i in range(_PROBE_SAMPLES))
    return len(zlib.compress(sample, _ZLIB_LEVEL)) < len(sample) * _PROBE_RATIO


def _is_hole(fd: int, offset: int, length: int) -> bool:
    """Whether [offset, offset+length) of the file holds no data (reads as zeros
    without being read); False where the filesystem cannot say."""
    try:
        data_at = os.lseek(fd, offset, os.SEEK_DATA)
    except OSError as exc:
        return exc.errno == errno.ENXIO  # no data from offset to the end
    return data_at >= offset + length


def _check_manifest(manifest: dict, backup_id: str) -> None:
    """ValueError (or KeyError, TypeError) unless ``manifest`` is a whole manifest
    of ``backup_id`` whose chunks tile its size."""
    if manifest.get("format") != FORMAT:
        raise ValueError(f"unknown format {manifest.get('format')!r}")
    if manifest["backup_id"] != backup_id:
        raise ValueError(f"it is the manifest of backup {manifest['backup_id']}")
    size, chunk_size = manifest["size_bytes"], manifest["chunk_size"]
    if not (isinstance(size, int) and isinstance(chunk_size, int)
            and size >= 0 and chunk_size > 0):
        raise ValueError("bad size_bytes or chunk_size")
    chunks = manifest["chunks"]
    count = -(-size // chunk_size)
    if set(chunks) != {str(i) for i in range(count)}:
        raise ValueError(f"its chunks do not cover {size} bytes")
    for index in range(count):
        entry = chunks[str(index)]
        if entry["length"] != min(chunk_size, size - index * chunk_size):
            raise ValueError(f"chunk {index} has the wrong length")
        if entry["object"] is None:
            if entry["sha256"] != _zero_digest(entry["length"]):
                raise ValueError(f"chunk {index} has no object but is not zeros")
        else:
            check_name(entry["object"])
            if entry.get("compression", "none") not in ("none", "zlib"):
                raise ValueError(f"chunk {index}: unknown compression")

"""The filesystem store: image data under one directory, named by content.

Layout under the data dir::

    objects/<first 2 hex of sha512>/<sha512 hex>   one file per distinct content
    staging/<random>.part                         uploads in progress (dropped
                                                  when the store starts if
                                                  stale_after seconds old)
    .lock                                         reference_lock (flock)

Locations are ``file:///<data dir>/objects/..``; a location outside the data dir is
refused, whatever the database says.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import re
import time
import uuid
from collections.abc import Iterator

from sovra_image.drivers.store.base import Store, StoreError, StoreWriter

_CONTENT_ID = re.compile(r"^[0-9a-f]{128}$")

WRITEBACK_STEP = 16 * 1024 * 1024
_SYNC_FILE_RANGE_WRITE = 2


def _sync_file_range():
    """libc's sync_file_range (Linux), None elsewhere. Through ctypes the call
    releases the GIL, like os.write."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError, TypeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int
    return call


_start_writeback = _sync_file_range()


class _FileWriter(StoreWriter):
    """Writes into staging/<random>.part. Every WRITEBACK_STEP bytes it asks the
    kernel to start writing them to disk (sync_file_range, no wait), so that the
    fsync of commit() waits for the last few MiB only, not for the whole image:
    the disk writes while the upload still streams and hashes."""

    def __init__(self, store: FilesystemStore):
        self._store = store
        self._path = os.path.join(store.staging_dir, f"{uuid.uuid4().hex}.part")
        self._fd: int | None = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                                       0o600)
        self._done = False
        self._written = 0
        self._flushed = 0  # writeback started for the bytes before this offset

    def write(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
            self._written += written
        if (_start_writeback is not None
                and self._written - self._flushed >= WRITEBACK_STEP):
            # Advisory: a failure here only means commit()'s fsync does it all.
            _start_writeback(self._fd, self._flushed, self._written - self._flushed,
                             _SYNC_FILE_RANGE_WRITE)
            self._flushed = self._written

    def commit(self, content_id: str) -> str:
        if not _CONTENT_ID.match(content_id):
            raise ValueError("content_id must be a hex SHA-512")
        os.fsync(self._fd)
        self._close()
        target = self._store.object_path(content_id)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # Replacing an existing object is harmless: same name, same bytes.
        os.replace(self._path, target)
        self._done = True
        return f"file://{target}"

    def abort(self) -> None:
        self._close()
        if not self._done:
            self._done = True
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)

    def _close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class FilesystemStore(Store):
    name = "file"

    def __init__(self, datadir: str, stale_after: float | None = None):
        self.datadir = os.path.abspath(datadir)
        self.objects_dir = os.path.join(self.datadir, "objects")
        self.staging_dir = os.path.join(self.datadir, "staging")
        os.makedirs(self.objects_dir, exist_ok=True)
        os.makedirs(self.staging_dir, exist_ok=True)
        self._lock_path = os.path.join(self.datadir, ".lock")
        if stale_after is not None:
            self.drop_stale_writes(stale_after)

    def drop_stale_writes(self, older_than: float) -> list[str]:
        """Remove unfinished writes not written to for ``older_than`` seconds (left
        by a process that was killed; a live upload keeps writing); their names."""
        limit = time.time() - older_than
        dropped = []
        with os.scandir(self.staging_dir) as entries:
            for entry in entries:
                if entry.name.endswith(".part") and entry.stat().st_mtime < limit:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        dropped.append(entry.name)
        return dropped

    def object_path(self, content_id: str) -> str:
        return os.path.join(self.objects_dir, content_id[:2], content_id)

    def _path(self, location: str) -> str:
        if not self.owns(location):
            raise StoreError(f"not a location of the filesystem store: {location!r}")
        path = os.path.realpath(location[len("file://"):])
        if os.path.commonpath([path, self.objects_dir]) != self.objects_dir:
            raise StoreError(f"location outside the store's data dir: {location!r}")
        return path

    def writer(self) -> StoreWriter:
        return _FileWriter(self)

    def read(self, location, offset=0, length=None, chunk_size=1024 * 1024
             ) -> Iterator[bytes]:
        path = self._path(location)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise StoreError(f"image data missing at {location}") from None
        return self._chunks(fd, offset, length, chunk_size)

    @staticmethod
    def _chunks(fd, offset, length, chunk_size):
        try:
            remaining = length
            while remaining is None or remaining > 0:
                want = chunk_size if remaining is None else min(chunk_size, remaining)
                chunk = os.pread(fd, want, offset)
                if not chunk:
                    break
                offset += len(chunk)
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            os.close(fd)

    def delete(self, location: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path(location))

    def exists(self, location: str) -> bool:
        return os.path.isfile(self._path(location))

    @contextlib.contextmanager
    def reference_lock(self):
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

"""The filesystem backup store: objects as files under ``[backup] file_backup_dir``
(an NFS mount or another disk than the volumes', for backups to survive the loss of
the volume backend).

An object ``a/b/c`` is the file ``<dir>/a/b/c``. It is written as
``<dir>/a/b/.tmp-c-<random>``, fsync'd, renamed over its name, and the directory
fsync'd, so a crash leaves either the old object, the new one, or a temporary that
no listing shows (object names never start with ``.``). Nothing removes such a
temporary by itself (several agents may share the directory and be writing theirs):
after a crash of an agent mid-backup, ``.tmp-*`` files older than a day under the
directory are safe to remove.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid

from sovra_block.backup import base

TMP_PREFIX = ".tmp-"


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FilesystemBackupStore(base.BackupStore):
    name = "filesystem"

    def __init__(self, directory: str):
        self.directory = os.path.abspath(directory)

    @classmethod
    def from_conf(cls, conf) -> FilesystemBackupStore:
        return cls(conf.backup.file_backup_dir)

    def describe(self) -> str:
        return f"filesystem store {self.directory}"

    def _path(self, name: str) -> str:
        try:
            return os.path.join(self.directory, *base.check_name(name).split("/"))
        except ValueError as exc:
            raise base.BackupStoreError(str(exc)) from exc

    def setup(self) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
        except OSError as exc:
            raise base.BackupStoreError(
                f"cannot create the backup directory {self.directory}: {exc}") from exc
        if not os.access(self.directory, os.W_OK | os.X_OK):
            raise base.BackupStoreError(f"the backup directory {self.directory} is "
                                        "not writable")

    def _make_parents(self, path: str) -> None:
        """Create the directories above ``path`` (each new one made durable)."""
        missing = []
        parent = os.path.dirname(path)
        while parent != self.directory and not os.path.isdir(parent):
            missing.append(parent)
            parent = os.path.dirname(parent)
        for directory in reversed(missing):
            with contextlib.suppress(FileExistsError):
                os.mkdir(directory)
                _fsync_dir(os.path.dirname(directory))

    def put_object(self, name: str, data: bytes) -> None:
        path = self._path(name)
        directory, leaf = os.path.split(path)
        tmp = os.path.join(directory, f"{TMP_PREFIX}{leaf}-{uuid.uuid4().hex[:8]}")
        try:
            for attempt in (1, 2):  # a concurrent delete may remove an empty parent
                self._make_parents(path)
                try:
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    break
                except FileNotFoundError:
                    if attempt == 2:
                        raise
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
            _fsync_dir(directory)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise base.BackupStoreError(f"cannot write backup object {name} in "
                                        f"{self.directory}: {exc}") from exc

    def get_object(self, name: str) -> bytes:
        try:
            with open(self._path(name), "rb") as f:
                return f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise base.BackupObjectNotFound(
                f"backup object {name} not found in {self.directory}") from exc
        except OSError as exc:
            raise base.BackupStoreError(f"cannot read backup object {name} in "
                                        f"{self.directory}: {exc}") from exc

    def delete_object(self, name: str) -> None:
        path = self._path(name)
        try:
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as exc:
            raise base.BackupStoreError(f"cannot delete backup object {name} in "
                                        f"{self.directory}: {exc}") from exc
        directory = os.path.dirname(path)
        if directory != self.directory:  # the backup's own directory, once empty
            try:
                os.rmdir(directory)
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
                    raise base.BackupStoreError(
                        f"cannot remove {directory}: {exc}") from exc

    def list_objects(self, prefix: str) -> list[str]:
        head = prefix.rpartition("/")[0]  # the directory the prefix is within
        try:
            start = self._path(head) if head else self.directory
        except base.BackupStoreError:
            return []  # no valid name has that prefix
        names = []
        for root, dirs, files in os.walk(start):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = os.path.relpath(root, self.directory)
            for leaf in files:
                if leaf.startswith("."):
                    continue
                name = leaf if rel == "." else f"{rel}/{leaf}".replace(os.sep, "/")
                if name.startswith(prefix):
                    names.append(name)
        return sorted(names)

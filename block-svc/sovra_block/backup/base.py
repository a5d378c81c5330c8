"""The backup store contract: where the volume agent keeps backups' objects.

A store is a flat namespace of named objects (bytes), like an object store bucket.
Names are ``/``-separated relative paths of safe components (``check_name``):
the agent names a backup's objects ``<container>/<backup_id>/...`` and lists them
by that prefix. Rules every store keeps (``tests/unit/block/backup_store_conformance.py``
checks them):

- ``put_object`` is atomic: a reader sees the whole object or none, never part of
  it (a crash mid-write leaves at most a temporary no listing shows); putting an
  existing name replaces it. Once ``put_object`` returns, the object is durable.
- ``get_object`` of a missing name raises ``BackupObjectNotFound``.
- ``delete_object`` of a missing name is fine (deletes can be repeated).
- ``list_objects(prefix)`` gives the names that start with ``prefix``, sorted.
- Every other failure is a ``BackupStoreError`` whose message says what failed.
- Methods may be called from several threads at once.

Stores are built from configuration by ``sovra_block.backup.load_store`` (entry
points of ``sovra.block.backup_stores``); building one does no I/O, ``setup()``
does (and may be called before every operation: it is cheap once done).
"""

from __future__ import annotations

import abc
import re

from sovra_common import exception

_COMPONENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$")


class BackupStoreError(exception.SovraError):
    """The backup store failed; the message says what and why."""

    message = "The backup store failed."
    error_code = "sovra.block.backup_store_error"


class BackupObjectNotFound(BackupStoreError, exception.NotFound):
    """The store holds no object of that name."""

    message = "No such backup object."
    error_code = "sovra.block.backup_object_not_found"


def check_name(name: str) -> str:
    """``name`` if it is a valid object name (components of letters, digits, ``_``,
    ``.``, ``-``, not starting with ``.`` or ``-``, joined by ``/``), else
    ValueError."""
    parts = name.split("/") if isinstance(name, str) else [None]
    if not all(isinstance(p, str) and _COMPONENT.match(p) for p in parts):
        raise ValueError(f"{name!r} is not a backup object name")
    return name


class BackupStore(abc.ABC):
    """A place for backup objects (see the module's doc)."""

    #: The entry point name (``[backup] backup_store``).
    name = "abstract"

    @classmethod
    @abc.abstractmethod
    def from_conf(cls, conf) -> BackupStore:
        """The store the service's options ([backup], its own group) describe;
        no I/O."""

    @abc.abstractmethod
    def setup(self) -> None:
        """Make the store usable (create its directory or bucket when configured
        to); raise ``BackupStoreError`` saying why it is not. Idempotent."""

    @abc.abstractmethod
    def put_object(self, name: str, data: bytes) -> None:
        """Store ``data`` as ``name``, atomically and durably."""

    @abc.abstractmethod
    def get_object(self, name: str) -> bytes:
        """The bytes of ``name``; ``BackupObjectNotFound`` if there is none."""

    @abc.abstractmethod
    def delete_object(self, name: str) -> None:
        """Remove ``name``; a missing object is fine."""

    @abc.abstractmethod
    def list_objects(self, prefix: str) -> list[str]:
        """The names starting with ``prefix`` (a string prefix, e.g.
        ``"volumebackups/<id>/"``), sorted."""

    def describe(self) -> str:
        """Where the store is, for messages."""
        return self.name

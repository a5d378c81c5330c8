"""The contract every image data store keeps.

Writing is two-phase: ``writer()`` gives a StoreWriter that takes the data chunk by
chunk into a private place; ``commit(content_id)`` makes it a stored object and
returns its location (a string the same store understands later); ``abort()``
removes whatever was written. Until commit nothing is visible, and after abort
nothing is left: an interrupted upload leaves no partial data.

``content_id`` is the hex SHA-512 of the data. A store may name objects by it (the
filesystem store does: two images with the same bytes share one object) or not (the
S3 store). Either way the service keeps the references (one location row per image)
and deletes an object only when the last reference goes, inside
``reference_lock()`` so that a concurrent commit of the same content cannot lose its
object.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator


class StoreError(Exception):
    """The store failed (I/O); the service turns it into a 500 or 503."""


class StoreWriter(abc.ABC):
    @abc.abstractmethod
    def write(self, chunk: bytes) -> None:
        """Append ``chunk``."""

    @abc.abstractmethod
    def commit(self, content_id: str) -> str:
        """Make the data written so far durable under ``content_id``; the location."""

    @abc.abstractmethod
    def abort(self) -> None:
        """Drop the data written so far. Idempotent; safe after commit (no-op)."""


class Store(abc.ABC):
    """An image data store; ``name`` is its id in /v2/info/stores and locations."""

    name: str = "abstract"

    @abc.abstractmethod
    def writer(self) -> StoreWriter:
        """A writer for a new object."""

    @abc.abstractmethod
    def read(self, location: str, offset: int = 0, length: int | None = None,
             chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """The object's bytes from ``offset``, ``length`` of them (None: to the end),
        in chunks. Raises StoreError (at first iteration) if the object is gone."""

    @abc.abstractmethod
    def delete(self, location: str) -> None:
        """Remove the object; a missing object is not an error."""

    @abc.abstractmethod
    def exists(self, location: str) -> bool:
        """Whether the object is there."""

    def name_of(self, location: str) -> str:
        """The id of the store holding ``location`` (a StoreSet holds several)."""
        return self.name

    def owns(self, location: str) -> bool:
        """Whether ``location`` names an object of this store."""
        return location.startswith(f"{self.name}://")

    def reference_lock(self) -> contextlib.AbstractContextManager:
        """Held while the service counts references to delete an object, and while it
        commits one and records the reference. Default: no lock."""
        return contextlib.nullcontext()

"""What every image store must do (the Store contract), run against each driver.

A driver's test module subclasses StoreConformance and provides a ``store`` fixture.
"""

import hashlib
import os

import pytest

from sovra_image.drivers.store import Store
from sovra_image.drivers.store.base import StoreError


def put(store, data: bytes, piece: int = 7) -> str:
    writer = store.writer()
    for i in range(0, len(data), piece):
        writer.write(data[i:i + piece])
    return writer.commit(hashlib.sha512(data).hexdigest())


class StoreConformance:
    def test_is_a_store(self, store):
        assert isinstance(store, Store)

    def test_write_commit_read(self, store):
        location = put(store, b"hello image data")
        assert store.owns(location) and store.exists(location)
        assert store.name_of(location) == store.name
        assert b"".join(store.read(location)) == b"hello image data"

    def test_empty_object(self, store):
        location = put(store, b"")
        assert b"".join(store.read(location)) == b""

    def test_large_object_in_many_writes(self, store):
        data = os.urandom(11 * 1024 * 1024 + 3)
        location = put(store, data, piece=1024 * 1024 + 1)
        assert b"".join(store.read(location)) == data

    def test_ranged_reads(self, store):
        data = bytes(range(256)) * 10
        location = put(store, data)
        assert b"".join(store.read(location, offset=10, length=100, chunk_size=30)) \
            == data[10:110]
        assert b"".join(store.read(location, offset=2550)) == data[2550:]
        assert max(len(c) for c in store.read(location, chunk_size=64)) <= 64

    def test_abort_leaves_nothing_visible(self, store):
        writer = store.writer()
        writer.write(b"partial" * 1000)
        writer.abort()
        writer.abort()

    def test_delete(self, store):
        location = put(store, b"bye")
        store.delete(location)
        assert not store.exists(location)
        with pytest.raises(StoreError):
            list(store.read(location))

    def test_foreign_locations_are_refused(self, store):
        for location in ("file:///etc/passwd", "s3://someone-elses-bucket/key",
                         "http://127.0.0.1/x"):
            if store.owns(location):
                continue
            with pytest.raises(StoreError):
                store.read(location)

    def test_reference_lock(self, store):
        with store.reference_lock():
            pass

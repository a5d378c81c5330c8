"""The backup store contract (sovra_block.backup.base), as tests every store runs.

A store's test module subclasses ``BackupStoreConformance`` and provides the
``store`` fixture: an empty store, set up.
"""

import concurrent.futures
import os

import pytest

from sovra_block.backup import BackupObjectNotFound, BackupStore, BackupStoreError


class BackupStoreConformance:
    def test_is_a_backup_store(self, store):
        assert isinstance(store, BackupStore)
        store.setup()  # again: idempotent

    def test_put_get(self, store):
        store.put_object("volumebackups/b1/chunk-00000000", b"chunk zero")
        assert store.get_object("volumebackups/b1/chunk-00000000") == b"chunk zero"

    def test_empty_and_large_objects(self, store):
        data = os.urandom(9 * 1024 * 1024 + 7)
        store.put_object("c/b/large", data)
        store.put_object("c/b/empty", b"")
        assert store.get_object("c/b/large") == data
        assert store.get_object("c/b/empty") == b""

    def test_put_replaces(self, store):
        store.put_object("c/b/manifest", b"first")
        store.put_object("c/b/manifest", b"second, longer")
        assert store.get_object("c/b/manifest") == b"second, longer"
        assert store.list_objects("c/") == ["c/b/manifest"]

    def test_missing_object(self, store):
        with pytest.raises(BackupObjectNotFound):
            store.get_object("c/nothing/manifest")
        store.put_object("c/b/x", b"1")
        with pytest.raises(BackupObjectNotFound):
            store.get_object("c/b")  # a prefix is no object
        assert issubclass(BackupObjectNotFound, BackupStoreError)

    def test_delete_is_repeatable_and_leaves_the_others(self, store):
        store.put_object("c/b1/chunk-00000000", b"a")
        store.put_object("c/b1/manifest", b"m")
        store.put_object("c/b2/chunk-00000000", b"b")
        store.delete_object("c/b1/chunk-00000000")
        store.delete_object("c/b1/chunk-00000000")
        store.delete_object("c/never/was")
        with pytest.raises(BackupObjectNotFound):
            store.get_object("c/b1/chunk-00000000")
        assert store.list_objects("c/") == ["c/b1/manifest", "c/b2/chunk-00000000"]
        store.delete_object("c/b1/manifest")
        assert store.list_objects("c/") == ["c/b2/chunk-00000000"]
        store.put_object("c/b1/manifest", b"again")  # the emptied place is usable
        assert store.get_object("c/b1/manifest") == b"again"

    def test_list_by_prefix_sorted(self, store):
        names = ["volumebackups/b1/manifest", "volumebackups/b1/chunk-00000002",
                 "volumebackups/b1/chunk-00000000", "volumebackups/b10/manifest",
                 "mine/b1/manifest"]
        for name in names:
            store.put_object(name, name.encode())
        assert store.list_objects("volumebackups/b1/") == [
            "volumebackups/b1/chunk-00000000", "volumebackups/b1/chunk-00000002",
            "volumebackups/b1/manifest"]
        assert store.list_objects("volumebackups/b1") == [
            "volumebackups/b1/chunk-00000000", "volumebackups/b1/chunk-00000002",
            "volumebackups/b1/manifest", "volumebackups/b10/manifest"]
        assert store.list_objects("volumebackups/b1/chunk-") == [
            "volumebackups/b1/chunk-00000000", "volumebackups/b1/chunk-00000002"]
        assert store.list_objects("") == sorted(names)
        assert store.list_objects("nothing/") == []

    @pytest.mark.parametrize("name", ["../escape", "/abs/path", "c//b", "c/./b",
                                      "c/../b", ".hidden", "c/b/", "", "c/b c"])
    def test_bad_names_are_refused(self, store, name):
        with pytest.raises(BackupStoreError):
            store.put_object(name, b"x")
        with pytest.raises(BackupStoreError):
            store.get_object(name)

    def test_concurrent_puts(self, store):
        blobs = {f"c/b{i % 3}/chunk-{i:08d}": os.urandom(1000 + i) for i in range(24)}
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda item: store.put_object(*item), blobs.items()))
        assert store.list_objects("c/") == sorted(blobs)
        for name, data in blobs.items():
            assert store.get_object(name) == data

    def test_describe_names_the_place(self, store):
        assert store.describe()

"""The filesystem store: the conformance suite, plus its content-addressed layout."""

import hashlib
import os

import pytest
from unit.image.store_conformance import StoreConformance, put

from sovra_image.drivers.store import FilesystemStore
from sovra_image.drivers.store.base import StoreError


@pytest.fixture
def store(tmp_path):
    return FilesystemStore(str(tmp_path / "data"))


class TestConformance(StoreConformance):
    pass


def test_objects_are_named_by_sha512(store):
    location = put(store, b"hello")
    digest = hashlib.sha512(b"hello").hexdigest()
    assert location == f"file://{store.objects_dir}/{digest[:2]}/{digest}"


def test_abort_removes_the_staged_file(store):
    writer = store.writer()
    writer.write(b"partial")
    writer.abort()
    assert os.listdir(store.staging_dir) == []
    assert os.listdir(store.objects_dir) == []


def test_same_content_is_one_object(store):
    assert put(store, b"same") == put(store, b"same")
    assert len(os.listdir(store.objects_dir)) == 1


def test_locations_outside_the_data_dir_are_refused(store, tmp_path):
    (tmp_path / "secret").write_text("x")
    for location in (f"file://{tmp_path / 'secret'}",
                     f"file://{store.objects_dir}/../../secret"):
        with pytest.raises(StoreError):
            store.read(location)
        with pytest.raises(StoreError):
            store.delete(location)
    assert (tmp_path / "secret").exists()


def test_commit_needs_a_sha512(store):
    writer = store.writer()
    with pytest.raises(ValueError):
        writer.commit("../../etc/passwd")
    writer.abort()


def test_reference_lock_across_instances(store, tmp_path):
    with store.reference_lock():
        pass
    with FilesystemStore(str(tmp_path / "data")).reference_lock():
        pass


def test_writeback_started_along_the_way_keeps_the_bytes(store, monkeypatch):
    """The writer starts the disk writes of each WRITEBACK_STEP it has written (real
    sync_file_range calls, recorded); the stored object is still exactly the data."""
    from sovra_image.drivers.store import filesystem

    if filesystem._start_writeback is None:
        pytest.skip("no sync_file_range on this platform")
    calls = []
    real = filesystem._start_writeback

    def recording(fd, offset, length, flags):
        calls.append((offset, length))
        result = real(fd, offset, length, flags)
        assert result == 0
        return result

    monkeypatch.setattr(filesystem, "WRITEBACK_STEP", 8192)
    monkeypatch.setattr(filesystem, "_start_writeback", recording)
    data = os.urandom(50_000)
    writer = store.writer()
    for start in range(0, len(data), 3000):
        writer.write(data[start:start + 3000])
    location = writer.commit(hashlib.sha512(data).hexdigest())
    assert b"".join(store.read(location)) == data
    # contiguous ranges from 0, each at least one step, none past what was written
    assert calls[0][0] == 0
    assert all(a[0] + a[1] == b[0] for a, b in zip(calls, calls[1:], strict=False))
    assert all(length >= 8192 for _, length in calls)
    assert sum(length for _, length in calls) <= len(data)
    assert len(calls) == 5  # 9000, 18000, 27000, 36000, 45000: 8192 or more each

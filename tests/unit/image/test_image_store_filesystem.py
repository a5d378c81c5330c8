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

"""Several stores behind one: writes to the default (or a chosen one), reads and
deletes to the owner of the location."""

import uuid

import boto3
import moto
import pytest
from unit.image.store_conformance import StoreConformance, put

from sovra_image.drivers.store import FilesystemStore, StoreSet, UnknownStore
from sovra_image.drivers.store.base import StoreError
from sovra_image.drivers.store.s3 import MIN_PART_SIZE, S3Store


@pytest.fixture(scope="module")
def s3_client():
    with moto.mock_aws():  # ~0.5 s to start: once per module, a bucket per test
        yield boto3.client("s3", region_name="us-east-1", aws_access_key_id="k",
                           aws_secret_access_key="s")


@pytest.fixture
def stores(tmp_path, s3_client):
    bucket = f"b-{uuid.uuid4().hex}"
    return StoreSet({"file": FilesystemStore(str(tmp_path / "fs")),
                     "s3": S3Store(bucket=bucket, client=s3_client, create_bucket=True,
                                   part_size=MIN_PART_SIZE)}, "s3")


@pytest.fixture
def store(stores):
    return stores


class TestConformance(StoreConformance):
    pass


def test_writes_go_to_the_default_or_the_chosen_store(stores):
    assert put(stores, b"a").startswith("s3://")
    on_disk = put(stores.get("file"), b"b")
    assert on_disk.startswith("file://")
    assert stores.name_of(on_disk) == "file"
    assert b"".join(stores.read(on_disk)) == b"b"
    stores.delete(on_disk)
    assert not stores.exists(on_disk)


def test_unknown_store_and_location(stores):
    with pytest.raises(UnknownStore):
        stores.get("tape")
    with pytest.raises(StoreError):
        stores.read("tape://x")


def test_default_must_be_enabled(tmp_path):
    with pytest.raises(ValueError):
        StoreSet({"file": FilesystemStore(str(tmp_path))}, "s3")

"""The S3 store against moto's in-process S3 (no sockets): the conformance suite,
plus multipart behaviour."""

import boto3
import moto
import pytest
from unit.image.store_conformance import StoreConformance, put

from sovra_image.drivers.store.base import StoreError
from sovra_image.drivers.store.s3 import MIN_PART_SIZE, S3Store


@pytest.fixture(scope="module")
def s3_client():
    # moto takes ~0.5 s to start: once per module, a new bucket per test.
    with moto.mock_aws():
        yield boto3.client("s3", region_name="us-east-1", aws_access_key_id="k",
                           aws_secret_access_key="s")


@pytest.fixture
def s3(s3_client):
    yield s3_client
    for obj in s3_client.list_objects_v2(Bucket="images").get("Contents", []):
        s3_client.delete_object(Bucket="images", Key=obj["Key"])
    s3_client.delete_bucket(Bucket="images")


@pytest.fixture
def store(s3):
    return S3Store(bucket="images", client=s3, create_bucket=True,
                   part_size=MIN_PART_SIZE)


class TestConformance(StoreConformance):
    pass


def test_locations_name_the_bucket(store):
    assert put(store, b"x").startswith("s3://images/images/")


def test_large_objects_go_up_in_parts(store, s3):
    data = b"\1" * (2 * MIN_PART_SIZE + 10)
    location = put(store, data, piece=1024 * 1024)
    key = location[len("s3://images/"):]
    assert s3.head_object(Bucket="images", Key=key)["ContentLength"] == len(data)
    assert s3.list_multipart_uploads(Bucket="images").get("Uploads", []) == []


def test_abort_aborts_the_multipart_upload(store, s3):
    writer = store.writer()
    writer.write(b"\2" * (MIN_PART_SIZE + 1))
    assert len(s3.list_multipart_uploads(Bucket="images")["Uploads"]) == 1
    writer.abort()
    assert s3.list_multipart_uploads(Bucket="images").get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket="images").get("KeyCount") == 0


def test_other_buckets_are_refused(store):
    with pytest.raises(StoreError):
        store.read("s3://other/images/x")


def test_part_size_minimum(s3_client):
    with pytest.raises(ValueError):
        S3Store(bucket="images", client=s3_client, part_size=1024)

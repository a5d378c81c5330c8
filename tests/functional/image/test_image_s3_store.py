"""Image data in an S3-compatible store: moto's S3 server on 127.0.0.1, next to the
filesystem store (two stores, /v2/info/stores)."""

import contextlib
import hashlib
import os
import socket
import time

import boto3
import pytest
from moto.server import ThreadedMotoServer

OCTET = {"Content-Type": "application/octet-stream"}


@pytest.fixture(scope="module")
def s3_endpoint():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def api(image_api_factory, s3_endpoint):
    return image_api_factory(
        enabled_stores=["file", "s3"], default_store="s3",
        s3_store={"endpoint_url": s3_endpoint, "bucket": "sovra-images",
                  "access_key": "test", "secret_key": "test", "create_bucket": True,
                  "part_size_mib": 5})


@pytest.fixture
def bucket(s3_endpoint):
    client = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="test",
                          aws_secret_access_key="test", region_name="us-east-1")

    def keys():
        return [o["Key"] for o in
                client.list_objects_v2(Bucket="sovra-images").get("Contents", [])]
    return keys


def test_upload_download_delete_through_s3(api, bucket):
    stores = api.request("GET", "/v2/info/stores").json()["stores"]
    assert [(s["id"], s.get("default", False)) for s in stores] == \
        [("file", False), ("s3", True)]
    data = os.urandom(12 * 1024 * 1024 + 5)  # three multipart parts
    image = api.create()
    assert api.upload(image["id"], data).status_code == 204
    shown = api.request("GET", f"/v2/images/{image['id']}").json()
    assert shown["stores"] == "s3"
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert len(bucket()) == 1
    assert api.request("GET", f"/v2/images/{image['id']}/file").content == data
    resp = api.request("GET", f"/v2/images/{image['id']}/file",
                       headers={"Range": "bytes=5-9"})
    assert resp.status_code == 206 and resp.content == data[5:10]
    assert api.request("DELETE", f"/v2/images/{image['id']}").status_code == 204
    assert bucket() == []


def test_upload_to_a_chosen_store(api, bucket):
    image = api.create()
    resp = api.upload(image["id"], b"on disk", headers={"X-Image-Meta-Store": "file"})
    assert resp.status_code == 204
    assert api.request("GET", f"/v2/images/{image['id']}").json()["stores"] == "file"
    other = api.create()
    resp = api.upload(other["id"], b"x", headers={"X-Image-Meta-Store": "tape"})
    assert resp.status_code == 400


def test_refused_upload_leaves_nothing_in_the_bucket(api, bucket):
    before = bucket()
    image = api.create(disk_format="qcow2")
    assert api.upload(image["id"], b"\0" * (6 * 1024 * 1024)).status_code == 400
    assert bucket() == before


def test_copy_image_into_the_other_store(api, bucket):
    info = api.request("GET", "/v2/info/import").json()["import-methods"]["value"]
    assert "copy-image" in info
    image = api.create()
    data = os.urandom(100_000)
    api.upload(image["id"], data, headers={"X-Image-Meta-Store": "file"})
    resp = api.request("POST", f"/v2/images/{image['id']}/import",
                       json={"method": {"name": "copy-image"}, "stores": ["s3"]})
    assert resp.status_code == 202, resp.text
    deadline = time.monotonic() + 10
    while api.request("GET", f"/v2/images/{image['id']}").json()["stores"] != "file,s3":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(bucket()) == 1
    resp = api.request("POST", f"/v2/images/{image['id']}/import",
                       json={"method": {"name": "copy-image"}, "stores": ["s3"]})
    assert resp.status_code == 409
    assert api.request("DELETE", f"/v2/images/{image['id']}").status_code == 204
    assert bucket() == []

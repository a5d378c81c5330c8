"""Image data over HTTP: streamed (chunked) uploads, size cap, format checks, ranges."""

import hashlib
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest
from conftest import PROJECT_A, PROJECT_B

from sovra_image.service import image_data, quota

OCTET = {"Content-Type": "application/octet-stream"}


def _stored(api):
    return [p for p in (api.store_dir / "objects").rglob("*") if p.is_file()]


def _status(api, image_id):
    return api.request("GET", f"/v2/images/{image_id}").json()["status"]


def test_chunked_upload_and_download(image_api):
    image = image_api.create()
    data = os.urandom(3 * 1024 * 1024 + 17)

    def chunks():  # no Content-Length: Transfer-Encoding: chunked
        for i in range(0, len(data), 100_000):
            yield data[i:i + 100_000]

    assert image_api.upload(image["id"], chunks()).status_code == 204
    shown = image_api.request("GET", f"/v2/images/{image['id']}").json()
    assert shown["status"] == "active" and shown["size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    resp = image_api.request("GET", f"/v2/images/{image['id']}/file", stream=True)
    assert resp.headers["Content-MD5"] == shown["checksum"]
    assert resp.headers["Content-Type"] == "application/octet-stream"
    assert int(resp.headers["Content-Length"]) == len(data)
    assert resp.headers["Accept-Ranges"] == "bytes"
    assert resp.raw.read() == data


def test_second_upload_is_409(image_api):
    image = image_api.create()
    assert image_api.upload(image["id"], b"one").status_code == 204
    assert image_api.upload(image["id"], b"two").status_code == 409


def test_upload_needs_octet_stream(image_api):
    image = image_api.create()
    resp = image_api.request("PUT", f"/v2/images/{image['id']}/file", data=b"x",
                             headers={"Content-Type": "application/json"})
    assert resp.status_code == 415


def test_other_projects_cannot_upload(image_api):
    image = image_api.create(visibility="community")
    assert image_api.upload(image["id"], b"x", project=PROJECT_B).status_code == 403


def test_no_data_is_204(image_api):
    image = image_api.create()
    resp = image_api.request("GET", f"/v2/images/{image['id']}/file")
    assert resp.status_code == 204 and resp.content == b""


@pytest.mark.parametrize("header,status,body", [
    ("bytes=0-9", 206, slice(0, 10)),
    ("bytes=100-", 206, slice(100, None)),
    ("bytes=-5", 206, slice(-5, None)),
    ("bytes=995-5000", 206, slice(995, None)),
    ("bytes=1000-", 416, None),
    ("bytes=0-1,5-6", 416, None),
])
def test_range_requests(image_api, header, status, body):
    data = bytes(range(250)) * 4
    image = image_api.create()
    image_api.upload(image["id"], data)
    resp = image_api.request("GET", f"/v2/images/{image['id']}/file",
                             headers={"Range": header})
    assert resp.status_code == status
    if body is not None:
        assert resp.content == data[body]
        start = body.start if body.start >= 0 else len(data) + body.start
        assert resp.headers["Content-Range"] == \
            f"bytes {start}-{start + len(data[body]) - 1}/{len(data)}"
        assert "Content-MD5" not in resp.headers


class TestRefusedUploads:
    def test_over_the_size_cap_is_413_and_leaves_queued(self, image_api_factory):
        api = image_api_factory(image_size_cap=1000)
        image = api.create()
        resp = api.upload(image["id"], b"x" * 1001)  # Content-Length says too big
        assert resp.status_code == 413
        resp = api.upload(image["id"], iter([b"x" * 600, b"x" * 600]))  # chunked
        assert resp.status_code == 413
        assert _status(api, image["id"]) == "queued"
        assert _stored(api) == []
        assert api.upload(image["id"], b"x" * 1000).status_code == 204

    def test_format_mismatch_is_400_and_leaves_queued(self, image_api):
        image = image_api.create(disk_format="qcow2")
        resp = image_api.upload(image["id"], b"\0" * 200_000)
        assert resp.status_code == 400
        assert "qcow2" in resp.json()["message"]
        assert _status(image_api, image["id"]) == "queued"
        assert _stored(image_api) == []

    def test_formats_must_be_set(self, image_api):
        image = image_api.create(disk_format=None, container_format=None)
        assert image_api.upload(image["id"], b"x").status_code == 400

    @pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")
    def test_qcow2_with_backing_file_is_refused(self, image_api, tmp_path):
        base, top = tmp_path / "base.raw", tmp_path / "top.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "raw", str(base), "1M"],
                       check=True)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base),
                        "-F", "raw", str(top)], check=True)
        image = image_api.create(disk_format="qcow2")
        with open(top, "rb") as f:
            resp = image_api.upload(image["id"], f)
        assert resp.status_code == 400
        assert "backing file" in resp.json()["message"]
        assert _status(image_api, image["id"]) == "queued"
        assert _stored(image_api) == []

    @pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")
    def test_qcow2_with_external_data_file_is_refused(self, image_api, tmp_path):
        disk = tmp_path / "disk.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-o",
                        f"data_file={tmp_path / 'data.raw'}", str(disk), "1M"],
                       check=True)
        for declared in ("qcow2", "raw"):  # and it cannot pass as raw either
            image = image_api.create(disk_format=declared)
            with open(disk, "rb") as f:
                resp = image_api.upload(image["id"], f)
            assert resp.status_code == 400, resp.text
            assert ("external data file" if declared == "qcow2" else "qcow2") in \
                resp.json()["message"]
            assert _status(image_api, image["id"]) == "queued"
        assert _stored(image_api) == []

    @pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")
    def test_qcow2_gets_its_virtual_size(self, image_api, tmp_path):
        path = tmp_path / "disk.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "2G"],
                       check=True)
        image = image_api.create(disk_format="qcow2")
        with open(path, "rb") as f:
            assert image_api.upload(image["id"], f).status_code == 204
        shown = image_api.request("GET", f"/v2/images/{image['id']}").json()
        assert shown["virtual_size"] == 2 << 30
        assert shown["size"] == path.stat().st_size


def test_project_quotas(image_api_factory):
    api = image_api_factory(image_count_quota=3, image_storage_quota=1000)
    first, second, third = api.create(), api.create(), api.create()
    resp = api.request("POST", "/v2/images", json={})
    assert resp.status_code == 403 and "images" in resp.json()["message"]
    assert api.create(project=PROJECT_B)  # quotas are per project
    assert api.upload(first["id"], b"x" * 600).status_code == 204
    resp = api.upload(second["id"], b"x" * 500)  # announced: refused before reading
    assert resp.status_code == 413 and "quota" in resp.json()["message"]
    resp = api.upload(second["id"], iter([b"x" * 300, b"x" * 300]))  # chunked
    assert resp.status_code == 413
    assert _status(api, second["id"]) == "queued"
    assert api.upload(second["id"], b"x" * 400).status_code == 204
    api.request("DELETE", f"/v2/images/{first['id']}")
    assert api.upload(third["id"], b"y" * 600).status_code == 204


def test_interrupted_upload_leaves_queued_and_nothing_stored(image_api):
    image = image_api.create()
    host, port = image_api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall((f"PUT /v2/images/{image['id']}/file HTTP/1.1\r\n"
                      f"Host: {host}\r\nX-Auth-Token: u1:{PROJECT_A}\r\n"
                      "Content-Type: application/octet-stream\r\n"
                      f"Content-Length: {10 * 1024 * 1024}\r\n\r\n").encode())
        sock.sendall(b"\0" * 300_000)
        deadline = time.monotonic() + 5
        while _status(image_api, image["id"]) != "saving":
            assert time.monotonic() < deadline
            time.sleep(0.02)
    deadline = time.monotonic() + 10
    while _status(image_api, image["id"]) != "queued":
        assert time.monotonic() < deadline, "the upload never gave up"
        time.sleep(0.02)
    assert _stored(image_api) == []
    assert not list((image_api.store_dir / "staging").iterdir())
    assert image_api.upload(image["id"], b"complete").status_code == 204


def test_concurrent_uploads_one_wins(image_api):
    image = image_api.create()
    release = threading.Event()

    def slow_body():
        yield b"a" * 1000
        release.wait(10)
        yield b"b" * 1000

    results = {}
    first = threading.Thread(target=lambda: results.setdefault(
        "first", image_api.upload(image["id"], slow_body()).status_code))
    first.start()
    deadline = time.monotonic() + 5
    while _status(image_api, image["id"]) != "saving":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert image_api.upload(image["id"], b"other").status_code == 409
    release.set()
    first.join(10)
    assert results["first"] == 204
    assert image_api.request("GET", f"/v2/images/{image['id']}/file").content == \
        b"a" * 1000 + b"b" * 1000


class _Identity:
    """Stands in for identity's /v3/limits (one project limit, no defaults)."""

    def get(self, path, params=None, **kwargs):
        rows = ([{"resource_limit": 1}] if path == "/v3/limits"
                and params["project_id"] == PROJECT_A
                and params["resource_name"] == "image_count_total" else [])
        key = "limits" if path == "/v3/limits" else "registered_limits"
        return type("Resp", (), {"json": lambda self: {key: rows}})()


def test_quotas_from_unified_limits(image_api_factory):
    api = image_api_factory(image_storage_quota=1000, limits=lambda conf: (
        quota.KeystoneLimits(_Identity(), "img", quota.ConfigLimits(conf))))
    image = api.create()
    resp = api.request("POST", "/v2/images", json={})
    assert resp.status_code == 403  # identity: one image for project A
    assert api.create(project=PROJECT_B)  # no limit in identity: configuration's
    assert api.upload(image["id"], b"x" * 1001).status_code == 413


def test_body_arriving_in_pieces_across_a_buffer_boundary(image_api):
    """A Content-Length body whose first piece stops just short of the server's
    1 MiB read buffer, the rest after a pause: the read that fills the buffer
    takes its last bytes from a fresh socket read (a pure-Python buffered reader
    once failed there with ValueError, and the client saw the connection drop)."""
    image = image_api.create()
    data = os.urandom(image_data.CHUNK_SIZE + 300_000)
    first = image_data.CHUNK_SIZE - 100
    host, port = image_api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall((f"PUT /v2/images/{image['id']}/file HTTP/1.1\r\n"
                      f"Host: {host}\r\nX-Auth-Token: u1:{PROJECT_A}\r\n"
                      "Content-Type: application/octet-stream\r\n"
                      f"Content-Length: {len(data)}\r\n\r\n").encode())
        sock.sendall(data[:first])
        time.sleep(0.5)
        sock.sendall(data[first:])
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 204"), reply
    shown = image_api.request("GET", f"/v2/images/{image['id']}").json()
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert image_api.request("GET", f"/v2/images/{image['id']}/file").content == data

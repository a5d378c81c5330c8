"""Interoperable import: glance-direct (stage + import) and web-download with its
host allow-list."""

import functools
import hashlib
import http.server
import os
import threading
import time

import pytest

from sovra_image.format.inspector import HEADER_BYTES

OCTET = {"Content-Type": "application/octet-stream"}


def _wait_status(api, image_id, wanted, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = api.request("GET", f"/v2/images/{image_id}").json()["status"]
        if status in wanted:
            return status
        time.sleep(0.05)
    raise AssertionError(f"image {image_id} stayed {status}")


def _import(api, image_id, method, **extra):
    return api.request("POST", f"/v2/images/{image_id}/import",
                       json={"method": {"name": method, **extra}})


@pytest.fixture
def web_server(tmp_path):
    """A plain HTTP server on 127.0.0.1 serving tmp_path/www (and one redirect)."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/disk.raw")
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_import_info_lists_the_methods(image_api):
    info = image_api.request("GET", "/v2/info/import").json()
    assert info["import-methods"]["value"] == ["glance-direct", "web-download"]


def test_glance_direct(image_api):
    image = image_api.create()
    data = os.urandom(2 * 1024 * 1024)
    resp = image_api.request("PUT", f"/v2/images/{image['id']}/stage", data=data,
                             headers=OCTET)
    assert resp.status_code == 204, resp.text
    assert _wait_status(image_api, image["id"], {"uploading"}) == "uploading"
    assert _import(image_api, image["id"], "glance-direct").status_code == 202
    assert _wait_status(image_api, image["id"], {"active", "queued"}) == "active"
    shown = image_api.request("GET", f"/v2/images/{image['id']}").json()
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert image_api.request("GET", f"/v2/images/{image['id']}/file").content == data
    assert not any((image_api.conf.image.staging_dir and
                    os.listdir(image_api.conf.image.staging_dir)))


def test_glance_direct_staged_chunked(image_api):
    """A chunked stage (no Content-Length) lands whole, through the same body
    reader as an upload, across more than one 1 MiB buffer."""
    image = image_api.create()
    data = os.urandom(3 * 1024 * 1024 + 5)
    pieces = (data[i:i + 700_000] for i in range(0, len(data), 700_000))
    resp = image_api.request("PUT", f"/v2/images/{image['id']}/stage", data=pieces,
                             headers=OCTET)
    assert resp.status_code == 204, resp.text
    assert _import(image_api, image["id"], "glance-direct").status_code == 202
    assert _wait_status(image_api, image["id"], {"active", "queued"}) == "active"
    shown = image_api.request("GET", f"/v2/images/{image['id']}").json()
    assert shown["size"] == len(data)
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()


def test_glance_direct_needs_staged_data(image_api):
    image = image_api.create()
    assert _import(image_api, image["id"], "glance-direct").status_code == 409
    assert _import(image_api, image["id"], "copy-image").status_code == 400


def test_refused_import_leaves_the_image_queued(image_api):
    image = image_api.create(disk_format="qcow2")
    image_api.request("PUT", f"/v2/images/{image['id']}/stage",
                      data=b"\0" * (HEADER_BYTES + 10), headers=OCTET)
    assert _import(image_api, image["id"], "glance-direct").status_code == 202
    assert _wait_status(image_api, image["id"], {"active", "queued"}) == "queued"
    assert not [p for p in (image_api.store_dir / "objects").rglob("*") if p.is_file()]


def test_web_download_from_an_allowed_host(image_api_factory, web_server):
    root, base = web_server
    data = os.urandom(1024 * 1024 + 1)
    (root / "disk.raw").write_bytes(data)
    api = image_api_factory(web_download_allowed_hosts=["127.0.0.1"])
    image = api.create()
    resp = _import(api, image["id"], "web-download", uri=f"{base}/disk.raw")
    assert resp.status_code == 202, resp.text
    assert _wait_status(api, image["id"], {"active", "queued"}) == "active"
    assert api.request("GET", f"/v2/images/{image['id']}/file").content == data

    # redirects are not followed (they could lead anywhere)
    other = api.create()
    assert _import(api, other["id"], "web-download",
                   uri=f"{base}/redirect").status_code == 202
    assert _wait_status(api, other["id"], {"active", "queued"}) == "queued"


def test_web_download_refuses_other_hosts(image_api_factory):
    api = image_api_factory(web_download_allowed_hosts=["127.0.0.1"])
    image = api.create()
    for uri in ("http://localhost:1/x", "http://169.254.169.254/latest",
                "file:///etc/passwd", "ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/x"):
        resp = _import(api, image["id"], "web-download", uri=uri)
        assert resp.status_code == 403, (uri, resp.text)
    assert api.request("GET", f"/v2/images/{image['id']}").json()["status"] == "queued"


def test_web_download_allows_nothing_by_default(image_api, web_server):
    image = image_api.create()
    resp = _import(image_api, image["id"], "web-download", uri=f"{web_server[1]}/x")
    assert resp.status_code == 403

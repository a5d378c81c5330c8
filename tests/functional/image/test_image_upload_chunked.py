"""Chunked uploads read by sovra_image.api.upload_body: chunks bigger and smaller
than the service's buffers, sizes in either case, extensions and trailers, bytes
arriving split anywhere; malformed codings are 400 and leave the image queued."""

import hashlib
import http.client
import json
import os
import socket
import time

from conftest import PROJECT_A

from sovra_image.service import image_data


def _connect(api):
    host, port = api.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _head(api, image_id):
    return (f"PUT /v2/images/{image_id}/file HTTP/1.1\r\nHost: x\r\n"
            f"X-Auth-Token: u1:{PROJECT_A}\r\n"
            "Content-Type: application/octet-stream\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()


def _response(sock):
    resp = http.client.HTTPResponse(sock)
    resp.begin()
    return resp.status, resp.read()


def _stored(api):
    return [p for p in (api.store_dir / "objects").rglob("*") if p.is_file()]


def _image(api, image_id):
    return api.request("GET", f"/v2/images/{image_id}").json()


def test_chunked_body_split_anywhere_then_the_next_request(image_api):
    image = image_api.create()
    sizes = [image_data.CHUNK_SIZE + 500_000, 1, 70_000, image_data.CHUNK_SIZE - 3, 9]
    parts = [os.urandom(n) for n in sizes]
    wire = bytearray(_head(image_api, image["id"]))
    for i, part in enumerate(parts):
        size = f"{len(part):X}" if i % 2 else f"{len(part):x}"
        extension = ";name=value" if i == 1 else ""
        wire += f"{size}{extension}\r\n".encode() + part + b"\r\n"
    wire += b"0\r\nX-Trailer: yes\r\n\r\n"
    wire += (f"GET /v2/images/{image['id']} HTTP/1.1\r\nHost: x\r\n"
             f"X-Auth-Token: u1:{PROJECT_A}\r\n\r\n").encode()
    with _connect(image_api) as sock:
        # pieces of a prime length: size lines, CRLFs and data all cut somewhere
        for start in range(0, len(wire), 65_521):
            sock.sendall(wire[start:start + 65_521])
        assert _response(sock) == (204, b"")
        status, body = _response(sock)  # same connection: nothing left unread
    data = b"".join(parts)
    assert status == 200
    shown = json.loads(body)
    assert shown["status"] == "active" and shown["size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert image_api.request("GET", f"/v2/images/{image['id']}/file").content == data


def _refused(api, image_id, wire):
    with _connect(api) as sock:
        sock.sendall(_head(api, image_id) + wire)
        status, body = _response(sock)
    assert _image(api, image_id)["status"] == "queued"
    assert _stored(api) == []
    assert not list((api.store_dir / "staging").iterdir())
    return status, body


def test_bad_chunk_size_is_400_and_leaves_queued(image_api):
    image = image_api.create()
    status, body = _refused(image_api, image["id"], b"5\r\nhello\r\nzz\r\nxx\r\n0\r\n\r\n")
    assert status == 400
    assert b"bad chunk size line" in body


def test_chunk_without_its_crlf_is_400(image_api):
    image = image_api.create()
    status, body = _refused(image_api, image["id"], b"5\r\nhelloXX3\r\nabc\r\n0\r\n\r\n")
    assert status == 400
    assert b"no CRLF after a chunk" in body


def test_client_gone_inside_a_chunk_leaves_queued(image_api):
    image = image_api.create()
    with _connect(image_api) as sock:
        sock.sendall(_head(image_api, image["id"]) + b"100000\r\n" + b"\0" * 300_000)
        deadline = time.monotonic() + 5
        while _image(image_api, image["id"])["status"] != "saving":
            assert time.monotonic() < deadline
            time.sleep(0.02)
    deadline = time.monotonic() + 10
    while _image(image_api, image["id"])["status"] != "queued":
        assert time.monotonic() < deadline, "the upload never gave up"
        time.sleep(0.02)
    assert _stored(image_api) == []
    assert not list((image_api.store_dir / "staging").iterdir())
    assert image_api.upload(image["id"], iter([b"complete"])).status_code == 204

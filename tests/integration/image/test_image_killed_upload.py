"""A killed upload, the server's side: `sovra-image-api` (its own process) is
SIGKILLed in the middle of an upload. The image must never be active with those
bytes; after a restart the store holds no object and no unfinished file of it,
and once [image] stalled_upload_timeout has passed a new upload takes the image
over and makes it active with its own bytes and hashes."""

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from sovra_common.cmd import manage
from sovra_image.db import DATABASE

HEADERS = {"X-Auth-Token": "admin"}
STALLED = 3  # [image] stalled_upload_timeout, seconds


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    config = tmp_path / "sovra-image.conf"
    config.write_text(
        f"[database]\nconnection = sqlite:///{tmp_path / 'image.sqlite'}\n"
        f"[api]\nbind_port = {port}\n[auth]\nstrategy = noauth\n"
        f"[image]\nfilesystem_store_datadir = {tmp_path / 'store'}\n"
        f"stalled_upload_timeout = {STALLED}\n")
    assert manage.main(["--config-file", str(config), "image", "db", "sync"],
                       services=[DATABASE], commands=[]) == 0
    url = f"http://127.0.0.1:{port}"
    procs = []

    def start():
        proc = subprocess.Popen([sys.executable, "-m", "sovra_image.cmd.api",
                                 "--config-file", str(config)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(url + "/versions", timeout=5).status_code == 200:
                    return proc
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)

    yield start, url, port, tmp_path / "store"
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def _status(url, image_id):
    return requests.get(f"{url}/v2/images/{image_id}", headers=HEADERS,
                        timeout=10).json()["status"]


def test_server_killed_mid_upload(server):
    start, url, port, store = server
    proc = start()
    image = requests.post(url + "/v2/images", headers=HEADERS, timeout=10, json={
        "disk_format": "raw", "container_format": "bare"}).json()
    wrong = b"\xee" * (8 << 20)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall((f"PUT /v2/images/{image['id']}/file HTTP/1.1\r\n"
                      "Host: 127.0.0.1\r\nX-Auth-Token: admin\r\n"
                      "Content-Type: application/octet-stream\r\n"
                      f"Content-Length: {4 * len(wrong)}\r\n\r\n").encode())
        sock.sendall(wrong)  # a quarter of the announced body
        deadline = time.monotonic() + 30
        while _status(url, image["id"]) != "saving":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert os.listdir(store / "staging")  # what the killed upload left

    time.sleep(STALLED + 0.5)
    start()
    shown = requests.get(f"{url}/v2/images/{image['id']}", headers=HEADERS,
                         timeout=10).json()
    assert shown["status"] == "saving"  # never active
    assert shown["checksum"] is None and shown["size"] is None
    assert os.listdir(store / "staging") == []  # dropped when the store started
    assert not any(files for _, _, files in os.walk(store / "objects"))

    right = os.urandom(3 << 20)
    resp = requests.put(f"{url}/v2/images/{image['id']}/file", data=right, timeout=60,
                        headers={**HEADERS, "Content-Type": "application/octet-stream"})
    assert resp.status_code == 204, resp.text
    shown = requests.get(f"{url}/v2/images/{image['id']}", headers=HEADERS,
                         timeout=10).json()
    assert (shown["status"], shown["size"], shown["os_hash_value"]) == \
        ("active", len(right), hashlib.sha512(right).hexdigest())
    assert requests.get(f"{url}/v2/images/{image['id']}/file", headers=HEADERS,
                        timeout=60).content == right

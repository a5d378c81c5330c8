"""Streaming, measured: a 1 GiB upload and download through `sovra-image-api` running
in its own process, whose peak RSS must stay flat (growth under 50 MiB).

In the integration tier because it moves 2 GiB over loopback (20-30 s on 2 cores);
it needs no server but the image API itself."""

import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from sovra_common.cmd import manage
from sovra_image.db import DATABASE

GIB = 1024 ** 3
CHUNK = os.urandom(1024 * 1024)
MAX_GROWTH = 50 * 1024 * 1024
HEADERS = {"X-Auth-Token": "admin"}


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory(pid) -> dict:
    """VmRSS and VmHWM (peak RSS) of a process, in bytes."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    return values


@pytest.fixture
def api_process(tmp_path):
    port = _free_port()
    config = tmp_path / "sovra-image.conf"
    config.write_text(
        f"[database]\nconnection = sqlite:///{tmp_path / 'image.sqlite'}\n"
        f"[api]\nbind_port = {port}\n[auth]\nstrategy = noauth\n"
        f"[image]\nfilesystem_store_datadir = {tmp_path / 'store'}\n")
    assert manage.main(["--config-file", str(config), "image", "db", "sync"],
                       services=[DATABASE], commands=[]) == 0
    proc = subprocess.Popen([sys.executable, "-m", "sovra_image.cmd.api",
                             "--config-file", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(url + "/versions", timeout=1).status_code == 200:
                    break
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.1)
        yield proc, url
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stderr.close()


def test_one_gib_round_trip_keeps_rss_flat(api_process):
    proc, url = api_process
    image = requests.post(url + "/v2/images", headers=HEADERS, timeout=10, json={
        "name": "big", "disk_format": "raw", "container_format": "bare"}).json()
    baseline = _memory(proc.pid)["VmRSS"]
    # sha256 on the client side: the fastest hashlib digest here, so the client
    # leaves the CPU to the server (the server's own hashes are checked elsewhere).
    expected = hashlib.sha256()

    class Body:
        """1 GiB made up as it is read; its length known, so the upload has a
        Content-Length, as the openstack CLI's and openstacksdk's uploads of a
        file do (chunked uploads: the functional tests and the benchmark)."""

        def __init__(self):
            self.left = GIB
            self.pending = b""

        def __len__(self):
            return self.left + len(self.pending)

        def read(self, n=-1):
            if not self.pending and self.left:
                self.pending, self.left = CHUNK, self.left - len(CHUNK)
                expected.update(CHUNK)
            n = len(self.pending) if n is None or n < 0 else n
            out, self.pending = self.pending[:n], self.pending[n:]
            return out

    resp = requests.put(f"{url}/v2/images/{image['id']}/file", data=Body(), timeout=300,
                        headers={**HEADERS, "Content-Type": "application/octet-stream"})
    assert resp.status_code == 204, resp.text
    after_upload = _memory(proc.pid)["VmHWM"]
    shown = requests.get(f"{url}/v2/images/{image['id']}", headers=HEADERS,
                         timeout=10).json()
    assert shown["size"] == GIB
    assert shown["status"] == "active"

    got = hashlib.sha256()
    with requests.get(f"{url}/v2/images/{image['id']}/file", headers=HEADERS,
                      stream=True, timeout=300) as resp:
        for chunk in resp.iter_content(1024 * 1024):
            got.update(chunk)
    assert got.hexdigest() == expected.hexdigest()
    peak = _memory(proc.pid)["VmHWM"]
    assert after_upload - baseline < MAX_GROWTH, (baseline, after_upload)
    assert peak - baseline < MAX_GROWTH, (baseline, peak)

"""Image data speed over loopback against plain file copy (figures, not a test).

    python3 tests/benchmarks/bench_image.py [--size-mib N] [--dir DIR]

Starts `sovra-image-api` (python -m sovra_image.cmd.api) in its own process with a
SQLite database and a filesystem store under DIR (default: a temp dir on the same
disk as /tmp), then measures:

- file copy: shutil.copyfile of an N MiB file on that disk (the reference);
- upload with Content-Length (a file body) and chunked (a generator body);
- download (streamed, 1 MiB reads);

each in MiB/s and as a share of the copy speed, with the server's RSS growth
(VmHWM - VmRSS at start). The issue's target: >= 80% of the copy speed, RSS growth
under 50 MiB.
"""

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import requests

from sovra_common.cmd import manage
from sovra_image.db import DATABASE

HEADERS = {"X-Auth-Token": "admin"}
MIB = 1024 * 1024


def _free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory(pid):
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    return values


@contextlib.contextmanager
def _server(workdir):
    port = _free_port()
    config = os.path.join(workdir, "sovra-image.conf")
    with open(config, "w") as f:
        f.write(f"[database]\nconnection = sqlite:///{workdir}/image.sqlite\n"
                f"[api]\nbind_port = {port}\n[auth]\nstrategy = noauth\n"
                f"[image]\nfilesystem_store_datadir = {workdir}/store\n")
    with contextlib.redirect_stdout(None):
        manage.main(["--config-file", config, "image", "db", "sync"],
                    services=[DATABASE], commands=[])
    proc = subprocess.Popen([sys.executable, "-m", "sovra_image.cmd.api",
                             "--config-file", config],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(requests.ConnectionError):
                requests.get(url + "/versions", timeout=1)
                break
            time.sleep(0.1)
        yield proc, url
    finally:
        proc.terminate()
        proc.wait(10)


def _new_image(url):
    return requests.post(url + "/v2/images", headers=HEADERS, timeout=10, json={
        "disk_format": "raw", "container_format": "bare"}).json()["id"]


def _upload(url, body):
    image_id = _new_image(url)
    start = time.perf_counter()
    resp = requests.put(f"{url}/v2/images/{image_id}/file", data=body, timeout=3600,
                        headers={**HEADERS, "Content-Type": "application/octet-stream"})
    resp.raise_for_status()
    return image_id, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    size = args.size_mib * MIB
    with tempfile.TemporaryDirectory(dir=args.dir) as workdir:
        source = os.path.join(workdir, "source.raw")
        block = os.urandom(MIB)
        with open(source, "wb") as f:
            for _ in range(args.size_mib):
                f.write(block)
        start = time.perf_counter()
        shutil.copyfile(source, source + ".copy")
        with open(source + ".copy", "rb+") as f:
            os.fsync(f.fileno())
        copy_s = time.perf_counter() - start
        os.unlink(source + ".copy")
        copy_rate = args.size_mib / copy_s
        print(f"file copy            {copy_rate:8.1f} MiB/s")

        with _server(workdir) as (proc, url):
            baseline = _memory(proc.pid)["VmRSS"]

            def report(what, seconds):
                rate = args.size_mib / seconds
                growth = (_memory(proc.pid)["VmHWM"] - baseline) / MIB
                print(f"{what:20} {rate:8.1f} MiB/s  {100 * rate / copy_rate:5.1f}% of "
                      f"copy  server RSS growth {growth:5.1f} MiB")

            with open(source, "rb") as f:
                image_id, seconds = _upload(url, f)
            report("upload (length)", seconds)

            def chunks():
                for _ in range(args.size_mib):
                    yield block
            _, seconds = _upload(url, chunks())
            report("upload (chunked)", seconds)

            start = time.perf_counter()
            got = 0
            with requests.get(f"{url}/v2/images/{image_id}/file", headers=HEADERS,
                              stream=True, timeout=3600) as resp:
                for chunk in resp.iter_content(MIB):
                    got += len(chunk)
            assert got == size
            report("download", time.perf_counter() - start)


if __name__ == "__main__":
    main()

"""Image data speed over loopback against plain file copy (figures, not a test).

Usage:
    python tests/benchmarks/bench_image.py [--size-mib 1024] [--rounds 3] [--dir DIR]
    (BENCH_LOG=<file> keeps the server's log)

Starts `sovra-image-api` (python -m sovra_image.cmd.api) in its own process with a
SQLite database and a filesystem store under DIR (default: a temp dir under /tmp),
writes an N MiB source file there (fsync'd, so no writeback of it runs during the
timings), then runs ROUNDS rounds of, side by side:

- copy:     shutil.copyfile(source, DIR/copy) + fsync (what `cp` does: the kernel
            copies page cache to page cache, then the disk write). The reference.
- upload:   PUT /v2/images/{id}/file with Content-Length, the client sending the
            source with sendfile(2); the server hashes MD5 + SHA-512, inspects the
            header, writes into its store on the same disk and fsyncs before it
            answers 204.
- download: GET /v2/images/{id}/file, the client writing the body to DIR/download
            and fsync'ing it (what `openstack image save --file` does).
- download, discarded: the same GET, the client dropping what it reads: the
            server's own streaming rate, without the client's disk write (which
            the line above adds: a Python client's write of a new file costs more
            than the kernel's copy does).

Both sides of each comparison read their input from the page cache (the source
and the stored object were just written) and end with their output fsync'd on the
same disk, so the copy is the same work minus HTTP and hashing. Right before each
side that writes a new file (copy, upload, download), the benchmark writes and
deletes a scratch file of the same size, untimed: on a VM whose free memory goes
back to the host (free page reporting, a few seconds after it is freed), a file
written into memory the host took back costs 3-5 times the CPU of one written into
memory just freed, and without that step the download into a file was the side
that always got the former (21% of the copy where the same download, discarded,
ran at 119%): the order of the sides decided, not the server. Each line gives
the median MiB/s over the rounds, the share of the copy's median, and the server
CPU seconds per GiB (utime + stime of the server process: what the data path
costs, whatever else runs on the machine). One chunked upload (no
Content-Length, 1 MiB chunks from a Python client) is timed once.

Also printed: what MD5 and SHA-512 cost per GiB in CPU time, and the upload's
ceiling on this machine computed from them: neither hash can be split, so no
upload beats 1 GiB / the slower one's cost; and every byte must be hashed twice,
received and written, so with N cores no upload beats N GiB / (MD5 + SHA-512 +
the measured rest: the server's CPU beyond the two hashes and the client's
sendfile). Then the in-memory
hash rate now (both hashes in two threads at once, under the machine's current
load), the server's RSS growth (VmHWM minus VmRSS before the first upload), the
load average and the date.
The issue's target: upload and download >= 80% of the copy, RSS growth < 50 MiB.
"""

import argparse
import contextlib
import datetime
import filecmp
import hashlib
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from sovra_common.cmd import manage
from sovra_image.db import DATABASE

TOKEN = "admin"
MIB = 1024 * 1024
_LOG = open(os.environ["BENCH_LOG"], "a") if os.environ.get("BENCH_LOG") else subprocess.DEVNULL


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


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def _connection(port):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=600)


def _request(port, method, path, body=None):
    conn = _connection(port)
    headers = {"X-Auth-Token": TOKEN, "Content-Type": "application/json"}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


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
                            stdout=_LOG, stderr=_LOG)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError):
                if _request(port, "GET", "/versions")[0] == 200:
                    break
            time.sleep(0.1)
        yield proc, port
    finally:
        proc.terminate()
        proc.wait(10)


def _new_image(port):
    import json
    status, data = _request(port, "POST", "/v2/images", json.dumps(
        {"disk_format": "raw", "container_format": "bare"}))
    assert status == 201, data
    return json.loads(data)["id"]


def _put_headers(conn, path, length=None):
    conn.putrequest("PUT", path)
    conn.putheader("X-Auth-Token", TOKEN)
    conn.putheader("Content-Type", "application/octet-stream")
    if length is None:
        conn.putheader("Transfer-Encoding", "chunked")
    else:
        conn.putheader("Content-Length", str(length))
    conn.endheaders()


def _finish(conn):
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 204, (resp.status, body)


def prime(workdir, mib):
    """Write and delete a scratch file of ``mib`` MiB (untimed; see the docstring:
    the timed side after it gets memory freed just now, whatever ran before)."""
    path = os.path.join(workdir, "scratch")
    block = bytes(MIB)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(mib):
            os.write(fd, block)
    finally:
        os.close(fd)
        os.unlink(path)


def copy(source, target):
    start = time.perf_counter()
    shutil.copyfile(source, target)
    with open(target, "rb+") as f:
        os.fsync(f.fileno())
    seconds = time.perf_counter() - start
    os.unlink(target)
    return seconds


def upload(port, source):
    image_id = _new_image(port)
    size = os.path.getsize(source)
    start = time.perf_counter()
    conn = _connection(port)
    _put_headers(conn, f"/v2/images/{image_id}/file", size)
    with open(source, "rb") as f:
        conn.sock.sendfile(f)
    _finish(conn)
    return image_id, time.perf_counter() - start


def upload_chunked(port, source):
    image_id = _new_image(port)
    buf = bytearray(MIB)
    start = time.perf_counter()
    conn = _connection(port)
    _put_headers(conn, f"/v2/images/{image_id}/file")
    with open(source, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            conn.send(b"%x\r\n" % n)
            conn.send(memoryview(buf)[:n])
            conn.send(b"\r\n")
    conn.send(b"0\r\n\r\n")
    _finish(conn)
    return time.perf_counter() - start


def download(port, image_id, target):
    """Seconds to GET the image's data into ``target`` (fsync'd); None: dropped."""
    buf = bytearray(MIB)
    view = memoryview(buf)
    start = time.perf_counter()
    conn = _connection(port)
    conn.request("GET", f"/v2/images/{image_id}/file", headers={"X-Auth-Token": TOKEN})
    resp = conn.getresponse()
    assert resp.status == 200, resp.status
    if target is None:
        while resp.readinto(buf):
            pass
        conn.close()
        return time.perf_counter() - start
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while n := resp.readinto(buf):
            written = 0
            while written < n:
                written += os.write(fd, view[written:n])
        os.fsync(fd)
    finally:
        os.close(fd)
        conn.close()
    return time.perf_counter() - start


def hash_cpu(block, mib):
    """CPU seconds per GiB of MD5 and of SHA-512 (thread CPU time: whatever else
    runs on the machine, this is what each hash costs a core)."""
    costs = {}
    for name in ("md5", "sha512"):
        digest = hashlib.new(name)
        start = time.thread_time()
        for _ in range(mib):
            digest.update(block)
        costs[name] = (time.thread_time() - start) * 1024 / mib
    return costs


def hash_ceiling(block, mib):
    """MiB/s of MD5 and SHA-512 over ``mib`` MiB in memory, one thread each."""
    def run(name):
        digest = hashlib.new(name)
        for _ in range(mib):
            digest.update(block)
    threads = [threading.Thread(target=run, args=(n,)) for n in ("md5", "sha512")]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return mib / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    mib = args.size_mib
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {mib} MiB x "
          f"{args.rounds} rounds, {os.cpu_count()} CPUs, {_load()}")
    with tempfile.TemporaryDirectory(dir=args.dir) as workdir:
        source = os.path.join(workdir, "source.raw")
        block = os.urandom(MIB)
        with open(source, "wb") as f:
            for i in range(mib):
                f.write(block[:-8] + i.to_bytes(8, "big"))  # no two MiB alike
            os.fsync(f.fileno())
        costs = hash_cpu(block, min(mib, 256))
        print(f"hash CPU per core: MD5 {costs['md5']:.2f} s/GiB, SHA-512 "
              f"{costs['sha512']:.2f} s/GiB")
        print(f"hash ceiling (MD5 + SHA-512 in memory, 2 threads) "
              f"{hash_ceiling(block, min(mib, 256)):7.1f} MiB/s now")
        times = {"copy": [], "upload": [], "download": [], "download, discarded": []}
        cpu = {"upload": [], "download": [], "download, discarded": []}
        client_cpu = []
        with _server(workdir) as (proc, port):
            baseline = _memory(proc.pid)["VmRSS"]
            target = os.path.join(workdir, "copy")
            for _ in range(args.rounds):
                prime(workdir, mib)
                times["copy"].append(copy(source, target))
                prime(workdir, mib)
                before = _cpu_seconds(proc.pid)
                client_before = sum(os.times()[:2])
                try:
                    image_id, seconds = upload(port, source)
                except http.client.RemoteDisconnected:
                    sys.exit(f"the server hung up (exit status {proc.poll()}); "
                             "BENCH_LOG=<file> keeps its log")
                times["upload"].append(seconds)
                cpu["upload"].append(_cpu_seconds(proc.pid) - before)
                client_cpu.append(sum(os.times()[:2]) - client_before)
                prime(workdir, mib)
                before = _cpu_seconds(proc.pid)
                times["download"].append(download(port, image_id, target))
                cpu["download"].append(_cpu_seconds(proc.pid) - before)
                assert filecmp.cmp(source, target, shallow=False), "download differs"
                os.unlink(target)
                before = _cpu_seconds(proc.pid)
                times["download, discarded"].append(download(port, image_id, None))
                cpu["download, discarded"].append(_cpu_seconds(proc.pid) - before)
                _request(port, "DELETE", f"/v2/images/{image_id}")
            before = _cpu_seconds(proc.pid)
            chunked = upload_chunked(port, source)
            chunked_cpu = _cpu_seconds(proc.pid) - before
            growth = (_memory(proc.pid)["VmHWM"] - baseline) / MIB

        copy_rate = mib / statistics.median(times["copy"])
        print(f"{'copy':20} {copy_rate:7.1f} MiB/s  (rounds: "
              + ", ".join(f"{mib / s:.0f}" for s in times["copy"]) + ")")
        for what in ("upload", "download", "download, discarded"):
            rate = mib / statistics.median(times[what])
            per_gib = statistics.median(cpu[what]) * 1024 / mib
            print(f"{what:20} {rate:7.1f} MiB/s  {100 * rate / copy_rate:5.1f}% of copy  "
                  f"server CPU {per_gib:5.2f} s/GiB  (rounds: "
                  + ", ".join(f"{mib / s:.0f}" for s in times[what]) + ")")
        hashes = costs["md5"] + costs["sha512"]
        server = statistics.median(cpu["upload"]) * 1024 / mib
        client = statistics.median(client_cpu) * 1024 / mib
        rest = max(server - hashes, 0.0) + client
        cores = os.cpu_count()
        slowest = max(costs.values())
        bound = min(1024 / slowest, cores * 1024 / (hashes + rest))
        print(f"upload ceiling on {cores} cores: min(1024 / the slower hash {slowest:.2f}"
              f" = {1024 / slowest:.0f}, {cores} x 1024 / (MD5 "
              f"{costs['md5']:.2f} + SHA-512 {costs['sha512']:.2f} + rest {rest:.2f} "
              f"[server {server - hashes:.2f} beyond the hashes, client {client:.2f}]) "
              f"= {cores * 1024 / (hashes + rest):.0f}) = {bound:.0f} MiB/s, "
              f"{100 * bound / copy_rate:.0f}% of copy")
        rate = mib / chunked
        print(f"{'upload (chunked)':20} {rate:7.1f} MiB/s  {100 * rate / copy_rate:5.1f}% of "
              f"copy  server CPU {chunked_cpu * 1024 / mib:5.2f} s/GiB  (one run)")
        print(f"server RSS growth {growth:.1f} MiB (target < 50); {_load()}")


if __name__ == "__main__":
    main()

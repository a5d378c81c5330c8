"""Real-guest boot speed and memory with the libvirt driver (figures, not a test).

    python3 tests/benchmarks/bench_libvirt.py [--servers 1,5] [--uri qemu:///system]

Needs the host's libvirtd (devstack/tools/start-libvirt.sh) and root. One lite-mode
process: real identity, placement, image and compute (API, conductor, one agent with
the libvirt driver: KVM where it really works, else TCG), the test guest image
(devstack/tools/build-test-image.sh) uploaded once. For each count N in --servers,
N servers are created at once over HTTP (POST /servers) and each is timed to
ACTIVE (status polled every 50 ms) and to its boot marker (``sovra-test-image:
booted``) and ``ready`` line on the console (os-getConsoleOutput polled every
250 ms); then they are deleted. The first round also pays the node's one image
download. Prints p50/max per round, and each guest's QEMU RSS (the per-guest
memory overhead: a guest of 256 MiB that touched little of its RAM).
"""

import argparse
import concurrent.futures
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "functional" / "compute"))

from compute_cloud import start_cloud  # noqa: E402

from sovra_compute.virt.libvirt.driver import LibvirtDriver  # noqa: E402

BUILD_IMAGE = HERE.parents[1] / "devstack" / "tools" / "build-test-image.sh"


def _qemu_rss_mib(server_id):
    """RSS of the QEMU process running ``server_id``'s guest."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
            if b"qemu-system" not in cmdline or server_id.encode() not in cmdline:
                continue
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            continue
    return float("nan")


def _boot(session, url, image_id, flavor_id, index):
    start = time.perf_counter()
    resp = session.post(f"{url}/servers", timeout=60, json={"server": {
        "name": f"bench-{index}", "imageRef": image_id, "flavorRef": flavor_id,
        "networks": "none"}})
    resp.raise_for_status()
    server_id = resp.json()["server"]["id"]
    active = marker = ready = None
    deadline = start + 300
    while active is None and time.perf_counter() < deadline:
        status = session.get(f"{url}/servers/{server_id}", timeout=60).json()[
            "server"]["status"]
        if status == "ERROR":
            raise RuntimeError(f"server {server_id} went to ERROR")
        if status == "ACTIVE":
            active = time.perf_counter() - start
        else:
            time.sleep(0.05)
    while ready is None and time.perf_counter() < deadline:
        out = session.post(f"{url}/servers/{server_id}/action", timeout=60,
                           json={"os-getConsoleOutput": {}}).json()["output"]
        now = time.perf_counter() - start
        if marker is None and "sovra-test-image: booted" in out:
            marker = now
        if "sovra-test-image: ready" in out:
            ready = now
        else:
            time.sleep(0.25)
    return server_id, active, marker, ready


def _round(session, url, image_id, flavor_id, count):
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        results = list(pool.map(lambda i: _boot(session, url, image_id, flavor_id, i),
                                range(count)))
    rss = [_qemu_rss_mib(server_id) for server_id, *_ in results]
    for server_id, *_ in results:
        session.delete(f"{url}/servers/{server_id}", timeout=60).raise_for_status()
    for server_id, *_ in results:
        while session.get(f"{url}/servers/{server_id}", timeout=60).status_code != 404:
            time.sleep(0.1)
    return results, rss


def _fmt(values):
    values = [v for v in values if v is not None]
    if not values:
        return "   n/a"
    return f"p50 {statistics.median(values):5.2f} s  max {max(values):5.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="1,5",
                        help="comma-separated counts of concurrent servers")
    parser.add_argument("--uri", default="qemu:///system")
    args = parser.parse_args()
    counts = [int(n) for n in args.servers.split(",")]

    work = tempfile.mkdtemp(prefix="sovra-bench-libvirt-", dir="/tmp")
    os.chmod(work, 0o755)  # QEMU runs as its own user and opens the disks here
    image = pathlib.Path(work) / "test-image.qcow2"
    subprocess.run(["bash", str(BUILD_IMAGE), str(image)], check=True,
                   stdout=subprocess.DEVNULL)
    drivers = []

    def make_driver(host):
        drivers.append(LibvirtDriver(host=host, connection_uri=args.uri,
                                     instances_path=os.path.join(work, "instances")))
        return drivers[-1]

    cloud_dir = pathlib.Path(work) / "cloud"
    cloud_dir.mkdir()
    cloud = start_cloud(cloud_dir, hosts=("bench-node",), make_driver=make_driver)
    try:
        session = requests.Session()
        session.headers["X-Auth-Token"] = cloud.admin_token()
        url = cloud.compute_url
        resp = session.post(f"{url}/flavors", timeout=30, json={"flavor": {
            "name": "bench.tiny", "ram": 256, "vcpus": 1, "disk": 1}})
        resp.raise_for_status()
        flavor_id = resp.json()["flavor"]["id"]
        resp = session.post(f"{cloud.image_url}/v2/images", timeout=30, json={
            "name": "test-image", "disk_format": "qcow2", "container_format": "bare",
            "visibility": "public"})
        resp.raise_for_status()
        image_id = resp.json()["id"]
        with open(image, "rb") as data:
            session.put(f"{cloud.image_url}/v2/images/{image_id}/file", data=data,
                        timeout=120, headers={"Content-Type": "application/octet-stream"}
                        ).raise_for_status()
        print(f"libvirt driver, {drivers[0].virt_type} guests, {os.cpu_count()} cores; "
              "times from POST /servers")
        for count in counts:
            results, rss = _round(session, url, image_id, flavor_id, count)
            print(f"{count} server(s) at once:")
            print(f"  to ACTIVE       {_fmt([r[1] for r in results])}")
            print(f"  to boot marker  {_fmt([r[2] for r in results])}")
            print(f"  to ready        {_fmt([r[3] for r in results])}")
            print(f"  QEMU RSS/guest  {statistics.median(rss):6.1f} MiB (median), "
                  f"{max(rss):6.1f} MiB max")
    finally:
        cloud.stop()
        for driver in drivers:
            for leftover in driver.list_instances():
                driver.destroy({"uuid": leftover})
            driver.close()
        subprocess.run(["rm", "-rf", work], check=False)


if __name__ == "__main__":
    main()

"""Compute boot/delete speed with the fake driver (figures, not a test).

    python3 tests/benchmarks/bench_compute.py [--servers 1000] [--agents 100]
                                              [--concurrency 50]

One lite-mode process, as sovra-allinone runs it: real identity, placement, image
and compute (API, conductor, ``--agents`` agents with the fake driver) on the
in-process bus, SQLite files. ``--concurrency`` clients each boot a server over
HTTP (POST /servers), poll it until ACTIVE, then delete it and poll until it is
gone. Prints boot time p50/p95 (POST to ACTIVE seen), boot+delete cycles per second
and the process's peak RSS (every component lives in this one process).
"""

import argparse
import concurrent.futures
import pathlib
import resource
import statistics
import sys
import tempfile
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "functional" / "compute"))

from compute_cloud import start_cloud  # noqa: E402


def _cycle(session, url, image_id, index, poll):
    start = time.perf_counter()
    resp = session.post(f"{url}/servers", timeout=60, json={"server": {
        "name": f"bench-{index}", "imageRef": image_id, "flavorRef": "1",
        "networks": "none"}})
    resp.raise_for_status()
    server_id = resp.json()["server"]["id"]
    deadline = start + 120
    while True:
        status = session.get(f"{url}/servers/{server_id}", timeout=60).json()[
            "server"]["status"]
        if status in ("ACTIVE", "ERROR") or time.perf_counter() > deadline:
            break  # a server still in BUILD after 2 minutes counts as stuck
        time.sleep(poll)
    boot = time.perf_counter() - start
    session.delete(f"{url}/servers/{server_id}", timeout=60).raise_for_status()
    while session.get(f"{url}/servers/{server_id}", timeout=60).status_code != 404:
        time.sleep(poll)
    return boot, status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--poll", type=float, default=0.02)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        cloud = start_cloud(pathlib.Path(tmp),
                            hosts=[f"node{i}" for i in range(args.agents)],
                            compute_extra="[quota]\ninstances = -1\ncores = -1\n"
                                          "ram = -1\n")
        print(f"cloud with {args.agents} agents up in "
              f"{time.perf_counter() - started:.1f} s")
        try:
            token = cloud.admin_token()
            headers = {"X-Auth-Token": token,
                       "OpenStack-API-Version": "compute 2.37"}
            url = cloud.compute_url
            requests.post(f"{url}/flavors", headers=headers, timeout=30, json={
                "flavor": {"name": "m1.tiny", "id": "1", "ram": 64, "vcpus": 1,
                           "disk": 1}}).raise_for_status()
            image = requests.post(f"{cloud.image_url}/v2/images", headers=headers,
                                  timeout=30, json={"name": "img", "disk_format": "raw",
                                                    "container_format": "bare"}).json()
            requests.put(f"{cloud.image_url}/v2/images/{image['id']}/file",
                         headers={**headers,
                                  "Content-Type": "application/octet-stream"},
                         data=b"\0" * 512, timeout=30).raise_for_status()

            def worker(indexes):
                with requests.Session() as session:
                    session.headers.update(headers)
                    return [_cycle(session, url, image["id"], i, args.poll)
                            for i in indexes]
            chunks = [range(w, args.servers, args.concurrency)
                      for w in range(args.concurrency)]
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
                results = [r for chunk in pool.map(worker, chunks) for r in chunk]
            elapsed = time.perf_counter() - started
        finally:
            cloud.stop()
    boots = sorted(boot for boot, _ in results)
    errors = sum(1 for _, status in results if status == "ERROR")
    stuck = sum(1 for _, status in results if status not in ("ACTIVE", "ERROR"))
    p95 = boots[min(len(boots) - 1, int(len(boots) * 0.95))]
    print(f"{len(results)} boot+delete cycles, {args.agents} agents, concurrency "
          f"{args.concurrency}: {errors} in ERROR, {stuck} stuck in BUILD")
    print(f"boot p50 {statistics.median(boots):.3f} s, p95 {p95:.3f} s")
    print(f"throughput {len(results) / elapsed:.1f} boot+delete cycles/s "
          f"({elapsed:.1f} s)")
    print(f"peak RSS (one process: every API, conductor and agent) "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()

"""Placement's CPU per request on the compute boot path (figures, not a test).

Usage: .tox/suite/bin/python tests/benchmarks/bench_placement_claims.py \
           [--providers 100] [--requests 200] [--rounds 5] [--baseline-src DIR]
  (``--baseline-src``: a tree with ``placement-svc/`` and ``common/`` of another
   revision, e.g. ``mkdir /tmp/before && git archive HEAD~3 placement-svc common |
   tar -x -C /tmp/before``: run side by side with this tree, in the same run)

What the compute conductor asks of placement for one boot and one delete, against a
fresh SQLite file of N flat providers (VCPU 32, MEMORY_MB 131072, DISK_GB 2048 each,
bulk-inserted, not timed), the server in a process of its own (cheroot, as in
bench_placement.py), one client:

- ``GET /allocation_candidates?resources=DISK_GB:1,MEMORY_MB:64,VCPU:1&limit=50``
  at microversion 1.36 (the query ``placement_client.allocation_candidates`` sends);
- ``PUT /allocations/{new consumer}`` of one candidate with
  ``consumer_generation: null`` (``placement_client.claim``);
- ``DELETE /allocations/{consumer}`` (``placement_client.release``).

Each round runs ``--requests`` of each kind in turn (all GETs, then all PUTs, then
all DELETEs) and divides the server's CPU time (user + system, from /proc) by the
count; the median over rounds is printed, with the load average. Server CPU is far
steadier than latency on a shared machine, but still check ``uptime`` first.
"""

import argparse
import datetime
import os
import pathlib
import statistics
import sys
import tempfile
import uuid

import requests
import sqlalchemy as sa

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_placement import (  # noqa: E402
    _SOVRA_SERVER,
    HERE,
    _cpu_seconds,
    _load,
    _serve,
    _stop,
    populate,
)

HEADERS = {"X-Auth-Token": "admin", "OpenStack-API-Version": "placement 1.36"}
QUERY = "resources=DISK_GB:1,MEMORY_MB:64,VCPU:1&limit=50"
KINDS = ("GET /allocation_candidates", "PUT /allocations", "DELETE /allocations")


def _server_code(baseline_src):
    if baseline_src is None:
        return _SOVRA_SERVER
    src = pathlib.Path(baseline_src).resolve()
    # The editable install's finder comes after sys.path: these trees win.
    return (f"import sys; sys.path[:0] = [{str(src / 'placement-svc')!r}, "
            f"{str(src / 'common')!r}]\n" + _SOVRA_SERVER)


def _round(http, url, pid, count, n):
    """Server CPU ms per request of each kind over ``count`` requests of each."""
    figures = {}
    cpu = _cpu_seconds(pid)
    candidates = []
    for _ in range(count):
        resp = http.get(f"{url}/allocation_candidates?{QUERY}", headers=HEADERS,
                        timeout=60)
        resp.raise_for_status()
        candidates = resp.json()["allocation_requests"]
    figures[KINDS[0]] = (_cpu_seconds(pid) - cpu) / count * 1000
    consumers = [str(uuid.uuid4()) for _ in range(count)]
    cpu = _cpu_seconds(pid)
    for i, consumer in enumerate(consumers):
        allocations = candidates[(n * count + i) % len(candidates)]["allocations"]
        resp = http.put(f"{url}/allocations/{consumer}", headers=HEADERS, timeout=60,
                        json={"allocations": allocations, "project_id": "p",
                              "user_id": "u", "consumer_generation": None})
        assert resp.status_code == 204, resp.text
    figures[KINDS[1]] = (_cpu_seconds(pid) - cpu) / count * 1000
    cpu = _cpu_seconds(pid)
    for consumer in consumers:
        resp = http.delete(f"{url}/allocations/{consumer}", headers=HEADERS, timeout=60)
        assert resp.status_code == 204, resp.text
    figures[KINDS[2]] = (_cpu_seconds(pid) - cpu) / count * 1000
    return figures


def run(tmp_path, providers, count, rounds, baseline_src=None):
    url = f"sqlite:///{tmp_path}/placement.sqlite"
    engine = sa.create_engine(url)
    samples = {kind: [] for kind in KINDS}
    with open(tmp_path / "server.log", "w") as log:
        port, server = _serve([sys.executable, "-c", _server_code(baseline_src),
                               str(tmp_path), str(HERE.parent / "functional" / "placement")],
                              log)
        http = requests.Session()
        try:
            populate(engine, providers, False)
            base = f"http://127.0.0.1:{port}"
            _round(http, base, server.pid, 20, 0)  # warm up
            for n in range(rounds):
                for kind, value in _round(http, base, server.pid, count, n + 1).items():
                    samples[kind].append(value)
        finally:
            http.close()
            _stop(server)
            engine.dispose()
    return {kind: statistics.median(values) for kind, values in samples.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200,
                        help="requests of each kind per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline-src", metavar="DIR",
                        help="another revision's tree (placement-svc/, common/) to "
                             "measure in the same run")
    args = parser.parse_args()
    print(f"bench_placement_claims {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} "
          f"UTC, {os.cpu_count()} CPUs, {_load()}, SQLite file, {args.providers} "
          f"providers, {args.requests} requests of each kind x {args.rounds} rounds",
          flush=True)
    sides = [("this tree", None)]
    if args.baseline_src:
        sides.append((f"baseline {args.baseline_src}", args.baseline_src))
    results = {}
    for label, src in sides:
        with tempfile.TemporaryDirectory() as tmp:
            results[label] = run(pathlib.Path(tmp), args.providers, args.requests,
                                 args.rounds, src)
        print(f"{label}  [{_load()}]  server CPU ms/request (median of rounds)",
              flush=True)
        for kind in KINDS:
            print(f"  {kind:28s} {results[label][kind]:7.2f}", flush=True)
    if args.baseline_src:
        mine, base = results["this tree"], results[sides[1][0]]
        print("baseline / this tree: " + ", ".join(
            f"{kind} {base[kind] / max(mine[kind], 0.001):.2f}x" for kind in KINDS))


if __name__ == "__main__":
    main()

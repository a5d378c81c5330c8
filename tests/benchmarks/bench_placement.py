"""Placement speed against the reference OpenStack Placement, shaped like upstream's
perfload job (figures, not a test).

Usage: .tox/suite/bin/python tests/benchmarks/bench_placement.py \
           --reference-python /tmp/ref-placement/bin/python
       [--providers 1000 10000] [--nested-providers 7000] [--large 100000]
       [--requests 10] [--writes 200]
  (the reference: python3 -m venv /tmp/ref-placement &&
   /tmp/ref-placement/bin/pip install openstack-placement cheroot)

For each shape: a fresh SQLite file, N providers (``--nested-providers``: N/7 trees
of a root and six children: two NUMA nodes each with two PFs) with inventories
(VCPU, MEMORY_MB, DISK_GB on roots; SRIOV_NET_VF on PFs), a trait on every other
root and every root in one aggregate. The database is filled with bulk inserts (not
timed); then, over HTTP on 127.0.0.1, each server in a process of its own served by
cheroot with 16 threads:

- ``GET /allocation_candidates?resources=VCPU:1,DISK_GB:10,MEMORY_MB:256
  &member_of=<agg>&required=<trait>``, with and without ``limit=10``: median and
  p95 latency, and the server's CPU time per request (from /proc: far less
  disturbed by a busy machine than latency). Sovra's candidate cap is lifted, so
  "no limit" returns every candidate, as the reference does by default;
- allocation writes per second: PUT /allocations/{new consumer} claiming on
  providers in turn, from one client.

The reference (``--reference-python``: a python with ``openstack-placement`` and
``cheroot``) runs the same shapes on the same kind of database in the same run, and
the ratios are printed. ``--large`` shapes run Sovra alone, ``limit=10`` only.
The date, the CPU count and the load average are printed with the figures, and
the issue's targets (>= 5x at 10,000 providers; limit=10 under 50 ms at 100,000)
are checked at the end.
"""

import argparse
import datetime
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import requests
import sqlalchemy as sa

HERE = pathlib.Path(__file__).resolve().parent

AGG = "aaaaaaaa-0000-0000-0000-00000000beef"
TRAIT = "HW_CPU_X86_AVX2"
HEADERS = {"X-Auth-Token": "admin", "OpenStack-API-Version": "placement 1.39"}


def populate(engine, count: int, nested: bool, aggregates: str = "aggregates") -> None:
    """Bulk-insert ``count`` providers (nested: trees of 7) into a placement schema,
    ours or the reference's (same column names; its aggregates table is
    ``placement_aggregates``), found by reflection."""
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        rc = dict(conn.execute(sa.select(t["resource_classes"].c.name,
                                         t["resource_classes"].c.id)).all())
        trait_id = conn.scalar(sa.select(t["traits"].c.id)
                               .where(t["traits"].c.name == TRAIT))
        conn.execute(sa.insert(t[aggregates]), [{"uuid": AGG, "created_at": now}])
        agg_id = conn.scalar(sa.select(t[aggregates].c.id))
        rps, invs, traits, aggs = [], [], [], []
        next_id = 1
        roots = count // 7 if nested else count
        for n in range(roots):
            root = next_id
            next_id += 1
            rps.append({"id": root, "uuid": str(uuid.uuid4()), "name": f"cn{n}",
                        "generation": 1, "root_provider_id": root,
                        "parent_provider_id": None, "created_at": now})
            for name, total in (("VCPU", 32), ("MEMORY_MB", 131072), ("DISK_GB", 2048)):
                invs.append(_inv(root, rc[name], total, now))
            if n % 2 == 0:
                traits.append({"resource_provider_id": root, "trait_id": trait_id,
                               "created_at": now})
            aggs.append({"resource_provider_id": root, "aggregate_id": agg_id,
                         "created_at": now})
            if nested:
                for numa in range(2):
                    numa_id = next_id
                    next_id += 1
                    rps.append({"id": numa_id, "uuid": str(uuid.uuid4()),
                                "name": f"cn{n}-numa{numa}", "generation": 0,
                                "root_provider_id": root, "parent_provider_id": root,
                                "created_at": now})
                    for pf in range(2):
                        rps.append({"id": next_id, "uuid": str(uuid.uuid4()),
                                    "name": f"cn{n}-numa{numa}-pf{pf}", "generation": 1,
                                    "root_provider_id": root,
                                    "parent_provider_id": numa_id, "created_at": now})
                        invs.append(_inv(next_id, rc["SRIOV_NET_VF"], 16, now))
                        next_id += 1
        conn.execute(sa.insert(t["resource_providers"]), rps)
        conn.execute(sa.insert(t["inventories"]), invs)
        conn.execute(sa.insert(t["resource_provider_traits"]), traits)
        conn.execute(sa.insert(t["resource_provider_aggregates"]), aggs)


def _inv(rp_id, rc_id, total, now):
    return {"resource_provider_id": rp_id, "resource_class_id": rc_id, "total": total,
            "reserved": 0, "min_unit": 1, "max_unit": total, "step_size": 1,
            "allocation_ratio": 1.0, "created_at": now}


def _cpu_seconds(pid) -> float:
    """CPU time (user + system) process ``pid`` has used: unlike latency, barely
    disturbed by other work on the machine."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(session, url, times, pid, budget=30.0):
    """Median and p95 latency (ms) of ``times`` GETs (fewer, at least 3, when they
    take longer than ``budget`` seconds in all), how many candidates came back, and
    the server's CPU ms per GET."""
    samples = []
    spent = 0.0
    cpu = _cpu_seconds(pid)
    while len(samples) < times and (len(samples) < 3 or spent < budget):
        started = time.perf_counter()
        resp = session.get(url, headers=HEADERS, timeout=600)
        samples.append(time.perf_counter() - started)
        spent += samples[-1]
        resp.raise_for_status()
    cpu = (_cpu_seconds(pid) - cpu) / len(samples)
    samples.sort()
    return (statistics.median(samples) * 1000,
            samples[min(len(samples) - 1, int(len(samples) * 0.95))] * 1000,
            len(resp.json()["allocation_requests"]), cpu * 1000)


def measure(url, pid, engine, requests_per_query, writes,
            limits=("no limit", "limit=10")):
    """Figures for the server at ``url`` over the database ``engine`` holds."""
    figures = {}
    http = requests.Session()
    try:
        base = (f"{url}/allocation_candidates?resources=VCPU:1,DISK_GB:10,"
                f"MEMORY_MB:256&member_of={AGG}&required={TRAIT}")
        http.get(base + "&limit=1", headers=HEADERS, timeout=600).raise_for_status()
        for label in limits:
            query = base if label == "no limit" else f"{base}&{label}"
            figures[label] = _timed(http, query, requests_per_query, pid)
        if not writes:
            return figures
        with engine.connect() as conn:
            rp = sa.table("resource_providers", sa.column("uuid"),
                          sa.column("parent_provider_id"))
            providers = conn.execute(sa.select(rp.c.uuid).where(
                rp.c.parent_provider_id.is_(None))).scalars().all()
        started = time.perf_counter()
        for n in range(writes):
            resp = http.put(f"{url}/allocations/{uuid.uuid4()}", headers=HEADERS,
                            json={"allocations": {providers[n % len(providers)]: {
                                "resources": {"VCPU": 1}}},
                                  "project_id": "p", "user_id": "u",
                                  "consumer_generation": None,
                                  "consumer_type": "INSTANCE"}, timeout=60)
            resp.raise_for_status()
        figures["writes"] = writes / (time.perf_counter() - started)
    finally:
        http.close()
    return figures


# Each server runs in a process of its own (not in the client's: no GIL shared with
# the client), served by cheroot with 16 threads, and prints its port once its
# database holds the standard resource classes and traits.
_SOVRA_SERVER = """
import pathlib, sys, threading
sys.path.insert(0, sys.argv[2])
from placement_client import start_server
# No cap below what the reference returns (it has none by default): the "no limit"
# figures compare the same work.
server = start_server(pathlib.Path(sys.argv[1]), max_allocation_candidates=10000000)
print("PORT", server.port, flush=True)
threading.Event().wait()
"""

_REFERENCE_SERVER = """
import os, sys
os.environ["OS_PLACEMENT_CONFIG_DIR"] = sys.argv[1]
from cheroot import wsgi as cheroot_wsgi
from placement import wsgi
server = cheroot_wsgi.Server(("127.0.0.1", 0), wsgi.init_application(), numthreads=16)
server.prepare()
print("PORT", server.bind_addr[1], flush=True)
server.serve()
"""


def _serve(argv, log):
    """Start a server process; its port, and the process."""
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True)
    for line in server.stdout:
        if line.startswith("PORT "):
            return int(line.split()[1]), server
    server.wait(30)
    raise RuntimeError(f"{argv[0]} server exited ({server.returncode}); see {log.name}")


def _stop(server):
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def run_sovra(tmp_path, count, nested, requests_per_query, writes, **kw) -> dict:
    url = f"sqlite:///{tmp_path}/placement.sqlite"
    engine = sa.create_engine(url)
    with open(tmp_path / "server.log", "w") as log:
        port, server = _serve([sys.executable, "-c", _SOVRA_SERVER, str(tmp_path),
                               str(HERE.parent / "functional" / "placement")], log)
        try:
            populate(engine, count, nested)
            return measure(f"http://127.0.0.1:{port}", server.pid, engine,
                           requests_per_query, writes, **kw)
        finally:
            _stop(server)
            engine.dispose()


def run_reference(python, tmp_path, count, nested, requests_per_query, writes) -> dict:
    """The reference OpenStack Placement (``python`` has openstack-placement and
    cheroot installed), same SQLite kind, same machine, same shapes."""
    url = f"sqlite:///{tmp_path}/reference.sqlite"
    (tmp_path / "placement.conf").write_text(
        f"[placement_database]\nconnection = {url}\n[api]\nauth_strategy = noauth2\n")
    manage = pathlib.Path(python).parent / "placement-manage"
    subprocess.run([str(manage), "--config-dir", str(tmp_path), "db", "sync"],
                   check=True, capture_output=True)
    engine = sa.create_engine(url)
    with open(tmp_path / "server.log", "w") as log:
        port, server = _serve([python, "-c", _REFERENCE_SERVER, str(tmp_path)], log)
        try:
            populate(engine, count, nested, aggregates="placement_aggregates")
            return measure(f"http://127.0.0.1:{port}", server.pid, engine,
                           requests_per_query, writes)
        finally:
            _stop(server)
            engine.dispose()


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def report(shape, sovra, reference):
    print(f"{shape}  [{_load()}]")
    for label in ("no limit", "limit=10"):
        median, p95, found, cpu = sovra[label]
        print(f"  GET /allocation_candidates {label} ({found} candidates)\n"
              f"    sovra     median {median:8.1f} ms  p95 {p95:8.1f} ms  "
              f"server CPU {cpu:8.1f} ms/request")
        if reference:
            ref_median, ref_p95, ref_found, ref_cpu = reference[label]
            print(f"    reference median {ref_median:8.1f} ms  p95 {ref_p95:8.1f} ms  "
                  f"server CPU {ref_cpu:8.1f} ms/request ({ref_found} candidates)\n"
                  f"    sovra faster: {ref_median / median:5.1f}x (median latency), "
                  f"{ref_cpu / max(cpu, 0.01):5.1f}x (server CPU)")
    if "writes" not in sovra:  # --writes 0
        return
    line = f"  allocation writes (one client): sovra {sovra['writes']:7.1f}/s"
    if reference:
        line += (f" | reference {reference['writes']:7.1f}/s -> "
                 f"sovra {sovra['writes'] / reference['writes']:4.1f}x")
    print(line, flush=True)


def run(count, nested, requests_per_query, writes, reference_python):
    shape = f"{count} providers" + (f" ({count // 7} trees of 7)" if nested else "")
    with tempfile.TemporaryDirectory() as tmp:
        sovra = run_sovra(pathlib.Path(tmp), count, nested, requests_per_query, writes)
    reference = None
    if reference_python:
        with tempfile.TemporaryDirectory() as tmp:
            reference = run_reference(reference_python, pathlib.Path(tmp), count, nested,
                                      requests_per_query, writes)
    report(shape, sovra, reference)
    return sovra, reference


def run_large(count, requests_per_query):
    """Sovra alone, ``limit=10`` only (the target: under 50 ms)."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        figures = run_sovra(pathlib.Path(tmp), count, False, requests_per_query, 0,
                            limits=("limit=10",))
    median, p95, found, cpu = figures["limit=10"]
    verdict = "met" if median < 50 else "MISSED"
    print(f"{count} providers, sovra alone  [{_load()}]\n"
          f"  GET /allocation_candidates limit=10 ({found} candidates)\n"
          f"    sovra     median {median:8.1f} ms  p95 {p95:8.1f} ms  server CPU "
          f"{cpu:8.1f} ms/request -> target < 50 ms {verdict} "
          f"(setup and run {time.perf_counter() - started:.0f} s)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, nargs="*", default=[1000, 10000],
                        help="flat shapes: N root providers each (default 1000 10000)")
    parser.add_argument("--nested-providers", type=int, nargs="*", default=[7000],
                        help="nested shapes: N providers as N/7 trees of 7 "
                             "(default 7000)")
    parser.add_argument("--large", type=int, nargs="*", default=[100000],
                        help="Sovra alone, limit=10 only (default 100000)")
    parser.add_argument("--requests", type=int, default=10,
                        help="GETs per query (fewer when they take over 30 s in all)")
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--reference-python", metavar="PYTHON",
                        help="a python with openstack-placement and cheroot installed "
                             "(e.g. a venv's bin/python): run the reference side by side")
    args = parser.parse_args()
    print(f"bench_placement {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs, {_load()}, SQLite files, "
          f"reference: {_reference_version(args.reference_python)}", flush=True)
    verdicts = []
    shapes = ([(n, False) for n in args.providers]
              + [(n, True) for n in args.nested_providers])
    for count, nested in shapes:
        sovra, reference = run(count, nested, args.requests, args.writes,
                               args.reference_python)
        if reference and count == 10000 and not nested:
            ratio = reference["no limit"][0] / sovra["no limit"][0]
            cpu_ratio = reference["no limit"][3] / max(sovra["no limit"][3], 0.01)
            verdicts.append(f"allocation candidates at 10000 providers (no limit): sovra "
                            f"{ratio:.1f}x faster by latency, {cpu_ratio:.1f}x by server "
                            f"CPU; target >= 5x {'met' if ratio >= 5 else 'MISSED'}")
    for count in args.large:
        run_large(count, args.requests)
    for verdict in verdicts:
        print(verdict)


def _reference_version(python):
    if not python:
        return "not run (no --reference-python)"
    return subprocess.run(
        [python, "-c", "import importlib.metadata as m; print('openstack-placement',"
         " m.version('openstack-placement'))"],
        capture_output=True, text=True, check=True).stdout.strip()


if __name__ == "__main__":
    main()

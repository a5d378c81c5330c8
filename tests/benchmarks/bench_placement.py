"""Placement speed, shaped like upstream's perfload job (figures, not a test).

    python3 tests/benchmarks/bench_placement.py [--providers N ...] [--nested]
                                                [--requests N] [--writes N]

For each N: a fresh SQLite file, N providers (or, with --nested, N/7 trees of a
root and six children: two NUMA nodes each with two PFs) with inventories
(VCPU, MEMORY_MB, DISK_GB on roots; SRIOV_NET_VF on PFs), a trait on every other
root and every root in one aggregate. The database is filled with bulk inserts (not
timed); then, over HTTP against the real app on 127.0.0.1:

- ``GET /allocation_candidates?resources=VCPU:1,DISK_GB:10,MEMORY_MB:256
  &member_of=<agg>&required=<trait>``, with and without ``limit=10``: median and
  p95 latency (Sovra's candidate cap is lifted, so "no limit" returns every
  candidate, as the reference does by default);
- allocation writes per second: PUT /allocations/{new consumer} claiming on
  providers in turn, from one client.

With ``--reference-python PYTHON`` (a virtualenv with ``openstack-placement`` and
``cheroot`` from PyPI: ``python3 -m venv v && v/bin/pip install openstack-placement
cheroot``), the reference OpenStack Placement runs the same shapes on the same kind
of database (a SQLite file, filled the same way), on the same machine, in the same
run, served by cheroot too, and the ratios are printed.
"""

import argparse
import datetime
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
sys.path.insert(0, str(HERE.parent / "functional" / "placement"))

from placement_client import make_conf, sync_db  # noqa: E402

from sovra_common.db import Database  # noqa: E402
from sovra_placement.cmd import api as placement_api  # noqa: E402

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


def _timed(session, url, times):
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        resp = session.get(url, headers=HEADERS, timeout=300)
        samples.append(time.perf_counter() - started)
        resp.raise_for_status()
    samples.sort()
    return (statistics.median(samples) * 1000,
            samples[min(len(samples) - 1, int(len(samples) * 0.95))] * 1000,
            len(resp.json()["allocation_requests"]))


def measure(url, engine, requests_per_query, writes) -> dict:
    """Figures for the server at ``url`` over the database ``engine`` holds."""
    figures = {}
    http = requests.Session()
    try:
        base = (f"{url}/allocation_candidates?resources=VCPU:1,DISK_GB:10,"
                f"MEMORY_MB:256&member_of={AGG}&required={TRAIT}")
        for label, query in (("no limit", base), ("limit=10", base + "&limit=10")):
            figures[label] = _timed(http, query, requests_per_query)
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


def run_sovra(tmp_path, count, nested, requests_per_query, writes) -> dict:
    sync_db(tmp_path)
    # No cap below what the reference returns (it has none by default): the
    # "no limit" figures compare the same work.
    conf = make_conf(tmp_path, max_allocation_candidates=1000000)
    server = placement_api.build_server(conf)  # syncs standard classes/traits
    db = Database.from_conf(conf)
    try:
        populate(db.engine, count, nested)
        server.start()
        return measure(server.url, db.engine, requests_per_query, writes)
    finally:
        server.stop()
        db.dispose()


_REFERENCE_SERVER = """
import os, sys
os.environ["OS_PLACEMENT_CONFIG_DIR"] = sys.argv[1]
from cheroot import wsgi as cheroot_wsgi
from placement import wsgi
server = cheroot_wsgi.Server(("127.0.0.1", 0), wsgi.init_application(), numthreads=16)
server.prepare()
print(server.bind_addr[1], flush=True)
server.serve()
"""


def run_reference(python, tmp_path, count, nested, requests_per_query, writes) -> dict:
    """The reference OpenStack Placement (``python`` has openstack-placement and
    cheroot installed), same SQLite kind, same machine, same shapes."""
    url = f"sqlite:///{tmp_path}/reference.sqlite"
    (tmp_path / "placement.conf").write_text(
        f"[placement_database]\nconnection = {url}\n[api]\nauth_strategy = noauth2\n")
    manage = pathlib.Path(python).parent / "placement-manage"
    subprocess.run([str(manage), "--config-dir", str(tmp_path), "db", "sync"],
                   check=True, capture_output=True)
    server = subprocess.Popen([python, "-c", _REFERENCE_SERVER, str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)
    engine = sa.create_engine(url)
    try:
        port = int(server.stdout.readline())  # after the standard traits are synced
        populate(engine, count, nested, aggregates="placement_aggregates")
        return measure(f"http://127.0.0.1:{port}", engine, requests_per_query, writes)
    finally:
        server.terminate()
        server.wait(30)
        engine.dispose()


def report(shape, sovra, reference):
    print(shape)
    for label in ("no limit", "limit=10"):
        median, p95, found = sovra[label]
        line = (f"  GET /allocation_candidates {label:9s}: sovra median {median:8.1f} ms"
                f" p95 {p95:8.1f} ms ({found} candidates)")
        if reference:
            ref_median, _, ref_found = reference[label]
            line += (f" | reference median {ref_median:8.1f} ms ({ref_found}) "
                     f"-> {ref_median / median:5.1f}x")
        print(line)
    line = f"  allocation writes (one client): sovra {sovra['writes']:7.1f}/s"
    if reference:
        line += (f" | reference {reference['writes']:7.1f}/s -> "
                 f"{sovra['writes'] / reference['writes']:4.1f}x")
    print(line)


def run(count, nested, requests_per_query, writes, reference_python):
    shape = f"{count} providers" + (" (trees of 7)" if nested else "")
    with tempfile.TemporaryDirectory() as tmp:
        sovra = run_sovra(pathlib.Path(tmp), count, nested, requests_per_query, writes)
    reference = None
    if reference_python:
        with tempfile.TemporaryDirectory() as tmp:
            reference = run_reference(reference_python, pathlib.Path(tmp), count, nested,
                                      requests_per_query, writes)
    report(shape, sovra, reference)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--nested", action="store_true")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--reference-python", metavar="PYTHON",
                        help="a python with openstack-placement and cheroot installed "
                             "(e.g. a venv's bin/python): run the reference side by side")
    args = parser.parse_args()
    for count in args.providers:
        run(count, args.nested, args.requests, args.writes, args.reference_python)


if __name__ == "__main__":
    main()

"""Compute boot/delete speed with the fake driver (figures, not a test).

usage: .tox/suite/bin/python tests/benchmarks/bench_compute.py
           [--servers 1000] [--agents 100] [--concurrency 50] [--poll 0.1]
           [--full [--agent-processes 4] [--full-db mariadb|sqlite]] [--workdir DIR]
  (lite mode needs the functional env's packages; --full the integration env's,
  and rabbitmq-server, etcd and mariadbd installed: devstack/tools/install-packages.sh)

Lite mode (the default): the cloud is one process, as sovra-allinone runs it: real identity,
placement, image and compute (API, conductor, ``--agents`` agents with the fake
driver) on the in-process bus, SQLite files (WAL). The clients are a second
process (as they would be on another machine: their CPU is not the cloud's):
``--concurrency`` threads each boot a server over HTTP (POST /servers), poll it
with GET /servers/{id} every ``--poll`` s until ACTIVE, then DELETE it and poll
until it is a 404, ``--servers`` times in all.

``--full``: the production topology instead (compute_cloud_full.py): identity,
placement, image and compute APIs and the compute conductor each a process of its
own, the agents in ``--agent-processes`` processes (the agents split evenly), over
a RabbitMQ, an etcd (liveness) and a MariaDB (a database per service; ``--full-db
sqlite``: a SQLite file per service instead) started for the run on private ports
and data dirs, and stopped at its end. It prints the same
figures, and the CPU per cycle and peak RSS of each kind of process (RabbitMQ,
etcd and MariaDB included), from /proc.

Prints boot time p50/p95 (POST to ACTIVE seen by a poll: it includes up to one
poll interval; next to it, labelled, the server-side boot time: created ->
launched_at as the compute database recorded them), boot+delete cycles per
second, each process's peak RSS (the cloud process holds every API, the conductor
and all agents; the client process), the load average before and after (the
machine may be shared) and, with each, the time of a fixed Python workload (the
host's speed changes by the hour: compare runs by CPU per cycle over it). Lite
mode also prints each SQLite file's write transactions per cycle and how much of
the run its write lock was held (sqlite_writers.py).
"""

import argparse
import concurrent.futures
import contextlib
import datetime
import multiprocessing
import os
import pathlib
import resource
import statistics
import sys
import tempfile
import time

import sqlite_writers

HERE = pathlib.Path(__file__).resolve().parent


def _cycle(session, url, image_id, index, poll):
    start = time.perf_counter()
    resp = session.post(f"{url}/servers", timeout=120, json={"server": {
        "name": f"bench-{index}", "imageRef": image_id, "flavorRef": "1",
        "networks": "none"}})
    resp.raise_for_status()
    answered = time.perf_counter() - start
    server_id = resp.json()["server"]["id"]
    deadline = start + 120
    polls = 0
    while True:
        polls += 1
        status = session.get(f"{url}/servers/{server_id}", timeout=120).json()[
            "server"]["status"]
        if status in ("ACTIVE", "ERROR") or time.perf_counter() > deadline:
            break  # a server still in BUILD after 2 minutes counts as stuck
        time.sleep(poll)
    boot = time.perf_counter() - start
    session.delete(f"{url}/servers/{server_id}", timeout=120).raise_for_status()
    deadline = time.perf_counter() + 120
    while session.get(f"{url}/servers/{server_id}", timeout=120).status_code != 404:
        polls += 1
        if time.perf_counter() > deadline:  # still there 2 minutes after its DELETE
            return boot, "UNDELETED", answered, polls + 1
        time.sleep(poll)
    return boot, status, answered, polls + 1


def _clients(url, headers, image_id, servers, concurrency, poll, out):
    """The client process: every cycle, then (results, elapsed, its peak RSS, its
    CPU seconds)."""
    import requests

    def worker(indexes):
        results = []
        with requests.Session() as session:
            session.headers.update(headers)
            for i in indexes:
                try:
                    results.append(_cycle(session, url, image_id, i, poll))
                except Exception as exc:  # counted, and the run goes on
                    print(f"cycle {i} failed: {exc}", file=sys.stderr)
                    results.append((None, "FAILED", None, 0))
        return results

    chunks = [range(w, servers, concurrency) for w in range(concurrency)]
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        results = [r for chunk in pool.map(worker, chunks) for r in chunk]
    elapsed = time.perf_counter() - started
    out.send((results, elapsed,
              resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, _cpu_seconds()))
    out.close()


def _sqlite_launches(database) -> list:
    """(created_at, launched_at) of every server that launched, from the compute
    SQLite file after the run (deleted rows keep both)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as conn:
        return conn.execute("SELECT created_at, launched_at FROM instances "
                            "WHERE launched_at IS NOT NULL").fetchall()


def _server_side_boots(rows) -> list[float]:
    """Sorted seconds from each server's created_at to its launched_at."""
    def parse(value):  # SQLite gives text, MariaDB datetimes
        return (value if isinstance(value, datetime.datetime)
                else datetime.datetime.fromisoformat(value))

    return sorted((parse(launched) - parse(created)).total_seconds()
                  for created, launched in rows)


def _cpu_seconds() -> float:
    """This (the cloud's) process's CPU time so far, user + system, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(kinds) -> dict:
    """{pid: CPU seconds so far (user + system)} of every pid in {kind: [pid]}."""
    cpu = {}
    for pids in kinds.values():
        for pid in pids:
            try:
                stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue  # exited
            fields = stat.rsplit(")", 1)[1].split()
            cpu[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return cpu


def _peak_rss_mib(pid) -> float:
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _load():
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _python_speed() -> str:
    """How fast this machine runs plain Python now: the best of five runs of a
    fixed workload, in ms. The host this runs on changes speed from hour to
    hour (one commit gave 101-107 and 43 ms of cloud CPU a cycle on one day):
    compare runs by their CPU per cycle divided by this figure."""
    def workload():
        start = time.process_time()
        table = {}
        for i in range(200_000):
            table[str(i)] = len(table) % 7
        return time.process_time() - start
    return f"reference Python workload {1000 * min(workload() for _ in range(5)):.1f} ms"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--poll", type=float, default=0.1,
                        help="seconds between a client's GETs of its server")
    parser.add_argument("--full", action="store_true",
                        help="full mode: a process per service, RabbitMQ, etcd, MariaDB")
    parser.add_argument("--agent-processes", type=int, default=4,
                        help="--full: processes the agents are spread over")
    parser.add_argument("--full-db", choices=("mariadb", "sqlite"), default="mariadb",
                        help="--full: a MariaDB database per service, or a SQLite file")
    parser.add_argument("--workdir", type=pathlib.Path,
                        help="the cloud's files (databases, logs) here, kept after the "
                             "run (default: a temporary directory, removed)")
    args = parser.parse_args(argv)

    import requests

    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs, {_load()}, {_python_speed()}")
    room = 2 * args.concurrency
    # quotas that hold (twice the servers alive at once) but are counted, as in a
    # real project
    quotas = f"[quota]\ninstances = {room}\ncores = {room}\nram = {64 * room}\n"
    hosts = [f"node{i}" for i in range(args.agents)]
    if args.full:
        from compute_cloud_full import start_full_cloud

        mode = (f"mode: full (a process per API and the conductor, {args.agents} agents "
                f"in {min(args.agent_processes, args.agents)} processes; RabbitMQ, "
                f"etcd, {'MariaDB' if args.full_db == 'mariadb' else 'SQLite files'})")
    else:
        sys.path.insert(0, str(HERE.parent / "functional" / "compute"))
        from compute_cloud import start_cloud

        mode = "mode: lite (one process: every API, the conductor, the agents)"
    print(mode)
    if args.workdir:
        args.workdir.mkdir(parents=True)  # a fresh one: the databases start empty
    with (contextlib.nullcontext(str(args.workdir.resolve())) if args.workdir
          else tempfile.TemporaryDirectory()) as tmp:
        started = time.perf_counter()
        # lite: the cloud's SQLite files' write locks, timed (before it opens them)
        writers = None if args.full else sqlite_writers.watch(
            {name: pathlib.Path(tmp) / f"{name}.db"
             for name in ("compute", "placement", "image", "identity")})
        if args.full:
            cloud = start_full_cloud(pathlib.Path(tmp), hosts=hosts,
                                     agent_processes=args.agent_processes,
                                     compute_extra=quotas, database=args.full_db)
        else:
            cloud = start_cloud(pathlib.Path(tmp), hosts=hosts, compute_extra=quotas)
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
            load_before = _load()
            if args.full:
                kinds_before = cloud.pids()
                procs_before = _proc_cpu(kinds_before)
            cpu_before = _cpu_seconds()
            writes_before = writers and sqlite_writers.snapshot(writers)
            mp = multiprocessing.get_context("spawn")
            receive, send = mp.Pipe(duplex=False)
            client = mp.Process(target=_clients, args=(
                url, headers, image["id"], args.servers, args.concurrency, args.poll,
                send))
            client.start()
            send.close()
            results, elapsed, client_rss, client_cpu = receive.recv()
            client.join()
            cpu = _cpu_seconds() - cpu_before
            writes = writers and sqlite_writers.snapshot(writers)
            load_after = f"{_load()}, {_python_speed()}"
            if args.full:
                kinds = cloud.pids()
                procs_after = _proc_cpu(kinds)
                peaks = {pid: _peak_rss_mib(pid) for pids in kinds.values()
                         for pid in pids}
                launches = cloud.server_side_boots()
        finally:
            cloud.stop()
        if not args.full:
            launches = _sqlite_launches(pathlib.Path(tmp) / "compute.db")
    server_boots = _server_side_boots(launches)
    boots = sorted(r[0] for r in results if r[0] is not None)
    posts = sorted(r[2] for r in results if r[2] is not None)
    polls = sum(r[3] for r in results)
    errors = sum(1 for r in results if r[1] == "ERROR")
    failed = sum(1 for r in results if r[1] == "FAILED")
    undeleted = sum(1 for r in results if r[1] == "UNDELETED")
    stuck = sum(1 for r in results
                if r[1] not in ("ACTIVE", "ERROR", "FAILED", "UNDELETED"))
    p95 = boots[min(len(boots) - 1, int(len(boots) * 0.95))]
    print(mode)
    print(f"{len(results)} boot+delete cycles, {args.agents} agents, concurrency "
          f"{args.concurrency}, poll every {args.poll} s: {errors} in ERROR, "
          f"{stuck} stuck in BUILD, {undeleted} not gone 2 minutes after their "
          f"DELETE, {failed} failed requests")
    print(f"boot p50 {statistics.median(boots):.3f} s, p95 {p95:.3f} s "
          f"(client-observed: POST to ACTIVE seen by a poll)")
    print(f"of which the POST /servers answer: p50 {statistics.median(posts):.3f} s, "
          f"p95 {posts[min(len(posts) - 1, int(len(posts) * 0.95))]:.3f} s")
    if server_boots:
        print(f"server-side boot p50 {statistics.median(server_boots):.3f} s, p95 "
              f"{server_boots[min(len(server_boots) - 1, int(len(server_boots) * 0.95))]:.3f}"
              f" s (created -> launched_at in the compute database; no polling delay, "
              f"not the figure the target is about)")
    print(f"throughput {len(results) / elapsed:.1f} boot+delete cycles/s "
          f"({elapsed:.1f} s); {polls / len(results):.1f} GET /servers/{{id}} polls "
          f"per cycle")
    if args.full:
        _print_processes(kinds, procs_before, procs_after, peaks, len(results), elapsed)
        print(f"peak RSS: client process {client_rss:.0f} MiB")
    else:
        print(f"cloud process CPU: {cpu * 1000 / len(results):.0f} ms per boot+delete "
              f"cycle (user+sys, every thread; busy {100 * cpu / elapsed:.0f}% of the "
              f"run: one GIL, so about 100% is its ceiling; the least load-dependent "
              f"figure here)")
        sqlite_writers.report(writes_before, writes, len(results), elapsed)
        print(f"peak RSS: cloud process (every API, the conductor, {args.agents} agents) "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB, "
              f"client process {client_rss:.0f} MiB")
    print(f"client process CPU: {client_cpu * 1000 / len(results):.0f} ms per cycle "
          f"(busy {100 * client_cpu / elapsed:.0f}% of a core; on the same machine)")
    print(f"{load_before} at the start of the cycles, {load_after} at the end")


def _print_processes(kinds, before, after, peaks, cycles, elapsed):
    """Full mode: CPU per cycle and peak RSS of each kind of process."""
    print("CPU per boot+delete cycle (user+sys, from /proc) and peak RSS, per kind "
          "of process:")
    total = 0.0
    for kind, pids in kinds.items():
        cpu = sum(after.get(pid, 0.0) - before.get(pid, 0.0) for pid in pids)
        total += cpu
        rss = [peaks[pid] for pid in pids]
        several = (f", {len(pids)} processes: peak RSS max {max(rss):.0f} MiB, "
                   f"sum {sum(rss):.0f} MiB" if len(pids) > 1 else
                   f", peak RSS {rss[0]:.0f} MiB" if rss else "")
        print(f"  {kind:18} {cpu * 1000 / cycles:6.1f} ms/cycle, busy "
              f"{100 * cpu / elapsed:4.0f}% of a core{several}")
    print(f"  {'all of the cloud':18} {total * 1000 / cycles:6.1f} ms/cycle, busy "
          f"{100 * total / elapsed:4.0f}% of a core (2 cores: 200% is the machine)")


if __name__ == "__main__":
    main()

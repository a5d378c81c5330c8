"""CPU of compute's write paths per boot+delete cycle, without HTTP (figures, not a test).

usage: .tox/suite/bin/python tests/benchmarks/bench_compute_writes.py
           [--cycles 100] [--rounds 5] [--agents 100]

One thread, a SQLite file: per cycle the API's quota check and create
(quota.limits, quota.create_servers: count, create, recount), the conductor's
build (ConductorEndpoint.build_instance, a placement stand-in that answers
candidates and claims at once, the agents' casts recorded), build_done, the
API's delete (instance.get, begin_delete) and the conductor's delete
(delete_instance, instance_destroyed). Prints the CPU (process time) per cycle
of each round of ``--cycles`` cycles, and their median: what the service and
database code of those paths costs, without the REST requests, the bus and the
other threads that make bench_compute.py's figure vary from run to run.
"""

import argparse
import statistics
import tempfile
import time
import types

from sovra_common.context import RequestContext
from sovra_common.coordination import inprocess
from sovra_common.db import Database, migration
from sovra_compute import placement_client
from sovra_compute.conductor.endpoint import ConductorEndpoint
from sovra_compute.db import DATABASE
from sovra_compute.service import compute_service, quota
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as instance_service

CTXT = RequestContext(user_id="u1", project_id="p1", roles=["member"])


class _Placement:
    """Every host a candidate; claims and releases always succeed."""

    def __init__(self, hosts):
        self.candidates = [{placement_client.node_uuid(h): {"resources": {"VCPU": 1}}}
                           for h in hosts]

    def allocation_candidates(self, resources, limit, **query):
        return list(self.candidates[:limit])

    def claim(self, consumer, allocations, project_id, user_id):
        pass

    def release(self, consumer):
        pass


class _Casts:
    """The agents' and the notifier's side: casts recorded, the last one kept."""

    def __getattr__(self, name):
        def cast(*args, **kwargs):
            self.last = (name, args, kwargs)
        return cast


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--agents", type=int, default=100)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-compute-writes-")
    db = Database.from_url(f"sqlite:///{workdir}/compute.sqlite")
    migration.upgrade(db, DATABASE.migrations)
    coordinator = inprocess.InProcessCoordinator()
    coordinator.start()
    hosts = [f"node{i}" for i in range(args.agents)]
    for host in hosts:
        coordinator.heartbeat(compute_service.AGENTS_GROUP, host, {})
    conf = types.SimpleNamespace(
        compute=types.SimpleNamespace(max_build_attempts=3, max_candidates=10,
                                      build_timeout=60, host="conductor1",
                                      allow_resize_to_same_host=True),
        quota=types.SimpleNamespace(**{name: 1000 for name in quota.RESOURCES}))
    agents = _Casts()
    conductor = ConductorEndpoint(conf, db, _Placement(hosts), coordinator, agents,
                                  notifier=_Casts())
    flavor = flavor_service.create(db, name="m1.tiny", flavorid="1", vcpus=1,
                                   ram=512, disk=1)

    def create(count):
        return [instance_service.create(db, CTXT, name="vm", flavor=flavor,
                                        image_ref="img") for _ in range(count)]

    def cycle():
        allowed = quota.limits(db, conf, "p1")
        uuid = quota.create_servers(db, conf, "p1", flavor, create, lambda made: None,
                                    allowed=allowed)[0]["uuid"]
        conductor.build_instance(CTXT, uuid)
        host = agents.last[1][1]
        conductor.build_done(CTXT, uuid, host, 1)
        instance_service.get(db, uuid)
        instance_service.begin_delete(db, CTXT, uuid)
        conductor.delete_instance(CTXT, uuid)
        conductor.instance_destroyed(CTXT, uuid, host)

    for _ in range(30):  # warm the statement caches
        cycle()
    rounds = []
    for _ in range(args.rounds):
        started = time.process_time()
        for _ in range(args.cycles):
            cycle()
        rounds.append((time.process_time() - started) / args.cycles * 1000)
    print(f"write paths, {args.agents} agents, {args.rounds} rounds of {args.cycles} "
          "cycles: CPU per boot+delete cycle "
          + " / ".join(f"{r:.2f}" for r in rounds)
          + f" ms (median {statistics.median(rounds):.2f} ms)")
    coordinator.stop()
    db.dispose()


if __name__ == "__main__":
    main()

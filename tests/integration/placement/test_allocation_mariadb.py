"""Allocation writes on MariaDB: concurrent claims on one provider queue on its row
instead of deadlocking (each INSERT's foreign-key check share-locks the provider's
row, which the generation bump then needs exclusively) or losing its generation
compare-and-swap. The full-mode compute benchmark's 50 concurrent boots on few
providers hit both, until claims took longer than the conductor's timeout."""

import threading
import uuid

import pytest
import sqlalchemy as sa

from sovra_common.db import Database, migration
from sovra_placement.db import DATABASE
from sovra_placement.service import allocation, inventory, resource_class
from sovra_placement.service import resource_provider as rp_service

CLAIMS = 12


@pytest.fixture
def db(mariadb_server):
    database = Database.from_url(mariadb_server.url_for(f"sovra_pl_{uuid.uuid4().hex[:12]}"))
    migration.upgrade(database, DATABASE.migrations)
    resource_class.sync_standard(database)
    yield database
    database.dispose()


def _write_at_once(db, requests_list):
    """Each request list in its own thread, started together, with no retry (the
    body of one attempt): the exception each raised, or None."""
    once = allocation._replace_all.__wrapped__  # without retry_on_deadlock
    return _at_once([lambda r=r: once(db, r) for r in requests_list])


def _at_once(calls):
    """Each call in its own thread, started together: the exception each raised,
    or None."""
    barrier = threading.Barrier(len(calls))
    outcome = [None] * len(calls)

    def run(i):
        barrier.wait()
        try:
            calls[i]()
        except Exception as exc:  # reported by the assertion
            outcome[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcome


def _claim(rp_uuid, consumer, vcpus=1):
    return [allocation.ConsumerAllocations(consumer, {rp_uuid: {"VCPU": vcpus}},
                                           project_id="p", user_id="u")]


def test_concurrent_claims_and_releases_on_one_provider_all_succeed_first_time(db):
    rp = rp_service.create(db, "cn1")
    inventory.set_inventories(db, rp["uuid"], 0, {"VCPU": inventory.with_defaults(
        {"total": 2 * CLAIMS}, reserved_may_equal_total=False)})
    held = [str(uuid.uuid4()) for _ in range(CLAIMS // 2)]
    for consumer in held:
        allocation.replace_all(db, _claim(rp["uuid"], consumer))
    # half new claims, half releases of the claims above, all at once
    writes = [_claim(rp["uuid"], str(uuid.uuid4())) for _ in range(CLAIMS)]
    writes += [[allocation.ConsumerAllocations(c, {})] for c in held]
    outcome = _write_at_once(db, writes)
    assert outcome == [None] * len(writes)
    # one generation bump per write: inventory, the first claims, then all the others
    assert rp_service.show(db, rp["uuid"])["generation"] == 1 + len(held) + len(writes)
    with db.reader() as session:
        used = session.scalar(sa.select(sa.func.sum(allocation.ALLOC.used)))
    assert used == CLAIMS


def test_concurrent_claims_of_the_last_unit_do_not_over_commit(db):
    """Each claim's capacity check reads the usage after its provider lock, with
    what the claims before it committed (not a snapshot from before the wait:
    then every one of these claims fitted, 4 units used of 1)."""
    rp = rp_service.create(db, "cn1")
    inventory.set_inventories(db, rp["uuid"], 0, {"VCPU": inventory.with_defaults(
        {"total": 1}, reserved_may_equal_total=False)})
    for _ in range(3):
        outcome = _write_at_once(db, [_claim(rp["uuid"], str(uuid.uuid4()))
                                      for _ in range(4)])
        assert sorted(type(o).__name__ for o in outcome) == [
            "InsufficientCapacity"] * 3 + ["NoneType"], outcome
        with db.reader() as session:
            assert session.scalar(sa.select(sa.func.sum(allocation.ALLOC.used))) == 1
            consumer = session.scalar(sa.select(allocation.CONSUMER.uuid))
        allocation.delete_consumer_allocations(db, consumer)


def test_reshapes_racing_claims_for_the_last_unit_do_not_over_commit(db):
    """The reshaper writes allocations too, in its own transaction: its capacity
    check must also read after the provider lock (READ COMMITTED), not from the
    snapshot its first read (the tree's providers) took before the wait."""
    from sovra_placement.service import reshaper

    root = rp_service.create(db, "cn1")
    child = rp_service.create(db, "cn1-numa0", parent_uuid=root["uuid"])
    inventory.set_inventories(db, child["uuid"], 0, {"VCPU": inventory.with_defaults(
        {"total": 1}, reserved_may_equal_total=False)})
    disk = {"DISK_GB": inventory.with_defaults({"total": 10},
                                               reserved_may_equal_total=False)}
    reshape = reshaper.reshape.__wrapped__  # without retry_on_deadlock
    claim = allocation._replace_all.__wrapped__
    for _ in range(3):
        root_generation = rp_service.show(db, root["uuid"])["generation"]
        outcome = _at_once(
            # the root's inventory, and the last VCPU of the child
            [lambda g=root_generation: reshape(db, {root["uuid"]: (g, disk)},
                                               _claim(child["uuid"], str(uuid.uuid4())))]
            + [lambda: claim(db, _claim(child["uuid"], str(uuid.uuid4())))] * 3)
        assert [o for o in outcome if o is not None], outcome  # not all fitted
        with db.reader() as session:
            assert session.scalar(sa.select(sa.func.sum(allocation.ALLOC.used))) == 1
            consumer = session.scalar(sa.select(allocation.CONSUMER.uuid))
        allocation.delete_consumer_allocations(db, consumer)

"""Server quota without a lock: counted, claimed (the row), recounted. Concurrent
creates on a SQLite file (the database lite mode runs on) never let a project
past its quota."""

import threading
import types

import pytest
import sqlalchemy as sa

from sovra_common.context import RequestContext
from sovra_common.db import Database, migration
from sovra_compute.db import DATABASE, models
from sovra_compute.service import instance as instance_service
from sovra_compute.service import quota

FLAVOR = {"flavorid": "1", "name": "tiny", "vcpus": 1, "memory_mb": 64,
          "root_gb": 1, "ephemeral_gb": 0, "swap": 0}
CTXT = RequestContext(user_id="u1", project_id="p1", roles=["member"])


@pytest.fixture
def file_db(tmp_path):
    database = Database.from_url(f"sqlite:///{tmp_path / 'compute.sqlite'}",
                                 sqlite_busy_timeout=30)
    migration.upgrade(database, DATABASE.migrations)
    yield database
    database.dispose()


def _conf(**limits):
    defaults = {name: -1 for name in quota.RESOURCES}
    return types.SimpleNamespace(quota=types.SimpleNamespace(**{**defaults, **limits}))


def _rows(db):
    with db.reader() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(models.Instance))


def _create(db, conf, barrier=None):
    def create(count):
        assert count == 1
        if barrier is not None:
            barrier.wait(10)  # every request passed the first count: a real race
        return instance_service.create(db, CTXT, name="s", flavor=FLAVOR,
                                       image_ref="img")

    return quota.create_servers(
        db, conf, "p1", FLAVOR, create,
        lambda made: instance_service.discard(db, made["uuid"]))


def test_racing_creates_never_go_past_the_quota(file_db):
    conf, racers = _conf(instances=3), 12
    barrier = threading.Barrier(racers)
    made, refused = [], []

    def one():
        try:
            made.append(_create(file_db, conf, barrier)["uuid"])
        except quota.QuotaExceeded as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=one) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(made) + len(refused) == racers
    assert 1 <= len(made) <= 3  # the first to be recorded sees none past it
    assert quota.usage(file_db, "p1")["instances"] == len(made)
    assert _rows(file_db) == len(made)  # refused ones left no row (nor action)
    assert refused[0].startswith("Quota exceeded for instances: Requested 1, but "
                                 "already used ")


def test_a_refused_recheck_removes_the_row_and_its_action(file_db):
    conf = _conf(instances=1, cores=-1)
    first = _create(file_db, conf)

    def create_behind_the_first_count(count):
        # a concurrent request recorded its server between our count and claim
        instance_service.create(file_db, CTXT, name="other", flavor=FLAVOR,
                                image_ref="img")
        return instance_service.create(file_db, CTXT, name="mine", flavor=FLAVOR,
                                       image_ref="img")

    instance_service.discard(file_db, first["uuid"])
    with pytest.raises(quota.QuotaExceeded, match="already used 1 of 1 instances"):
        quota.create_servers(file_db, conf, "p1", FLAVOR,
                             create_behind_the_first_count,
                             lambda made: instance_service.discard(file_db, made["uuid"]))
    names = [i["name"] for i in instance_service.list_(file_db, project_id="p1")]
    assert names == ["other"]
    with file_db.reader() as session:
        actions = session.scalar(sa.select(sa.func.count()).select_from(
            models.InstanceAction))
    assert actions == 1


def test_cores_and_ram_are_counted_too_and_unlimited_is_not_counted(file_db):
    _create(file_db, _conf(cores=2, ram=128))
    _create(file_db, _conf(cores=2, ram=128))
    with pytest.raises(quota.QuotaExceeded, match="cores, ram"):
        _create(file_db, _conf(cores=2, ram=128))
    _create(file_db, _conf())  # every server quota unlimited
    assert quota.usage(file_db, "p1") == {"instances": 3, "cores": 3, "ram": 192,
                                          "server_groups": 0}

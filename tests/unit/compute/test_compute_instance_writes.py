"""service/instance.py's write paths (SQLAlchemy Core): what create returns is what
is read back; update's task-state guard is a compare-and-swap; begin_delete records
one delete action; mark_deleted and update refuse a server that is gone; quota
usage is summed by the database."""

import pytest
from sqlalchemy import select

from sovra_compute.db import models
from sovra_compute.service import instance as instance_service
from sovra_compute.service import quota


class _Ctxt:
    project_id, user_id, request_id = "proj-w", "walt", "req-write"


FLAVOR = {"flavorid": "1", "name": "m1.tiny", "vcpus": 2, "memory_mb": 512,
          "root_gb": 1, "ephemeral_gb": 0, "swap": 0, "extra_specs": {}}


def _create(db, **extra):
    return instance_service.create(db, _Ctxt, name="vm", flavor=FLAVOR,
                                   image_ref="img-1", **extra)


def _actions(db, server_id):
    with db.reader() as session:
        return list(session.scalars(select(models.InstanceAction.action).where(
            models.InstanceAction.instance_uuid == server_id)
            .order_by(models.InstanceAction.id)))


def test_create_returns_what_is_read_back(db):
    made = _create(db, tags=["b", "a"], metadata={"k": "v"}, key_name="kp",
                   requested_networks=[{"uuid": "net-1"}], launch_index=2,
                   reservation_id="r-abc")
    read = instance_service.get(db, made["uuid"])
    assert made.pop("tags") == ["b", "a"]  # as asked; read back sorted
    assert read.pop("tags") == ["a", "b"]
    assert made == read
    assert made["vm_state"] == "building" and made["task_state"] == "scheduling"
    assert _actions(db, made["uuid"]) == ["create"]


def test_update_guard_is_a_compare_and_swap(db):
    server_id = _create(db)["uuid"]
    with pytest.raises(instance_service.InstanceInvalidState, match="scheduling"):
        instance_service.update(db, server_id, expected_task_state=("spawning",),
                                host="h1")
    assert instance_service.get(db, server_id)["host"] is None  # nothing written
    done = instance_service.update(db, server_id,
                                   expected_task_state=("scheduling", "spawning"),
                                   host="h1", task_state="spawning",
                                   metadata={"m": "1"})
    assert (done["host"], done["task_state"], done["metadata"]) == \
        ("h1", "spawning", {"m": "1"})
    assert done == instance_service.get(db, server_id)
    instance_service.update(db, server_id, task_state=None)
    # None among the expected states matches a server with no task
    idle = instance_service.update(db, server_id, expected_task_state=(None,),
                                   power_state=1)
    assert idle["power_state"] == 1 and idle["updated_at"] is not None
    with pytest.raises(instance_service.InstanceInvalidState):
        instance_service.update(db, server_id, expected_task_state=("spawning",),
                                power_state=4)


def test_begin_delete_records_one_delete(db):
    server_id = _create(db)["uuid"]
    instance_service.begin_delete(db, _Ctxt, server_id)
    instance_service.begin_delete(db, _Ctxt, server_id)  # already deleting: as is
    assert instance_service.get(db, server_id)["task_state"] == "deleting"
    assert _actions(db, server_id) == ["create", "delete"]


def test_a_gone_server_is_not_found(db):
    server_id = _create(db)["uuid"]
    instance_service.mark_deleted(db, server_id)
    with db.reader() as session:
        row = session.get(models.Instance, server_id)
        assert row.deleted and row.vm_state == "deleted" and row.task_state is None
        assert row.deleted_at == row.terminated_at is not None
    for write in (lambda: instance_service.update(db, server_id, host="h"),
                  lambda: instance_service.begin_delete(db, _Ctxt, server_id)):
        with pytest.raises(instance_service.InstanceNotFound):
            write()
    instance_service.mark_deleted(db, server_id)  # a deleted row may be marked again
    with pytest.raises(instance_service.InstanceNotFound):
        instance_service.mark_deleted(db, "no-such-server")


def test_server_usage_is_summed_by_the_database(db):
    assert quota.server_usage(db, _Ctxt.project_id) == \
        {"instances": 0, "cores": 0, "ram": 0}
    first, _ = _create(db)["uuid"], _create(db)
    instance_service.mark_deleted(db, first)
    _create(db)
    assert quota.usage(db, _Ctxt.project_id) == \
        {"instances": 2, "cores": 4, "ram": 1024, "server_groups": 0}

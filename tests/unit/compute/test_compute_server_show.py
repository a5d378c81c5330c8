"""server_show.get (GET /servers/{id}) and instance.get read with SQLAlchemy Core; they
give what the ORM mapping (instance.as_dict) gives, server_show.get plus the host's
service, the host's zone and the server group, read fresh on every call."""

import pytest
from sqlalchemy import select

from sovra_compute.db import models
from sovra_compute.service import block_device, compute_service, server_group, server_show
from sovra_compute.service import instance as instance_service


class _Ctxt:
    project_id, user_id, request_id = "proj-a", "alice", "req-show"


FLAVOR = {"flavorid": "1", "name": "m1.tiny", "vcpus": 1, "memory_mb": 512,
          "root_gb": 1, "ephemeral_gb": 0, "swap": 0, "extra_specs": {"a": "b"}}


def _server(db, **extra):
    return instance_service.create(db, _Ctxt, name="vm", flavor=FLAVOR,
                                   image_ref="img-1", **extra)["uuid"]


def _orm(db, server_id):
    with db.reader() as session:
        return instance_service.as_dict(session.scalars(select(models.Instance).where(
            models.Instance.uuid == server_id)).one())


def _extras(shown):
    return {key: shown.pop(key) for key in ("host_service", "host_zone", "server_groups")}


def test_a_plain_server_as_instance_get(db):
    server_id = _server(db)
    shown = server_show.get(db, server_id)
    assert _extras(shown) == {"host_service": None, "host_zone": None,
                              "server_groups": []}
    assert shown == instance_service.get(db, server_id) == _orm(db, server_id)


def test_collections_newest_fault_service_and_group(db):
    server_id = _server(db, tags=["b", "a", "c"], metadata={"k": "v", "a": "1"},
                        description="d", scheduler_hints={"group": "x"},
                        requested_networks=[{"network_id": "n"}])
    instance_service.update(db, server_id, host="node1", node="node1",
                            vm_state="error", task_state=None)
    for volume_id in ("vol-2", "vol-1"):
        block_device.create(db, server_id, source_type="volume", volume_id=volume_id)
    instance_service.add_fault(db, server_id, code=500, message="old", host="node1")
    instance_service.add_fault(db, server_id, code=400, message="newest",
                               details="why", host="node1")
    other = _server(db, tags=["z"])  # another server's rows stay out
    block_device.create(db, other, source_type="volume", volume_id="vol-9")
    instance_service.add_fault(db, other, code=500, message="not mine")
    service = compute_service.report(db, "node1", compute_service.AGENT_BINARY)
    group = server_group.create(db, _Ctxt, name="g", policy="affinity", max_groups=-1)
    server_group.add_member(db, group["uuid"], server_id)

    shown = server_show.get(db, server_id)
    assert _extras(shown) == {
        "host_service": {"forced_down": False, "disabled": False},
        "host_zone": None, "server_groups": [group["uuid"]]}
    assert shown == instance_service.get(db, server_id) == _orm(db, server_id)
    assert shown["tags"] == ["a", "b", "c"]
    assert [b["volume_id"] for b in shown["block_devices"]] == ["vol-2", "vol-1"]
    assert shown["fault"]["message"] == "newest"

    compute_service.update(db, service["id"], disabled=True, forced_down=True)
    assert server_show.get(db, server_id)["host_service"] == {
        "forced_down": True, "disabled": True}


def test_deleted_or_unknown_is_not_found(db):
    server_id = _server(db)
    instance_service.mark_deleted(db, server_id)
    for uuid in (server_id, "no-such-server"):
        for get in (server_show.get, instance_service.get):
            with pytest.raises(instance_service.InstanceNotFound):
                get(db, uuid)


def test_get_inside_a_writer_sees_its_pending_changes(db):
    server_id = _server(db)
    with db.writer() as session:
        session.get(models.Instance, server_id).vm_state = "active"
        assert instance_service.get(db, server_id)["vm_state"] == "active"

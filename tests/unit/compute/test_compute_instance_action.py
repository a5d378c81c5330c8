"""Instance action events: the steps of an action, recorded in any order they
arrive (agents report over a bus that may deliver a finish before its start)."""

import datetime

from sovra_common.context import RequestContext
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as instance_service
from sovra_compute.service import instance_action

CTXT = RequestContext(user_id="u1", project_id="p1", roles=["member"])


def _server(db):
    flavor = flavor_service.create(db, name="m1.tiny", flavorid="1", vcpus=1, ram=512,
                                   disk=1)
    return instance_service.create(db, CTXT, name="vm", flavor=flavor, image_ref="img")


def _events(db, uuid):
    return instance_action.get(db, uuid, CTXT.request_id)["events"]


def test_start_then_finish_is_one_event(db):
    uuid = _server(db)["uuid"]
    start = datetime.datetime(2026, 1, 1, 12, 0, 0)
    assert instance_action.record_event(db, uuid, CTXT.request_id, "compute_x",
                                        host="n1", start_time=start.isoformat())
    [event] = _events(db, uuid)
    assert event["result"] is None and event["finish_time"] is None
    instance_action.record_event(db, uuid, CTXT.request_id, "compute_x", host="n1",
                                 start_time=start, finish_time=start.isoformat(),
                                 result=instance_action.ERROR, traceback="tb",
                                 details="it broke")
    [event] = _events(db, uuid)
    assert (event["result"], event["traceback"]) == ("Error", "tb")
    assert event["start_time"] == start.replace(tzinfo=datetime.UTC)


def test_a_late_start_does_not_undo_the_finish(db):
    uuid = _server(db)["uuid"]
    instance_action.record_event(db, uuid, CTXT.request_id, "compute_x", host="n1",
                                 finish_time=datetime.datetime.now(datetime.UTC),
                                 result=instance_action.SUCCESS)
    instance_action.record_event(db, uuid, CTXT.request_id, "compute_x", host="n1")
    [event] = _events(db, uuid)
    assert event["result"] == "Success" and event["finish_time"]


def test_same_step_on_two_hosts_is_two_events(db):
    uuid = _server(db)["uuid"]
    for host in ("n1", "n2"):
        instance_action.record_event(db, uuid, CTXT.request_id, "compute_x", host=host)
    assert sorted(e["host"] for e in _events(db, uuid)) == ["n1", "n2"]


def test_an_unknown_request_id_goes_to_the_newest_action(db):
    uuid = _server(db)["uuid"]
    assert instance_action.record_event(db, uuid, "req-unknown", "compute_x")
    assert [e["event"] for e in _events(db, uuid)] == ["compute_x"]


def test_a_server_without_actions_records_nothing(db):
    assert not instance_action.record_event(db, "no-such-server", None, "compute_x")


def test_the_action_of_the_request_id_not_the_newest(db):
    uuid = _server(db)["uuid"]  # its create action has CTXT's request id
    later = RequestContext(user_id="u1", project_id="p1", roles=["member"])
    instance_service.record_action(db, later, uuid, "reboot")
    instance_action.record_event(db, uuid, CTXT.request_id, "compute_x")
    instance_action.record_event(db, uuid, None, "compute_y")  # no id: the newest
    assert [e["event"] for e in _events(db, uuid)] == ["compute_x"]
    assert [e["event"] for e in instance_action.get(db, uuid, later.request_id)[
        "events"]] == ["compute_y"]


def test_a_step_without_host_is_one_event_and_touches_its_action(db):
    uuid = _server(db)["uuid"]
    created = instance_action.get(db, uuid, CTXT.request_id)["updated_at"]
    instance_action.record_event(db, uuid, CTXT.request_id, "conductor_x",
                                 start_time="2026-01-01T12:00:00")
    instance_action.record_event(db, uuid, CTXT.request_id, "conductor_x",
                                 finish_time="2099-01-01T12:00:00",
                                 result=instance_action.SUCCESS)
    [event] = _events(db, uuid)
    assert (event["host"], event["result"]) == (None, "Success")
    assert instance_action.get(db, uuid, CTXT.request_id)["updated_at"] > created

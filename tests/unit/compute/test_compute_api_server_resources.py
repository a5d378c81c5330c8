"""A server's sub-resources: tags (2.26), metadata, topology (2.78) and instance
actions (2.21, 2.51, 2.58, 2.62, 2.66)."""

import datetime

from compute_api import ADMIN, ALICE, BOB, at, boot, boot_active, create_flavor

from sovra_compute.db import models
from sovra_compute.service import instance as instance_service


def test_tags_api_needs_2_26(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    assert api.get(f"/v2.1/servers/{server_id}/tags",
                   headers=at(ALICE, "2.25")).status_code == 404
    assert api.get(f"/v2.1/servers/{server_id}/tags",
                   headers=at(ALICE, "2.26")).json == {"tags": []}


def test_tags_api_lifecycle(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    base = f"/v2.1/servers/{server_id}/tags"
    v226 = at(ALICE, "2.26")
    resp = api.put(f"{base}/web", headers=v226)
    assert resp.status_code == 201
    assert resp.headers["Location"].endswith(f"/v2.1/servers/{server_id}/tags/web")
    assert api.put(f"{base}/web", headers=v226).status_code == 204
    assert api.get(f"{base}/web", headers=v226).status_code == 204
    assert api.get(f"{base}/db", headers=v226).status_code == 404
    resp = api.put(base, json={"tags": ["b", "a", "b"]}, headers=v226)
    assert resp.json == {"tags": ["a", "b"]}
    assert api.get(base, headers=v226).json == {"tags": ["a", "b"]}
    shown = api.get(f"/v2.1/servers/{server_id}", headers=v226).json["server"]
    assert shown["tags"] == ["a", "b"]
    assert api.delete(f"{base}/a", headers=v226).status_code == 204
    assert api.delete(f"{base}/a", headers=v226).status_code == 404
    assert api.delete(base, headers=v226).status_code == 204
    assert api.get(base, headers=v226).json == {"tags": []}
    assert api.put(base, json={"tags": ["x,y"]}, headers=v226).status_code == 400
    assert api.put(base, json={"tags": [f"t{i}" for i in range(51)]},
                   headers=v226).status_code == 400


def test_tags_limit_state_and_projects(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    base = f"/v2.1/servers/{server_id}/tags"
    v226 = at(ALICE, "2.26")
    api.put(base, json={"tags": [f"t{i}" for i in range(50)]}, headers=v226)
    resp = api.put(f"{base}/one-more", headers=v226)
    assert resp.status_code == 400 and "per-server limit 50" in resp.json[
        "badRequest"]["message"]
    assert api.get(base, headers=at(BOB, "2.26")).status_code == 404
    assert api.put(f"{base}/x", headers=at({**ALICE, "X-Roles": "reader"},
                                           "2.26")).status_code == 403
    building = boot(api).json["server"]["id"]
    resp = api.put(f"/v2.1/servers/{building}/tags/x", headers=v226)
    assert resp.status_code == 409


def test_metadata_api(api, db):
    create_flavor(api)
    server_id = boot_active(api, db, metadata={"a": "1"})
    base = f"/v2.1/servers/{server_id}/metadata"
    assert api.get(base, headers=ALICE).json == {"metadata": {"a": "1"}}
    resp = api.post(base, json={"metadata": {"b": "2"}}, headers=ALICE)
    assert resp.status_code == 200 and resp.json == {"metadata": {"a": "1", "b": "2"}}
    assert api.get(f"{base}/b", headers=ALICE).json == {"meta": {"b": "2"}}
    assert api.get(f"{base}/zz", headers=ALICE).status_code == 404
    resp = api.put(f"{base}/c", json={"meta": {"c": "3"}}, headers=ALICE)
    assert resp.json == {"meta": {"c": "3"}}
    assert api.put(f"{base}/c", json={"meta": {"d": "3"}},
                   headers=ALICE).status_code == 400
    resp = api.put(base, json={"metadata": {"only": "this"}}, headers=ALICE)
    assert resp.json == {"metadata": {"only": "this"}}
    assert api.delete(f"{base}/only", headers=ALICE).status_code == 204
    assert api.delete(f"{base}/only", headers=ALICE).status_code == 404
    shown = api.get(f"/v2.1/servers/{server_id}", headers=ALICE).json["server"]
    assert shown["metadata"] == {}
    assert api.get(base, headers=BOB).status_code == 404


def test_metadata_quota_lock_and_state(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    base = f"/v2.1/servers/{server_id}/metadata"
    api.put("/v2.1/os-quota-sets/proj-a", json={"quota_set": {"metadata_items": 2}},
            headers=ADMIN)
    resp = api.post(base, json={"metadata": {"a": "1", "b": "2", "c": "3"}},
                    headers=ALICE)
    assert resp.status_code == 403 and "metadata_items" in resp.json["forbidden"][
        "message"]
    api.post(f"/v2.1/servers/{server_id}/action", json={"lock": None}, headers=ALICE)
    assert api.post(base, json={"metadata": {"a": "1"}},
                    headers=ALICE).status_code == 409
    assert api.post(base, json={"metadata": {"a": "1"}},
                    headers=ADMIN).status_code == 200  # admins override the lock
    instance_service.update(db, server_id, task_state="powering-off")
    assert api.post(base, json={"metadata": {"a": "1"}},
                    headers=ADMIN).status_code == 409


def test_topology_from_2_78(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    path = f"/v2.1/servers/{server_id}/topology"
    assert api.get(path, headers=at(ALICE, "2.77")).status_code == 404
    resp = api.get(path, headers=at(ALICE, "2.78"))
    assert resp.json == {"nodes": [], "pagesize_kb": None}
    assert api.get(path, headers=at(BOB, "2.78")).status_code == 404


def _action_ids(api, server_id, query="", version="2.58", headers=ALICE):
    resp = api.get(f"/v2.1/servers/{server_id}/os-instance-actions?{query}",
                   headers=at(headers, version))
    assert resp.status_code == 200, resp.json
    return resp.json


def _act(api, server_id, body, db):
    assert api.post(f"/v2.1/servers/{server_id}/action", json=body,
                    headers=ALICE).status_code == 202
    instance_service.update(db, server_id, task_state=None)


def test_instance_action_list_pages_from_2_58(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    _act(api, server_id, {"os-stop": None}, db)
    instance_service.update(db, server_id, vm_state="stopped")
    _act(api, server_id, {"os-start": None}, db)
    old = _action_ids(api, server_id, version="2.57")["instanceActions"]
    assert [a["action"] for a in old] == ["start", "stop", "create"]
    assert "updated_at" not in old[0]
    page = _action_ids(api, server_id, "limit=2")
    assert [a["action"] for a in page["instanceActions"]] == ["start", "stop"]
    assert "updated_at" in page["instanceActions"][0]
    marker = page["instanceActions"][-1]["request_id"]
    assert f"marker={marker}" in page["links"][0]["href"]
    rest = _action_ids(api, server_id, f"marker={marker}")
    assert [a["action"] for a in rest["instanceActions"]] == ["create"]
    assert "links" not in rest
    assert api.get(f"/v2.1/servers/{server_id}/os-instance-actions?marker=nope",
                   headers=at(ALICE, "2.58")).status_code == 400
    assert api.get(f"/v2.1/servers/{server_id}/os-instance-actions?colour=x",
                   headers=at(ALICE, "2.58")).status_code == 400


def test_instance_action_time_filters(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2)
    with db.writer() as session:
        for action in session.query(models.InstanceAction):
            action.updated_at = past
    _act(api, server_id, {"os-stop": None}, db)
    cut = (past + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    since = _action_ids(api, server_id, f"changes-since={cut}")["instanceActions"]
    assert [a["action"] for a in since] == ["stop"]
    assert api.get(f"/v2.1/servers/{server_id}/os-instance-actions?"
                   f"changes-before={cut}", headers=at(ALICE, "2.65")).status_code == 400
    before = _action_ids(api, server_id, f"changes-before={cut}", "2.66")
    assert [a["action"] for a in before["instanceActions"]] == ["create"]


def _add_event(db, server_id, host="node1"):
    with db.writer() as session:
        action = session.query(models.InstanceAction).filter_by(
            instance_uuid=server_id).first()
        session.add(models.InstanceActionEvent(
            action_id=action.id, event="compute_build", host=host, result="Error",
            traceback="Traceback: boom", details="No valid host was found."))
        return action.request_id


def test_instance_action_show_and_events(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    request_id = _add_event(db, server_id)
    path = f"/v2.1/servers/{server_id}/os-instance-actions/{request_id}"
    old = api.get(path, headers=at(ALICE, "2.50")).json["instanceAction"]
    assert old["action"] == "create" and "events" not in old
    owner = api.get(path, headers=at(ALICE, "2.51")).json["instanceAction"]
    event, = owner["events"]
    assert event["event"] == "compute_build" and "traceback" not in event
    assert "hostId" not in event
    admin = api.get(path, headers=at(ADMIN, "2.50")).json["instanceAction"]
    assert admin["events"][0]["traceback"] == "Traceback: boom"
    assert "host" not in admin["events"][0]
    owner = api.get(path, headers=at(ALICE, "2.62")).json["instanceAction"]
    assert owner["events"][0]["hostId"] and "host" not in owner["events"][0]
    admin = api.get(path, headers=at(ADMIN, "2.62")).json["instanceAction"]
    assert admin["events"][0]["host"] == "node1"
    assert admin["events"][0]["hostId"] == owner["events"][0]["hostId"]
    assert "details" not in owner["events"][0]
    owner = api.get(path, headers=at(ALICE, "2.84")).json["instanceAction"]
    assert owner["events"][0]["details"] == "No valid host was found."
    assert api.get(f"/v2.1/servers/{server_id}/os-instance-actions/req-none",
                   headers=ALICE).status_code == 404
    assert api.get(path, headers=BOB).status_code == 404


def test_actions_of_a_deleted_server_from_2_21(api, db):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    instance_service.mark_deleted(db, server_id)
    path = f"/v2.1/servers/{server_id}/os-instance-actions"
    assert api.get(path, headers=at(ALICE, "2.20")).status_code == 404
    actions = api.get(path, headers=at(ALICE, "2.21")).json["instanceActions"]
    assert [a["action"] for a in actions] == ["create"]
    assert api.get(path, headers=at(BOB, "2.21")).status_code == 404

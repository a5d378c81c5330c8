"""os-resetState through the compute API (noauth, in-memory database): the
schema, the admin-only policy, the state written and the instance action."""

from compute_api import ADMIN, ALICE, BOB, boot_active, create_flavor

from sovra_compute.api import policies
from sovra_compute.api.policies import server as server_policies
from sovra_compute.service import instance as instance_service


def _reset(api, server_id, arg, headers=ADMIN):
    return api.post(f"/v2.1/servers/{server_id}/action",
                    json={"os-resetState": arg}, headers=headers)


def test_reset_state_clears_a_stuck_task(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    instance_service.update(db, server_id, task_state=instance_service.RESIZE_PREP)
    cast_before = list(api.extras["conductor"].calls)
    resp = _reset(api, server_id, {"state": "error"})
    assert resp.status_code == 202 and resp.get_data() == b""
    row = instance_service.get(db, server_id)
    assert (row["vm_state"], row["task_state"]) == ("error", None)
    assert _reset(api, server_id, {"state": "active"}).status_code == 202
    row = instance_service.get(db, server_id)
    assert (row["vm_state"], row["task_state"]) == ("active", None)
    # nothing is asked of the agent or the conductor: the record only
    assert not api.extras["agents"].calls
    assert api.extras["conductor"].calls == cast_before
    actions = api.get(f"/v2.1/servers/{server_id}/os-instance-actions",
                      headers=ADMIN).json["instanceActions"]
    assert [a["action"] for a in actions].count("resetState") == 2


def test_reset_state_is_admin_only_and_ignores_the_lock(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    resp = _reset(api, server_id, {"state": "error"}, headers=ALICE)  # the owner
    assert resp.status_code == 403 and "forbidden" in resp.json
    assert _reset(api, server_id, {"state": "error"}, headers=BOB).status_code == 404
    assert instance_service.get(db, server_id)["vm_state"] == "active"
    assert api.post(f"/v2.1/servers/{server_id}/action", json={"lock": None},
                    headers=ALICE).status_code == 202
    assert _reset(api, server_id, {"state": "error"}).status_code == 202
    assert instance_service.get(db, server_id)["vm_state"] == "error"


def test_reset_state_bad_requests(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    for arg in (None, {}, {"state": "stopped"}, {"state": "ACTIVE"},
                {"state": "active", "extra": 1}, "active"):
        resp = _reset(api, server_id, arg)
        assert resp.status_code == 400, arg
        assert resp.json["badRequest"]["code"] == 400
    assert instance_service.get(db, server_id)["vm_state"] == "active"
    resp = _reset(api, "00000000-0000-0000-0000-000000000000", {"state": "error"})
    assert resp.status_code == 404 and "itemNotFound" in resp.json
    assert api.delete(f"/v2.1/servers/{server_id}", headers=ALICE).status_code == 204
    instance_service.mark_deleted(db, server_id)
    assert _reset(api, server_id, {"state": "active"}).status_code == 404


def test_reset_state_policy_is_upstreams_and_admin_by_default():
    rules = {rule.name: rule for rule in policies.list_rules()}
    rule = rules["os_compute_api:os-admin-actions:reset_state"]
    assert server_policies.RESET_STATE == rule.name
    assert rule.check_str == rules[server_policies.MIGRATE].check_str  # admin

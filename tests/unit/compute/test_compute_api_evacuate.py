"""The evacuate action through the compute API (noauth, in-memory database): its
schema at each microversion, the admin-only policy, the checks on the server and
its host, and what is cast to the conductor."""

import pytest
from compute_api import ADMIN, ALICE, at, boot_active, create_flavor

from sovra_compute.service import compute_service
from sovra_compute.service import instance as instance_service


def _evacuate(api, server_id, arg, version="2.94", headers=ADMIN):
    return api.post(f"/v2.1/servers/{server_id}/action", json={"evacuate": arg},
                    headers=at(headers, version))


def _hosts(api, db, *, up=("node2",), down=("node1",)):
    for host in (*up, *down):
        compute_service.report(db, host, compute_service.AGENT_BINARY)
    for host in up:
        api.coordinator.heartbeat(compute_service.AGENTS_GROUP, host, {})


@pytest.fixture
def server(api, db):
    create_flavor(api)
    _hosts(api, db)
    return boot_active(api, db, host="node1")


def _casts(api):
    return [(args, kwargs) for name, args, kwargs in api.extras["conductor"].calls
            if name == "evacuate_server"]


def test_a_server_whose_host_is_down_is_handed_to_the_conductor(api, db, server):
    resp = _evacuate(api, server, {"host": "node2"})
    assert resp.status_code == 200 and resp.get_data() == b""  # 2.14+: no body
    row = instance_service.get(db, server)
    assert (row["vm_state"], row["task_state"], row["host"]) == (
        "active", "rebuilding", "node1")
    (args, kwargs), = _casts(api)
    assert args[1] == server and kwargs == {"host": "node2", "power_on": None}
    actions = api.get(f"/v2.1/servers/{server}/os-instance-actions",
                      headers=ADMIN).json["instanceActions"]
    assert actions[0]["action"] == "evacuate"
    # a task now runs: a second evacuate is a conflict
    assert _evacuate(api, server, {}).status_code == 409


def test_2_95_asks_for_the_server_stopped_and_no_host_lets_the_scheduler_choose(
        api, db, server):
    assert _evacuate(api, server, {}, version="2.95").status_code == 200
    (_, kwargs), = _casts(api)
    assert kwargs == {"host": None, "power_on": False}


def test_before_2_14_the_answer_has_the_admin_password(api, db, server):
    resp = _evacuate(api, server, {"onSharedStorage": False, "adminPass": "s3cret"},
                     version="2.13")
    assert resp.status_code == 200 and resp.json == {"adminPass": "s3cret"}
    instance_service.update(db, server, task_state=None)
    resp = _evacuate(api, server, {"onSharedStorage": "False"}, version="2.1")
    assert resp.status_code == 200 and len(resp.json["adminPass"]) >= 12


@pytest.mark.parametrize("version,arg,message", [
    ("2.13", {}, "'onSharedStorage' is a required property"),
    ("2.13", {"onSharedStorage": True}, "onSharedStorage must be false"),
    ("2.13", {"onSharedStorage": True, "adminPass": "x"},
     "admin password can't be changed on existing disk"),
    ("2.13", {"onSharedStorage": "maybe"}, "Unrecognized value 'maybe'"),
    ("2.14", {"onSharedStorage": False}, "Additional properties are not allowed"),
    ("2.29", {"host": "node2", "force": "sure"}, "Unrecognized value 'sure'"),
    ("2.68", {"host": "node2", "force": True}, "Additional properties are not allowed"),
    ("2.94", {"host": ""}, "should be non-empty"),
    ("2.94", {"host": "node1"}, "The target host can't be the same one."),
])
def test_bad_requests_are_400(api, db, server, version, arg, message):
    resp = _evacuate(api, server, arg, version=version)
    assert resp.status_code == 400, resp.json
    assert message in resp.json["badRequest"]["message"]
    assert not _casts(api)
    assert instance_service.get(db, server)["task_state"] is None


def test_force_is_taken_between_2_29_and_2_67(api, db, server):
    assert _evacuate(api, server, {"host": "node2", "force": True},
                     version="2.29").status_code == 200


def test_a_host_that_is_up_is_refused(api, db, server):
    api.coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    resp = _evacuate(api, server, {})
    assert resp.status_code == 400
    assert resp.json["badRequest"]["message"] == \
        "Compute service of node1 is still in use."
    # forced down (os-services) counts as down, whatever its heartbeat says
    (service,) = compute_service.list_(db, host="node1")
    compute_service.update(db, service["id"], forced_down=True)
    assert _evacuate(api, server, {}).status_code == 200


def test_unknown_host_server_and_policy(api, db, server):
    resp = _evacuate(api, server, {"host": "node9"})
    assert resp.status_code == 404
    assert resp.json["itemNotFound"]["message"] == "Compute host node9 not found."
    assert _evacuate(api, "5e1d1a9e-0000-4000-8000-00000000dead", {}).status_code == 404
    # a member may not evacuate, not even their own server
    assert _evacuate(api, server, {}, headers=ALICE).status_code == 403
    assert not _casts(api)


def test_only_active_stopped_or_error_servers_with_a_host(api, db, server):
    instance_service.update(db, server, vm_state="paused")
    resp = _evacuate(api, server, {})
    assert resp.status_code == 409
    assert "vm_state paused" in resp.json["conflictingRequest"]["message"]
    for state in ("stopped", "error"):
        instance_service.update(db, server, vm_state=state, task_state=None)
        assert _evacuate(api, server, {}).status_code == 200
    instance_service.update(db, server, host=None, task_state=None)
    assert _evacuate(api, server, {}).status_code == 409  # on no host

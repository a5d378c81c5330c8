"""GET/PUT/DELETE /v2.0/agents: agents are remembered (the ``agents`` table) and
alive while they heartbeat in the API's coordination group (here the in-process
backend of the harness's API, joined by a coordinator of the same store, as an
all-in-one process's agent does)."""

import time

import pytest

from sovra_common.coordination import inprocess

GROUP = "network-agents"


def _agent_data(host, **extra):
    return dict({"host": host, "agent_type": "Linux bridge agent",
                 "binary": "sovra-network-agent",
                 "started_at": "2026-12-06T10:00:00+00:00",
                 "tunneling_ip": "192.0.2.21", "serve_unbound_dhcp": True}, **extra)


@pytest.fixture
def node(network_api):
    """A coordinator of the API's store: what a network agent would use."""
    store = network_api.app.extensions["sovra"].extras["coordinator"].store
    coordinator = inprocess.InProcessCoordinator(store=store)
    coordinator.start()
    yield coordinator
    coordinator.stop()


def _agents(api, **params):
    return api.ok("GET", "/v2.0/agents", project="admin", params=params)["agents"]


def _until_dead(api, agent_id, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        agent = api.ok("GET", f"/v2.0/agents/{agent_id}", project="admin")["agent"]
        if not agent["alive"]:
            return agent
        assert time.monotonic() < deadline, "agent never seen dead"
        time.sleep(0.2)


def test_a_dead_agent_is_listed_until_deleted(network_api, node):
    node.heartbeat(GROUP, "fn-node1", _agent_data("fn-node1"), ttl=1)
    [agent] = _agents(network_api, host="fn-node1")
    assert agent["alive"] is True
    assert (agent["agent_type"], agent["binary"], agent["topic"]) == (
        "Linux bridge agent", "sovra-network-agent", "network-agent")
    assert agent["admin_state_up"] is True and agent["description"] is None
    assert agent["started_at"] == "2026-12-06 10:00:00"
    assert agent["configurations"] == {"tunneling_ip": "192.0.2.21",
                                       "serve_unbound_dhcp": True}
    assert set(agent) >= {"id", "agent_type", "binary", "host", "topic",
                          "admin_state_up", "alive", "heartbeat_timestamp",
                          "created_at", "started_at", "configurations",
                          "availability_zone", "description"}

    node.abandon()  # dies without a goodbye: expires after its TTL
    dead = _until_dead(network_api, agent["id"])
    assert dead["heartbeat_timestamp"] == agent["heartbeat_timestamp"]
    assert [a["id"] for a in _agents(network_api, host="fn-node1")] == [agent["id"]]
    assert [a["host"] for a in _agents(network_api, alive="false")] == ["fn-node1"]
    assert _agents(network_api, alive="true") == []

    network_api.ok("DELETE", f"/v2.0/agents/{agent['id']}", status=204,
                   project="admin")
    assert _agents(network_api, host="fn-node1") == []
    resp = network_api.request("GET", f"/v2.0/agents/{agent['id']}", project="admin")
    assert resp.status_code == 404
    assert resp.json()["NeutronError"]["type"] == "AgentNotFound"
    resp = network_api.request("DELETE", f"/v2.0/agents/{agent['id']}",
                               project="admin")
    assert resp.status_code == 404


def test_a_live_agent_deleted_is_recorded_again_with_the_same_id(network_api, node):
    node.heartbeat(GROUP, "fn-node2", _agent_data("fn-node2"), ttl=60)
    [agent] = _agents(network_api, host="fn-node2")
    network_api.ok("PUT", f"/v2.0/agents/{agent['id']}", project="admin",
                   json={"agent": {"description": "rack 4"}})
    network_api.ok("DELETE", f"/v2.0/agents/{agent['id']}", status=204,
                   project="admin")
    [again] = _agents(network_api, host="fn-node2")
    assert again["id"] == agent["id"] and again["alive"] is True
    assert again["description"] is None  # a new row: the admin's settings went


def test_update_persists_across_a_restart(network_api, node):
    node.heartbeat(GROUP, "fn-node3", _agent_data("fn-node3"), ttl=60)
    [agent] = _agents(network_api, host="fn-node3")
    updated = network_api.ok(
        "PUT", f"/v2.0/agents/{agent['id']}", project="admin",
        json={"agent": {"admin_state_up": False, "description": "draining"}})["agent"]
    assert (updated["id"], updated["admin_state_up"], updated["description"],
            updated["alive"]) == (agent["id"], False, "draining", True)

    node.leave(GROUP, "fn-node3")  # restarted: a new start time, a new setting
    node.heartbeat(GROUP, "fn-node3", _agent_data(
        "fn-node3", started_at="2026-12-06T11:00:00+00:00", tunneling_ip="192.0.2.22"))
    shown = network_api.ok("GET", f"/v2.0/agents/{agent['id']}",
                           project="admin")["agent"]
    assert (shown["admin_state_up"], shown["description"], shown["started_at"],
            shown["configurations"]["tunneling_ip"], shown["created_at"]) == (
        False, "draining", "2026-12-06 11:00:00", "192.0.2.22", agent["created_at"])


@pytest.mark.parametrize("body", [{"agent": {"host": "elsewhere"}},
                                  {"agent": {"admin_state_up": "maybe"}},
                                  {"agents": {}}])
def test_update_rejects_what_cannot_change(network_api, node, body):
    node.heartbeat(GROUP, "fn-node4", _agent_data("fn-node4"), ttl=60)
    [agent] = _agents(network_api, host="fn-node4")
    resp = network_api.request("PUT", f"/v2.0/agents/{agent['id']}", project="admin",
                               json=body)
    assert resp.status_code == 400, resp.text
    assert "NeutronError" in resp.json()


def test_agents_are_for_admins(network_api, node):
    node.heartbeat(GROUP, "fn-node5", _agent_data("fn-node5"), ttl=60)
    [agent] = _agents(network_api, host="fn-node5")
    path = f"/v2.0/agents/{agent['id']}"
    for method, kwargs in (("GET", {}), ("PUT", {"json": {"agent": {
            "admin_state_up": False}}}), ("DELETE", {})):
        resp = network_api.request(method, path, **kwargs)
        assert resp.status_code == 403, (method, resp.text)
    assert network_api.request("GET", "/v2.0/agents").status_code == 403
    shown = network_api.ok("GET", path, project="admin")["agent"]
    assert shown["admin_state_up"] is True

"""service/agent.py: agents remembered in SQLite, alive by an in-process
coordinator; a write only when something changed."""

import datetime
import types

import pytest
from sqlalchemy import event

from sovra_common.coordination import inprocess
from sovra_common.db import Database, migration, schema
from sovra_network import exception as net_exc
from sovra_network.db import DATABASE
from sovra_network.service import agent as agent_service

GROUP = "network-agents"
CONF = types.SimpleNamespace(network=types.SimpleNamespace(agents_group=GROUP))
T0 = datetime.datetime(2026, 12, 6, 12, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture
def db():
    database = Database.from_url("sqlite://")
    migration.upgrade(database, DATABASE.migrations)
    yield database
    database.dispose()


@pytest.fixture
def writes(db):
    """The INSERT/UPDATE/DELETE statements the database runs."""
    seen = []

    def record(conn, cursor, statement, *args):
        if statement.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def clock(monkeypatch):
    now = [T0]
    monkeypatch.setattr(schema, "utcnow", lambda: now[0])
    return now


@pytest.fixture
def coordinator():
    with inprocess.InProcessCoordinator() as coord:
        yield coord


def _data(host, started="2026-12-06T11:00:00+00:00", **extra):
    return dict({"host": host, "binary": "sovra-network-agent", "started_at": started,
                 "tunneling_ip": "192.0.2.1"}, **extra)


def test_listing_writes_only_what_changed(db, writes, clock, coordinator):
    coordinator.heartbeat(GROUP, "n1", _data("n1"))
    [first] = agent_service.list_agents(db, coordinator, CONF)
    assert first["id"] == agent_service.agent_id("Linux bridge agent", "n1")
    assert (first["alive"], first["created_at"], first["started_at"]) == (
        True, "2026-12-06 12:00:00", "2026-12-06 11:00:00")
    assert len(writes) == 1  # the new row

    clock[0] = T0 + datetime.timedelta(seconds=agent_service.SEEN_REFRESH - 1)
    [again] = agent_service.list_agents(db, coordinator, CONF)
    assert len(writes) == 1  # nothing changed: no write
    assert again["heartbeat_timestamp"] == "2026-12-06 12:00:59"  # alive: now

    clock[0] = T0 + datetime.timedelta(seconds=agent_service.SEEN_REFRESH)
    agent_service.list_agents(db, coordinator, CONF)
    assert len(writes) == 2  # last seen refreshed once a minute

    coordinator.heartbeat(GROUP, "n1", _data("n1", started="2026-12-06T12:01:00"))
    [restarted] = agent_service.list_agents(db, coordinator, CONF)
    assert len(writes) == 3 and restarted["started_at"] == "2026-12-06 12:01:00"


def test_a_gone_agent_shows_when_it_was_last_seen(db, clock, coordinator):
    coordinator.heartbeat(GROUP, "n1", _data("n1"))
    agent_service.list_agents(db, coordinator, CONF)
    coordinator.leave(GROUP, "n1")
    clock[0] = T0 + datetime.timedelta(hours=1)
    [gone] = agent_service.list_agents(db, coordinator, CONF)
    assert (gone["alive"], gone["heartbeat_timestamp"]) == (False, "2026-12-06 12:00:00")


def test_a_member_heartbeat_timestamp_is_shown(db, clock, coordinator):
    coordinator.heartbeat(GROUP, "n1", _data(
        "n1", heartbeat_timestamp="2026-12-06T11:59:58+00:00"))
    [agent] = agent_service.list_agents(db, coordinator, CONF)
    assert agent["heartbeat_timestamp"] == "2026-12-06 11:59:58"
    assert "heartbeat_timestamp" not in agent["configurations"]


def test_update_and_delete_of_an_unknown_agent(db, coordinator):
    with pytest.raises(net_exc.AgentNotFound):
        agent_service.update(db, coordinator, CONF, "no-such-agent",
                             {"description": "x"})
    with pytest.raises(net_exc.AgentNotFound):
        agent_service.delete(db, coordinator, CONF, "no-such-agent")

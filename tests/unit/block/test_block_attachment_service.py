"""Attachments' state machine (service/attachment.py) on a migrated SQLite
database: who may hold a second attachment of a volume, and the volume's status
and attach_status while two attachments exist and when one goes. The volume
agents are a recorder (what they would be asked to export and withdraw)."""

import uuid

import pytest
from sqlalchemy import select

from sovra_block.db import DATABASE, models
from sovra_block.service import attachment
from sovra_common import context as sovra_context
from sovra_common import exception
from sovra_common.db import Database, migration

SERVER, OTHER = str(uuid.uuid4()), str(uuid.uuid4())


class Agents:
    """The calls the API side makes to a volume's agent, recorded."""

    def __init__(self):
        self.calls = []

    def initialize_connection(self, ctxt, host, ref, connector):
        self.calls.append(("initialize", connector["host"]))
        return {"driver_volume_type": "file", "data": {"path": f"/v/{ref['id']}"}}

    def terminate_connection(self, ctxt, host, ref, connector):
        self.calls.append(("terminate", connector["host"]))


@pytest.fixture
def db(tmp_path):
    database = Database.from_url(f"sqlite:///{tmp_path / 'block.db'}")
    migration.upgrade(database, DATABASE.migrations)
    yield database
    database.dispose()


@pytest.fixture
def ctxt():
    return sovra_context.RequestContext(user_id="u1", project_id="p1",
                                        roles=["member"])


def _volume(db, multiattach=False) -> str:
    with db.writer() as session:
        type_id = session.scalars(select(models.VolumeType.id)).first()
        volume = models.Volume(
            id=str(uuid.uuid4()), project_id="p1", user_id="u1", size=1,
            status="available", attach_status="detached", availability_zone="nova",
            host="node1@file1#file1", volume_type_id=type_id, multiattach=multiattach)
        session.add(volume)
    return volume.id


def _attached(db, ctxt, agents, volume_id, server, host) -> str:
    """An attachment of ``server`` on ``host``, through reserve, connect and
    complete, as compute makes it."""
    row = attachment.reserve(db, ctxt, volume_id, server)
    attachment.connect(db, agents, ctxt, row.id, {"host": host})
    attachment.complete(db, ctxt, row.id)
    return row.id


def _state(db, volume_id):
    """(status, attach_status, {attachment id: its attach_status})."""
    with db.reader() as session:
        volume = session.get(models.Volume, volume_id)
        return volume.status, volume.attach_status, {
            a.id: a.attach_status for a in volume.attachments}


def test_the_same_server_gets_a_second_attachment_and_the_volume_stays_in_use(
        db, ctxt):
    agents, volume_id = Agents(), _volume(db)
    source = _attached(db, ctxt, agents, volume_id, SERVER, "node1")
    dest = attachment.reserve(db, ctxt, volume_id, SERVER).id
    assert _state(db, volume_id) == ("in-use", "attached",
                                     {source: "attached", dest: "reserved"})
    attachment.connect(db, agents, ctxt, dest, {"host": "node2"})
    assert _state(db, volume_id)[:2] == ("in-use", "attached")
    attachment.complete(db, ctxt, dest)
    assert _state(db, volume_id) == ("in-use", "attached",
                                     {source: "attached", dest: "attached"})


def test_another_server_is_refused_in_cinders_words(db, ctxt):
    agents, volume_id = Agents(), _volume(db)
    _attached(db, ctxt, agents, volume_id, SERVER, "node1")
    with pytest.raises(exception.Invalid) as caught:
        attachment.reserve(db, ctxt, volume_id, OTHER)
    assert str(caught.value) == (
        f"Invalid volume: Volume {volume_id} status must be available or "
        "downloading to reserve, but the current status is in-use.")
    # nor one for no server at all
    with pytest.raises(exception.Invalid):
        attachment.reserve(db, ctxt, volume_id, None)
    assert len(_state(db, volume_id)[2]) == 1


def test_a_volume_reserved_or_attaching_for_a_server_takes_only_that_servers(
        db, ctxt):
    agents, volume_id = Agents(), _volume(db)
    first = attachment.reserve(db, ctxt, volume_id, SERVER).id
    with pytest.raises(exception.Invalid):
        attachment.reserve(db, ctxt, volume_id, OTHER)
    attachment.connect(db, agents, ctxt, first, {"host": "node1"})
    assert _state(db, volume_id)[0] == "attaching"
    with pytest.raises(exception.Invalid):
        attachment.reserve(db, ctxt, volume_id, OTHER)
    attachment.reserve(db, ctxt, volume_id, SERVER)
    assert len(_state(db, volume_id)[2]) == 2


def test_a_volume_in_another_state_takes_no_attachment_even_for_its_server(
        db, ctxt):
    agents, volume_id = Agents(), _volume(db)
    _attached(db, ctxt, agents, volume_id, SERVER, "node1")
    with db.writer() as session:
        session.get(models.Volume, volume_id).status = "detaching"
    with pytest.raises(exception.Invalid, match="current status is detaching"):
        attachment.reserve(db, ctxt, volume_id, SERVER)


def test_multiattach_takes_other_servers_as_before(db, ctxt):
    agents, volume_id = Agents(), _volume(db, multiattach=True)
    first = _attached(db, ctxt, agents, volume_id, SERVER, "node1")
    second = _attached(db, ctxt, agents, volume_id, OTHER, "node2")
    assert _state(db, volume_id) == ("in-use", "attached",
                                     {first: "attached", second: "attached"})
    attachment.delete(db, agents, ctxt, first)
    assert _state(db, volume_id) == ("in-use", "attached", {second: "attached"})
    attachment.delete(db, agents, ctxt, second)
    assert _state(db, volume_id) == ("available", "detached", {})


def test_deleting_the_source_of_a_move_keeps_the_volume_in_use(db, ctxt):
    """Compute's order: the destination's attachment made (reserved), the
    source's deleted, the destination's connected, then completed: in-use all
    along, and only the source's export withdrawn."""
    agents, volume_id = Agents(), _volume(db)
    source = _attached(db, ctxt, agents, volume_id, SERVER, "node1")
    dest = attachment.reserve(db, ctxt, volume_id, SERVER).id
    volume = attachment.delete(db, agents, ctxt, source)
    assert (volume.status, volume.attach_status) == ("in-use", "attached")
    assert _state(db, volume_id) == ("in-use", "attached", {dest: "reserved"})
    assert agents.calls[-1] == ("terminate", "node1")
    attachment.connect(db, agents, ctxt, dest, {"host": "node2"})
    assert _state(db, volume_id) == ("in-use", "attached", {dest: "attaching"})
    attachment.complete(db, ctxt, dest)
    assert _state(db, volume_id) == ("in-use", "attached", {dest: "attached"})
    # still one server's only: another is refused, the last delete detaches
    with pytest.raises(exception.Invalid):
        attachment.reserve(db, ctxt, volume_id, OTHER)
    attachment.delete(db, agents, ctxt, dest)
    assert _state(db, volume_id) == ("available", "detached", {})
    assert agents.calls == [("initialize", "node1"), ("terminate", "node1"),
                            ("initialize", "node2"), ("terminate", "node2")]


def test_deleting_the_new_attachment_of_a_failed_move_keeps_the_volume_in_use(
        db, ctxt):
    agents, volume_id = Agents(), _volume(db)
    source = _attached(db, ctxt, agents, volume_id, SERVER, "node1")
    dest = attachment.reserve(db, ctxt, volume_id, SERVER).id
    attachment.connect(db, agents, ctxt, dest, {"host": "node2"})
    attachment.delete(db, agents, ctxt, dest)
    assert _state(db, volume_id) == ("in-use", "attached", {source: "attached"})


def test_a_first_attachment_still_goes_reserved_attaching_in_use_available(
        db, ctxt):
    agents, volume_id = Agents(), _volume(db)
    row = attachment.reserve(db, ctxt, volume_id, SERVER)
    assert _state(db, volume_id)[:2] == ("reserved", "reserved")
    attachment.connect(db, agents, ctxt, row.id, {"host": "node1"})
    assert _state(db, volume_id)[:2] == ("attaching", "attaching")
    attachment.delete(db, agents, ctxt, row.id)  # never completed
    assert _state(db, volume_id) == ("available", "detached", {})


def test_the_legacy_reserve_still_wants_an_available_volume(db, ctxt):
    """os-reserve has no same-server exception (nor has Cinder's)."""
    agents, volume_id = Agents(), _volume(db)
    _attached(db, ctxt, agents, volume_id, SERVER, "node1")
    with pytest.raises(exception.Invalid, match="currently in-use"):
        attachment.legacy_set_status(db, ctxt, volume_id, ("available",), "attaching")
    with pytest.raises(exception.Invalid, match="currently in-use"):
        attachment.legacy_attach(db, ctxt, volume_id, {"instance_uuid": SERVER})


def test_the_legacy_reserve_takes_a_multiattach_volume_in_use(db, ctxt):
    """As Cinder's os-reserve does; os-unreserve then leaves it in-use."""
    agents, volume_id = Agents(), _volume(db, multiattach=True)
    _attached(db, ctxt, agents, volume_id, SERVER, "node1")
    attachment.legacy_set_status(db, ctxt, volume_id, ("available",), "attaching")
    assert _state(db, volume_id)[0] == "attaching"
    attachment.legacy_set_status(db, ctxt, volume_id, ("attaching",), "available")
    assert _state(db, volume_id)[:2] == ("in-use", "attached")
    attachment.legacy_set_status(db, ctxt, volume_id, ("available",), "attaching")
    attachment.legacy_attach(db, ctxt, volume_id, {"instance_uuid": OTHER,
                                                    "mountpoint": "/dev/vdc"})
    status, attach_status, rows = _state(db, volume_id)
    assert (status, attach_status, sorted(rows.values())) == (
        "in-use", "attached", ["attached", "attached"])

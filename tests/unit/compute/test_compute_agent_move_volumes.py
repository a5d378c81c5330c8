"""Volumes in a move to another host, on two fake-driver agents and an in-memory
block storage: the host a guest arrives on takes each volume over (a new
attachment made, the old one deleted, the new one connected there: the new one
first, as Sovra's block service and Cinder allow, else after the old one goes),
completes it once the guest runs, reports each attachment; a volume-backed
server moves without a disk image."""

import pytest
from test_compute_agent_move import Images
from virt_conformance import instance

from sovra_common import exception
from sovra_compute.agent.endpoint import ComputeAgentEndpoint
from sovra_compute.virt import driver as virt
from sovra_compute.virt import fake


class Block:
    """Block storage's attachments in memory. ``second_attachment``: a server
    may hold a second attachment of a volume that is not multiattach (Sovra's
    block service and Cinder, while it moves); else one attachment per volume
    (a block service that refuses it: an older Sovra's). ``log``: the calls that
    change attachments, in order; ``emptied``: the volumes a delete left with no
    attachment (``available`` in a real block service)."""

    def __init__(self, second_attachment=True):
        self.second_attachment = second_attachment
        self.attachments, self.log, self.made, self.emptied = {}, [], 0, []
        self.refuse_connect = False

    def __call__(self, ctxt):
        return self

    def of(self, volume_id):
        return [a for a in self.attachments.values() if a["volume_id"] == volume_id]

    def list_attachments(self, volume_id=None, instance_id=None, all_tenants=None):
        return [dict(a) for a in self.of(volume_id) if a["server"] == instance_id]

    def create_attachment(self, volume_id, instance_uuid):
        if self.of(volume_id) and not (self.second_attachment and all(
                a["server"] == instance_uuid for a in self.of(volume_id))):
            raise exception.Invalid(f"Invalid volume: Volume {volume_id} is already "
                                    "attached")
        self.made += 1
        attachment = {"id": f"att-{self.made}", "volume_id": volume_id,
                      "server": instance_uuid, "host": None, "status": "reserved"}
        self.attachments[attachment["id"]] = attachment
        self.log.append(("create", attachment["id"]))
        return dict(attachment)

    def update_attachment(self, attachment_id, connector):
        if self.refuse_connect:
            raise exception.ServiceUnavailable("the backend is down")
        attachment = self.attachments[attachment_id]
        attachment.update(host=connector["host"], status="attaching")
        return {"id": attachment_id, "connection_info": {
            "driver_volume_type": "fake", "attachment_id": attachment_id,
            "data": {"volume_id": attachment["volume_id"]}}}

    def complete_attachment(self, attachment_id):
        self.attachments[attachment_id]["status"] = "attached"

    def delete_attachment(self, attachment_id):
        self.log.append(("delete", attachment_id))
        gone = self.attachments.pop(attachment_id, None)
        if gone is None:
            raise exception.NotFound(f"no attachment {attachment_id}")
        if not self.of(gone["volume_id"]):
            self.emptied.append(gone["volume_id"])

    def where(self, volume_id):
        """[(host, status)] of the volume's attachments."""
        return [(a["host"], a["status"]) for a in self.of(volume_id)]


def _bdm(volume_id, device_name, boot_index=None):
    return {"uuid": f"bdm-{volume_id}", "source_type": "volume", "volume_id": volume_id,
            "image_id": None, "volume_size": 1, "volume_type": None,
            "attachment_id": None, "device_name": device_name,
            "boot_index": boot_index, "connection_info": None, "tag": None,
            "delete_on_termination": False}


def _nodes(recorder, block, guest):
    images, conductor = Images(), recorder()
    drivers = {h: fake.FakeDriver() for h in ("node1", "node2")}
    agents = {h: ComputeAgentEndpoint(h, drivers[h], conductor, images=images,
                                      volumes=block) for h in drivers}
    agents["node1"].build_instance(None, guest)
    assert conductor.named("build_done"), conductor.calls
    # the server as the conductor has it now: its attachments
    guest = dict(guest, block_devices=[
        dict(b, attachment_id=block.of(b["volume_id"])[0]["id"])
        for b in guest["block_devices"]])
    return agents, drivers, conductor, images, guest


@pytest.fixture
def block():
    return Block()


@pytest.fixture
def nodes(recorder, block):
    return _nodes(recorder, block, dict(instance(),
                                        block_devices=[_bdm("vol-1", "/dev/vdb")]))


def _moved(nodes):
    """The move up to the destination's report: its image."""
    agents, drivers, conductor, images, guest = nodes
    agents["node1"].migrate_disk(None, guest, guest["flavor"])
    (args, _), = conductor.named("migration_disk_ready")
    conductor.calls.clear()
    agents["node2"].finish_migration(None, guest, guest["flavor"], args[4])
    return args[4]


def _reported(conductor, bdm_uuid):
    return [args[4] for args, _ in conductor.named("block_device_update")
            if args[3] == bdm_uuid]


def test_the_destination_takes_the_volume_over(nodes, block):
    agents, drivers, conductor, images, guest = nodes
    old = guest["block_devices"][0]["attachment_id"]
    _moved(nodes)
    (new,) = block.attachments
    assert new != old and block.where("vol-1") == [("node2", "attached")]
    # the new one first: the volume is never without an attachment of the server
    assert block.log[-2:] == [("create", new), ("delete", old)]
    assert block.emptied == []
    assert drivers["node2"].attached_volumes(guest["uuid"]) == {"/dev/vdb": "vol-1"}
    (args, _), = conductor.named("resize_done")
    assert args[2] == "node2"
    first, last = _reported(conductor, "bdm-vol-1")
    assert first == {"attachment_id": new}  # before the guest is spawned
    assert last["attach_status"] == "attached"
    assert last["connection_info"]["attachment_id"] == new


def test_block_storage_that_refuses_a_second_attachment_gets_the_old_one_deleted_first(
        recorder):
    block = Block(second_attachment=False)
    nodes = _nodes(recorder, block, dict(instance(),
                                         block_devices=[_bdm("vol-1", "/dev/vdb")]))
    old = nodes[4]["block_devices"][0]["attachment_id"]
    _moved(nodes)
    (new,) = block.attachments
    assert block.log[-2:] == [("delete", old), ("create", new)]
    assert block.where("vol-1") == [("node2", "attached")]
    assert block.emptied == ["vol-1"]  # available until the new one is made


def test_a_revert_takes_the_volume_back_to_the_source(nodes, block):
    agents, drivers, conductor, images, guest = nodes
    image_id = _moved(nodes)
    agents["node2"].revert_migration(None, guest)
    assert conductor.named("migration_reverted")
    # the server as the conductor has it may name an attachment already gone
    agents["node1"].finish_revert_migration(None, guest, image_id)
    assert block.where("vol-1") == [("node1", "attached")]
    assert block.emptied == []  # there and back, attached all along
    assert guest["uuid"] not in drivers["node2"].list_instances()
    assert drivers["node1"].get_info(guest).power_state == virt.RUNNING
    assert drivers["node1"].attached_volumes(guest["uuid"]) == {"/dev/vdb": "vol-1"}
    (new,) = block.attachments
    assert _reported(conductor, "bdm-vol-1")[-1]["connection_info"][
        "attachment_id"] == new
    (args, _), = conductor.named("instance_update")
    assert args[3]["vm_state"] == "active"


@pytest.mark.parametrize("failing", ["spawn", "connect"])
def test_a_failed_destination_leaves_the_volume_to_the_source(nodes, block, failing):
    agents, drivers, conductor, images, guest = nodes
    if failing == "spawn":
        drivers["node2"].fail_operations.add("spawn")
    else:
        block.refuse_connect = True
    image_id = _moved(nodes)
    block.refuse_connect = False
    (args, _), = conductor.named("migration_failed")
    assert args[2] == "node2" and not conductor.named("resize_done")
    assert guest["uuid"] not in drivers["node2"].list_instances()
    agents["node1"].finish_revert_migration(None, guest, image_id)
    assert block.where("vol-1") == [("node1", "attached")]
    assert block.emptied == []
    assert drivers["node1"].get_info(guest).power_state == virt.RUNNING


def test_a_volume_backed_server_moves_without_an_image(recorder, block):
    agents, drivers, conductor, images, guest = _nodes(recorder, block, dict(
        instance(), block_devices=[_bdm("root", "/dev/vda", boot_index=0),
                                   _bdm("data", "/dev/vdb")]))
    agents["node1"].migrate_disk(None, guest, guest["flavor"])
    (args, _), = conductor.named("migration_disk_ready")
    assert args[4] is None and images.images == {}  # no disk travels
    assert drivers["node1"].get_info(guest).power_state == virt.SHUTDOWN
    agents["node2"].finish_migration(None, guest, guest["flavor"], None)
    assert conductor.named("resize_done")
    assert drivers["node2"].attached_volumes(guest["uuid"]) == {
        "/dev/vda": "root", "/dev/vdb": "data"}
    assert block.where("root") == block.where("data") == [("node2", "attached")]


def test_the_fake_driver_hands_no_disk_of_a_volume_backed_guest():
    driver = fake.FakeDriver()
    guest = dict(instance(), block_devices=[dict(
        _bdm("root", "/dev/vda", boot_index=0),
        connection_info={"driver_volume_type": "fake", "data": {"volume_id": "root"}})])
    driver.spawn(guest, None)

    def upload(data, fmt):
        raise AssertionError("nothing to upload")
    driver.migrate_disk_and_power_off(guest, upload)
    assert driver.get_info(guest).power_state == virt.SHUTDOWN

"""Volumes below the API: the agent's attach, detach and volume builds (with what
it undoes), the conductor's mapping reports and cleanup when a server goes, the
placement resources of a volume-backed server, and the libvirt disk of a volume."""

import types
import xml.etree.ElementTree as ET

import pytest
from keystoneauth1 import exceptions as ks_exc
from test_compute_conductor import CTXT, FakePlacement
from virt_conformance import file_volume, instance

from sovra_compute.agent.endpoint import ComputeAgentEndpoint
from sovra_compute.conductor.endpoint import ConductorEndpoint
from sovra_compute.service import block_device, compute_service
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as instance_service
from sovra_compute.virt import driver as virt
from sovra_compute.virt import fake
from sovra_compute.virt.libvirt import config, volume


class FakeBlock:
    """Block storage as agents and the conductor use it."""

    def __init__(self):
        self.volumes, self.attachments, self.deleted = {}, {}, []
        self.completed = []
        self.fail = set()

    def __call__(self, context):
        return self

    def _maybe_fail(self, name):
        if name in self.fail:
            raise ks_exc.BadRequest(message=f"injected failure of {name}")

    def create_volume(self, size, **attrs):
        self._maybe_fail("create_volume")
        volume_id = f"vol-{len(self.volumes) + 1}"
        self.volumes[volume_id] = {"id": volume_id, "size": size, **attrs}
        return self.volumes[volume_id]

    def wait_volume(self, volume_id, status, timeout):
        return self.volumes[volume_id]

    def create_attachment(self, volume_id, instance_uuid):
        attachment_id = f"att-{len(self.attachments) + len(self.deleted) + 1}"
        self.attachments[attachment_id] = {"volume_id": volume_id}
        return {"id": attachment_id}

    def update_attachment(self, attachment_id, connector):
        self._maybe_fail("update_attachment")
        att = self.attachments[attachment_id]
        att["connector"] = connector
        return {"id": attachment_id, "connection_info": file_volume(
            f"/volumes/{att['volume_id']}", volume_id=att["volume_id"])}

    def complete_attachment(self, attachment_id):
        self._maybe_fail("complete_attachment")
        self.completed.append(attachment_id)

    def delete_attachment(self, attachment_id):
        if attachment_id not in self.attachments:
            raise ks_exc.NotFound(message="no such attachment")
        del self.attachments[attachment_id]
        self.deleted.append(attachment_id)

    def delete_volume(self, volume_id):
        self.volumes.pop(volume_id)

    def get_volume(self, volume_id):
        if volume_id not in self.volumes:
            raise ks_exc.NotFound(message="no such volume")
        return self.volumes[volume_id]


def _bdm(**values):
    return {"uuid": "bdm-1", "source_type": "volume", "volume_id": "vol-9",
            "image_id": None, "volume_size": None, "attachment_id": "att-9",
            "device_name": "/dev/vdb", "boot_index": None, "connection_info": None,
            "tag": None, "delete_on_termination": False, **values}


@pytest.fixture
def agent(recorder):
    driver = fake.FakeDriver()
    block = FakeBlock()
    block.attachments["att-9"] = {"volume_id": "vol-9"}
    conductor = recorder()
    endpoint = ComputeAgentEndpoint("node1", driver, conductor, volumes=block)
    guest = instance()
    driver.spawn(guest, None)
    return types.SimpleNamespace(endpoint=endpoint, driver=driver, block=block,
                                 conductor=conductor, guest=guest)


def test_attach_connects_plugs_completes_and_reports(agent):
    agent.endpoint.attach_volume(CTXT, agent.guest, _bdm())
    connector = agent.block.attachments["att-9"]["connector"]
    assert (connector["host"], connector["mountpoint"]) == ("node1", "/dev/vdb")
    assert {"ip", "platform", "os_type"} <= set(connector)
    assert agent.block.completed == ["att-9"]
    assert agent.driver.attached_volumes(agent.guest["uuid"]) == {"/dev/vdb": "vol-9"}
    (args, _), = agent.conductor.named("block_device_update")
    assert args[3] == "bdm-1" and args[4]["attach_status"] == "attached"
    assert args[4]["connection_info"]["data"]["path"] == "/volumes/vol-9"
    events = [(a[3], a[5:6]) for a, kw in agent.conductor.named("action_event")]
    assert [e for e, _ in events] == ["compute_attach_volume"] * 2


@pytest.mark.parametrize("failing", ["plug", "update_attachment", "complete_attachment"])
def test_failed_attach_is_undone(agent, failing):
    if failing == "plug":
        agent.driver.fail_operations.add("attach_volume")
    else:
        agent.block.fail.add(failing)
    agent.endpoint.attach_volume(CTXT, agent.guest, _bdm())
    assert agent.block.deleted == ["att-9"]  # the volume is available again
    assert agent.driver.attached_volumes(agent.guest["uuid"]) == {}
    assert agent.conductor.named("block_device_removed") == [
        ((CTXT, agent.guest["uuid"], "node1", "bdm-1"), {})]
    assert agent.conductor.named("block_device_update") == []
    (_, kwargs), = [c for c in agent.conductor.named("action_event") if c[1]]
    assert kwargs["result"] == "Error"


def test_detach_unplugs_and_deletes_the_attachment(agent):
    agent.endpoint.attach_volume(CTXT, agent.guest, _bdm())
    info = agent.conductor.named("block_device_update")[0][0][4]["connection_info"]
    agent.endpoint.detach_volume(CTXT, agent.guest, _bdm(connection_info=info))
    assert agent.driver.attached_volumes(agent.guest["uuid"]) == {}
    assert agent.block.deleted == ["att-9"]
    assert agent.conductor.named("block_device_removed")
    # a detach whose attachment is gone already still finishes
    agent.endpoint.detach_volume(CTXT, agent.guest, _bdm(connection_info=info))
    assert len(agent.conductor.named("block_device_removed")) == 2


def test_failed_detach_keeps_the_volume_attached(agent):
    agent.endpoint.attach_volume(CTXT, agent.guest, _bdm())
    info = agent.conductor.named("block_device_update")[0][0][4]["connection_info"]
    agent.driver.fail_operations.add("detach_volume")
    agent.endpoint.detach_volume(CTXT, agent.guest, _bdm(connection_info=info))
    assert "att-9" in agent.block.attachments
    assert agent.conductor.named("block_device_removed") == []
    assert agent.conductor.named("block_device_update")[-1][0][4] == {
        "attach_status": "attached"}


def test_volume_extended_event_grows_the_guest_disk(agent):
    agent.endpoint.attach_volume(CTXT, agent.guest, _bdm())
    info = agent.conductor.named("block_device_update")[0][0][4]["connection_info"]
    guest = dict(agent.guest, block_devices=[_bdm(connection_info=info)])
    agent.block.volumes["vol-9"] = {"id": "vol-9", "size": 3}  # grown to 3 GiB
    event = {"name": "volume-extended", "tag": "vol-9", "status": "completed"}
    agent.endpoint.external_instance_event(CTXT, guest, [event])
    assert agent.driver.volume_sizes(guest["uuid"]) == {"/dev/vdb": 3 * 1024 ** 3}
    # a volume this server does not have plugged, or a driver failure: logged,
    # nothing changes and nothing raises into the RPC server
    agent.endpoint.external_instance_event(CTXT, guest, [dict(event, tag="vol-7")])
    agent.block.volumes["vol-9"]["size"] = 4
    agent.driver.fail_operations.add("extend_volume")
    agent.endpoint.external_instance_event(CTXT, guest, [event])
    assert agent.driver.volume_sizes(guest["uuid"]) == {"/dev/vdb": 3 * 1024 ** 3}


def test_build_makes_connects_and_boots_from_volumes(agent):
    guest = dict(instance("bfv"), block_devices=[
        _bdm(uuid="b0", source_type="image", volume_id=None, image_id="img",
             volume_size=2, attachment_id=None, device_name="/dev/vda", boot_index=0),
        _bdm(uuid="b1", attachment_id="att-9", volume_id="vol-9")])
    agent.endpoint.build_instance(CTXT, guest)
    assert agent.conductor.named("build_done")
    assert agent.block.volumes["vol-1"] == {"id": "vol-1", "size": 2,
                                            "image_id": "img", "name": "bfv-vda"}
    assert agent.driver.attached_volumes(guest["uuid"]) == {"/dev/vda": "vol-1",
                                                            "/dev/vdb": "vol-9"}
    reports = [(a[3], a[4]) for a, _ in agent.conductor.named("block_device_update")]
    assert reports[:2] == [("b0", {"volume_id": "vol-1"}),
                           ("b0", {"attachment_id": "att-2"})]
    assert {r[0] for r in reports[2:]} == {"b0", "b1"}
    assert all(r[1]["attach_status"] == "attached" for r in reports[2:])
    assert sorted(agent.block.completed) == ["att-2", "att-9"]


def test_failed_volume_build_disconnects_for_a_retry(agent):
    agent.driver.fail_operations.add("spawn")
    guest = dict(instance("bfv"), block_devices=[
        _bdm(uuid="b0", device_name="/dev/vda", boot_index=0)])
    agent.endpoint.build_instance(CTXT, guest)
    assert agent.conductor.named("build_failed")
    assert agent.block.deleted == ["att-9"]
    assert agent.conductor.named("block_device_update")[-1][0][3:] == (
        "b0", {"attachment_id": None, "connection_info": None,
               "attach_status": "attaching"})
    assert agent.driver.list_instances() == [agent.guest["uuid"]]  # the old one only


def test_failed_volume_creation_fails_the_build(agent):
    agent.block.fail.add("create_volume")
    guest = dict(instance("bfv"), block_devices=[_bdm(
        uuid="b0", source_type="blank", volume_id=None, volume_size=1,
        attachment_id=None)])
    agent.endpoint.build_instance(CTXT, guest)
    (args, _), = agent.conductor.named("build_failed")
    assert "injected failure of create_volume" in args[3]


# --- the conductor ----------------------------------------------------------------

@pytest.fixture
def conductor(db, coordinator, recorder):
    conf = types.SimpleNamespace(compute=types.SimpleNamespace(
        max_build_attempts=3, max_candidates=10, build_timeout=60, host="ctl"))
    coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    block = FakeBlock()
    placement = FakePlacement(["node1"])
    endpoint = ConductorEndpoint(conf, db, placement, coordinator, recorder(),
                                 volumes=block)
    flavor = flavor_service.create(db, name="m1", flavorid="1", vcpus=1, ram=64,
                                   disk=5)
    server = instance_service.create(db, CTXT, name="vm", flavor=flavor,
                                     image_ref=None)
    return types.SimpleNamespace(endpoint=endpoint, block=block, db=db,
                                 server=server, placement=placement)


def test_reports_change_and_remove_mappings(conductor):
    uuid = conductor.server["uuid"]
    bdm = block_device.create(conductor.db, uuid, source_type="blank", volume_size=1)
    conductor.endpoint.block_device_update(CTXT, uuid, "node1", bdm["uuid"], {
        "volume_id": "vol-3", "attach_status": "attached", "device_name": "/dev/x"})
    (row,) = block_device.list_for(conductor.db, uuid)
    assert (row["volume_id"], row["attach_status"], row["device_name"]) == (
        "vol-3", "attached", "/dev/vdb")  # agents do not rename devices
    conductor.endpoint.block_device_removed(CTXT, uuid, "node1", bdm["uuid"])
    assert block_device.list_for(conductor.db, uuid) == []
    conductor.endpoint.block_device_update(CTXT, uuid, "node1", bdm["uuid"],
                                           {"volume_id": "x"})  # gone: ignored
    # an attachment made for a mapping that went meanwhile goes too
    conductor.block.volumes["vol-3"] = {"id": "vol-3"}
    late = conductor.block.create_attachment("vol-3", uuid)
    conductor.endpoint.block_device_update(CTXT, uuid, "node1", bdm["uuid"],
                                           {"attachment_id": late["id"]})
    assert conductor.block.attachments == {} and "vol-3" in conductor.block.volumes


def test_deleted_server_releases_its_volumes(conductor):
    uuid, block = conductor.server["uuid"], conductor.block
    for volume_id, keep in (("vol-a", True), ("vol-b", False)):
        block.volumes[volume_id] = {"id": volume_id}
        attachment = block.create_attachment(volume_id, uuid)
        bdm = block_device.create(conductor.db, uuid, source_type="volume",
                                  volume_id=volume_id,
                                  delete_on_termination=not keep)
        block_device.update(conductor.db, bdm["uuid"],
                            attachment_id=attachment["id"])
    block_device.create(conductor.db, uuid, source_type="blank", volume_size=1,
                        delete_on_termination=True)  # never made
    instance_service.begin_delete(conductor.db, CTXT, uuid)
    conductor.endpoint.delete_instance(CTXT, uuid)  # on no host: local
    assert block.attachments == {}
    assert set(block.volumes) == {"vol-a"}
    assert block_device.list_for(conductor.db, uuid) == []


def test_volume_backed_servers_claim_no_local_disk(conductor):
    assert flavor_service.resources(conductor.server["flavor"]) == {
        "VCPU": 1, "MEMORY_MB": 64, "DISK_GB": 5}
    assert flavor_service.resources(conductor.server["flavor"],
                                    volume_backed=True)["DISK_GB"] == 0
    asked = []
    conductor.placement.allocation_candidates = \
        lambda resources, limit, in_tree=None: asked.append(resources) or []
    block_device.create(conductor.db, conductor.server["uuid"], source_type="blank",
                        volume_size=1, boot_index=0)
    conductor.endpoint.build_instance(CTXT, conductor.server["uuid"])
    assert asked == [{"VCPU": 1, "MEMORY_MB": 64, "DISK_GB": 0}]


def test_device_names_are_chosen_and_kept_unique(db):
    flavor = flavor_service.create(db, name="m1", flavorid="1", vcpus=1, ram=64, disk=1)
    uuid = instance_service.create(db, CTXT, name="vm", flavor=flavor,
                                   image_ref="img")["uuid"]
    names = [block_device.create(db, uuid, source_type="volume",
                                 volume_id=f"v{n}")["device_name"] for n in range(3)]
    assert names == ["/dev/vdb", "/dev/vdc", "/dev/vdd"]
    assert block_device.create(db, uuid, source_type="volume", volume_id="v9",
                               device_name="/dev/vdz")["device_name"] == "/dev/vdz"
    with pytest.raises(block_device.DeviceInUse):
        block_device.create(db, uuid, source_type="volume", volume_id="v10",
                            device_name="/dev/vdc")
    for n in range(10, 31):
        block_device.create(db, uuid, source_type="volume", volume_id=f"w{n}")
    with pytest.raises(block_device.DevicesExhausted):
        block_device.create(db, uuid, source_type="volume", volume_id="last")


# --- libvirt: the disk of a volume ------------------------------------------------

def test_volume_disk_xml(tmp_path):
    path = tmp_path / "vol"
    path.write_bytes(b"\0" * 4096)
    info = file_volume(str(path), "qcow2", volume_id="5b1c2d3e-0000-4000-8000-000000000001")
    disk = volume.disk(info, "/dev/vdc", cache="writeback")
    element = ET.fromstring(config.disk_xml(disk))
    assert element.get("type") == "file" and element.get("device") == "disk"
    assert element.find("driver").get("type") == "qcow2"
    assert element.find("driver").get("cache") == "writeback"
    assert element.find("source").get("file") == str(path)
    assert element.find("target").attrib == {"dev": "vdc", "bus": "virtio"}
    assert element.find("serial").text == info["data"]["volume_id"]
    assert element.find("readonly") is None
    domain = ET.Element("domain")
    ET.SubElement(domain, "devices").append(element)
    assert config.find_disk(ET.tostring(domain, encoding="unicode"), "vdc")
    assert config.find_disk(ET.tostring(domain, encoding="unicode"), "vdd") is None


def nbd_volume(volume_id="5b1c2d3e-0000-4000-8000-000000000002", **data):
    return {"driver_volume_type": "nbd", "attachment_id": "a1",
            "data": {"host": "storage1", "port": 10809,
                     "export_name": f"volume-{volume_id}", "format": "raw",
                     "access_mode": "rw", "volume_id": volume_id, **data}}


def test_nbd_volume_disk_xml():
    """An NBD volume is a network disk: nothing of it on this node's filesystem."""
    info = nbd_volume()
    element = ET.fromstring(config.disk_xml(volume.disk(info, "/dev/vdb", "none")))
    assert element.get("type") == "network" and element.get("device") == "disk"
    assert element.find("driver").attrib == {"name": "qemu", "type": "raw",
                                             "cache": "none"}
    source = element.find("source")
    assert source.attrib == {"protocol": "nbd",
                             "name": f"volume-{info['data']['volume_id']}"}
    assert [h.attrib for h in source.findall("host")] == [
        {"name": "storage1", "port": "10809"}]
    assert element.find("target").attrib == {"dev": "vdb", "bus": "virtio"}
    assert element.find("serial").text == info["data"]["volume_id"]
    assert element.find("readonly") is None
    read_only = ET.fromstring(config.disk_xml(volume.disk(
        nbd_volume(access_mode="ro"), "/dev/vdc")))
    assert read_only.find("readonly") is not None


@pytest.mark.parametrize("info,message", [
    ({"driver_volume_type": "iscsi", "data": {}}, "not supported"),
    ({"driver_volume_type": "file", "data": {"path": "relative"}}, "absolute"),
    ({"driver_volume_type": "file", "data": {"path": "/nowhere/vol"}}, "not visible"),
    (nbd_volume(host=None), "needs host, port and export_name"),
    (nbd_volume(port="10809"), "needs host, port and export_name"),
    (nbd_volume(export_name=""), "needs host, port and export_name"),
    (nbd_volume(format="qcow2"), "'qcow2' is not supported"),
])
def test_volume_connections_the_driver_cannot_open(info, message):
    with pytest.raises(virt.VirtDriverError, match=message):
        volume.disk(info, "/dev/vdb")


def test_a_blank_volume_gets_its_type(agent):
    guest = dict(instance("typed"), block_devices=[_bdm(
        uuid="b0", source_type="blank", volume_id=None, volume_size=3,
        volume_type="fast", attachment_id=None, device_name="/dev/vdc")])
    agent.endpoint.build_instance(CTXT, guest)
    assert agent.conductor.named("build_done")
    assert agent.block.volumes["vol-1"] == {"id": "vol-1", "size": 3,
                                            "volume_type": "fast",
                                            "name": "typed-vdc"}

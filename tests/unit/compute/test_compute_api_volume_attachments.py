"""os-volume_attachments and block_device_mapping_v2 in the API: bodies at each
microversion, device names, errors, what is reserved and cast, what is undone."""

import pytest
from compute_api import ADMIN, ALICE, BOB, at, boot, boot_active, create_flavor

from sovra_compute.service import block_device, compute_service
from sovra_compute.service import instance as instance_service

VOL = "11111111-2222-4333-8444-555555555555"
VOL2 = "11111111-2222-4333-8444-666666666666"


@pytest.fixture
def volumes(api):
    return api.extras["volumes"]


@pytest.fixture
def server(api, db):
    create_flavor(api)
    api.coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    return boot_active(api, db)


def _path(server_id, volume_id=None):
    path = f"/v2.1/servers/{server_id}/os-volume_attachments"
    return f"{path}/{volume_id}" if volume_id else path


def _attach(api, server_id, version="2.1", headers=ALICE, **body):
    body.setdefault("volumeId", VOL)
    return api.post(_path(server_id), json={"volumeAttachment": body},
                    headers=at(headers, version))


def _attached(db, bdm_uuid):
    block_device.update(db, bdm_uuid, attach_status=block_device.ATTACHED)


def test_attach_reserves_records_and_casts(api, db, server, volumes):
    volumes.add(VOL)
    resp = _attach(api, server)
    assert resp.status_code == 200, resp.json
    assert resp.json == {"volumeAttachment": {
        "id": VOL, "volumeId": VOL, "serverId": server, "device": "/dev/vdb"}}
    assert volumes.attachments == {"att-1": (VOL, server)}
    (args, _), = api.extras["agents"].named("attach_volume")
    ctxt, host, instance, bdm = args
    assert host == "node1" and instance["uuid"] == server
    assert (bdm["volume_id"], bdm["attachment_id"], bdm["device_name"]) == (
        VOL, "att-1", "/dev/vdb")
    actions = [a["action"] for a in
               api.get(f"/v2.1/servers/{server}/os-instance-actions",
                       headers=ALICE).json["instanceActions"]]
    assert "attach_volume" in actions


@pytest.mark.parametrize("version,body,shown", [
    ("2.1", {}, {"id": VOL, "volumeId": VOL, "device": "/dev/vdb"}),
    ("2.49", {"tag": "db"}, {"id": VOL, "volumeId": VOL, "device": "/dev/vdb"}),
    ("2.70", {"tag": "db"}, {"id": VOL, "volumeId": VOL, "device": "/dev/vdb",
                             "tag": "db"}),
    ("2.79", {"delete_on_termination": True},
     {"id": VOL, "volumeId": VOL, "device": "/dev/vdb", "tag": None,
      "delete_on_termination": True}),
    ("2.89", {}, {"id": VOL, "volumeId": VOL, "device": "/dev/vdb", "tag": None,
                  "delete_on_termination": False}),
])
def test_attach_body_by_version(api, server, volumes, version, body, shown):
    volumes.add(VOL)
    resp = _attach(api, server, version, **body)
    assert resp.status_code == 200, resp.json
    assert resp.json["volumeAttachment"] == {**shown, "serverId": server}


@pytest.mark.parametrize("version,body", [
    ("2.48", {"tag": "db"}),
    ("2.78", {"delete_on_termination": True}),
    ("2.79", {"delete_on_termination": "yes"}),
    ("2.1", {"volumeId": "not-a-uuid"}),
    ("2.1", {"device": "vdb"}),
    ("2.49", {"tag": "a/b"}),
    ("2.1", {"unknown": 1}),
])
def test_attach_body_validation(api, server, volumes, version, body):
    volumes.add(VOL)
    resp = _attach(api, server, version, **body)
    assert resp.status_code == 400, resp.json
    assert volumes.attachments == {}


def test_list_and_show_by_version(api, db, server, volumes):
    volumes.add(VOL)
    volumes.add(VOL2)
    _attach(api, server, device="/dev/vdc")
    _attach(api, server, "2.79", volumeId=VOL2, tag="t", delete_on_termination=True)
    listed = api.get(_path(server), headers=ALICE).json["volumeAttachments"]
    assert [(a["volumeId"], a["device"]) for a in listed] == [
        (VOL, "/dev/vdc"), (VOL2, "/dev/vdb")]
    assert set(listed[0]) == {"id", "volumeId", "serverId", "device"}
    newest = api.get(_path(server), headers=at(ALICE, "2.89")).json["volumeAttachments"]
    assert "id" not in newest[1]
    assert newest[1]["attachment_id"] == "att-2" and newest[1]["tag"] == "t"
    assert newest[1]["delete_on_termination"] is True and newest[1]["bdm_uuid"]
    page = api.get(_path(server) + "?limit=1&offset=1", headers=ALICE).json
    assert [a["volumeId"] for a in page["volumeAttachments"]] == [VOL2]
    shown = api.get(_path(server, VOL2), headers=at(ALICE, "2.70")).json
    assert shown["volumeAttachment"]["tag"] == "t"
    assert api.get(_path(server, VOL), headers=BOB).status_code == 404
    assert api.get(_path(server, "nope"), headers=ALICE).status_code == 404
    volumes_attached = api.get(f"/v2.1/servers/{server}", headers=at(ALICE, "2.3")) \
        .json["server"]["os-extended-volumes:volumes_attached"]
    assert volumes_attached == [{"id": VOL, "delete_on_termination": False},
                                {"id": VOL2, "delete_on_termination": True}]


def test_attach_errors(api, db, server, volumes):
    volumes.add(VOL, status="in-use")
    resp = _attach(api, server)
    assert resp.status_code == 400 and "must be 'available'" in \
        resp.json["badRequest"]["message"]
    volumes.add(VOL2, project="proj-b")
    assert _attach(api, server, volumeId=VOL2).status_code == 404
    volumes.add(VOL2)
    assert _attach(api, server, volumeId=VOL2, headers=BOB).status_code == 404
    assert _attach(api, server, volumeId=VOL2).status_code == 200
    volumes.volumes[VOL2]["status"] = "available"  # as if another server's
    resp = _attach(api, server, volumeId=VOL2)  # but it is this server's already
    assert resp.status_code == 400 and "already attached" in resp.text
    assert api.extras["agents"].named("attach_volume")[1:] == []


def test_device_names(api, server, volumes):
    for number in range(3):
        volumes.add(f"11111111-2222-4333-8444-00000000000{number}")
    ids = list(volumes.volumes)
    assert _attach(api, server, volumeId=ids[0], device="/dev/vdc").json[
        "volumeAttachment"]["device"] == "/dev/vdc"
    # not a virtio name: the next free one; a taken one: 400
    assert _attach(api, server, volumeId=ids[1], device="/dev/sdb").json[
        "volumeAttachment"]["device"] == "/dev/vdb"
    resp = _attach(api, server, volumeId=ids[2], device="/dev/vdc")
    assert resp.status_code == 400 and "in use" in resp.text
    assert volumes.volumes[ids[2]]["status"] == "available"


@pytest.mark.parametrize("vm_state,task_state", [
    ("suspended", None), ("building", "spawning"), ("active", "rebooting"),
    ("error", None)])
def test_attach_and_detach_refused_in_states(api, db, server, volumes, vm_state,
                                             task_state):
    volumes.add(VOL)
    _attach(api, server)
    bdm = block_device.list_for(db, server)[0]
    _attached(db, bdm["uuid"])
    volumes.add(VOL2)
    instance_service.update(db, server, vm_state=vm_state, task_state=task_state)
    assert _attach(api, server, volumeId=VOL2).status_code == 409
    assert api.delete(_path(server, VOL), headers=ALICE).status_code == 409
    assert volumes.volumes[VOL2]["status"] == "available"


def test_a_down_host_takes_no_attach(api, db, server, volumes):
    volumes.add(VOL)
    api.coordinator.leave(compute_service.AGENTS_GROUP, "node1")
    resp = _attach(api, server)
    assert resp.status_code == 409 and "is down" in resp.text
    assert volumes.volumes[VOL]["status"] == "available"
    assert block_device.list_for(db, server) == []


def test_locked_server(api, db, server, volumes):
    volumes.add(VOL)
    instance_service.update(db, server, locked=True)
    assert _attach(api, server).status_code == 409
    assert _attach(api, server, headers=ADMIN).status_code == 200


def test_failed_reservation_or_cast_leaves_nothing(api, db, server, volumes):
    volumes.add(VOL)
    volumes.fail_reserve = True
    assert _attach(api, server).status_code == 400
    assert block_device.list_for(db, server) == []
    volumes.fail_reserve = False

    def refuse(*args, **kwargs):
        raise RuntimeError("bus down")
    api.extras["agents"].attach_volume = refuse
    assert _attach(api, server).status_code == 500
    assert block_device.list_for(db, server) == []
    assert volumes.attachments == {} and volumes.volumes[VOL]["status"] == "available"


def test_detach(api, db, server, volumes):
    volumes.add(VOL)
    _attach(api, server)
    assert api.delete(_path(server, VOL), headers=ALICE).status_code == 409  # attaching
    bdm = block_device.list_for(db, server)[0]
    _attached(db, bdm["uuid"])
    assert api.delete(_path(server, VOL), headers=BOB).status_code == 404
    resp = api.delete(_path(server, VOL), headers=ALICE)
    assert resp.status_code == 202, resp.json
    (args, _), = api.extras["agents"].named("detach_volume")
    assert args[3]["uuid"] == bdm["uuid"] and args[3]["attachment_id"] == "att-1"
    assert block_device.list_for(db, server)[0]["attach_status"] == "detaching"
    assert api.delete(_path(server, VOL), headers=ALICE).status_code == 409
    assert api.delete(_path(server, VOL2), headers=ALICE).status_code == 404


def test_update_delete_on_termination_and_no_swap(api, db, server, volumes):
    volumes.add(VOL)
    _attach(api, server)

    def put(version, headers=ALICE, **body):
        return api.put(_path(server, VOL), headers=at(headers, version),
                       json={"volumeAttachment": {"volumeId": VOL, **body}})
    assert put("2.84", delete_on_termination=True).status_code == 400
    assert put("2.85", delete_on_termination=True).status_code == 202
    assert block_device.list_for(db, server)[0]["delete_on_termination"] is True
    assert put("2.85", device="/dev/vdz").status_code == 400
    swap = {"volumeAttachment": {"volumeId": VOL2}}
    assert api.put(_path(server, VOL), json=swap, headers=ALICE).status_code == 403
    assert api.put(_path(server, VOL), json=swap, headers=ADMIN).status_code == 501


# --- block_device_mapping_v2 at create --------------------------------------------

def _bfv(api, mappings, image_ref="", version="2.67"):
    create_flavor(api)
    return boot(api, version=version, imageRef=image_ref,
                block_device_mapping_v2=mappings)


def test_boot_from_an_image_volume(api, db):
    resp = _bfv(api, [{"source_type": "image", "destination_type": "volume",
                       "uuid": "img-1", "boot_index": 0, "volume_size": 2,
                       "delete_on_termination": True}])
    assert resp.status_code == 202, resp.json
    server = resp.json["server"]["id"]
    (bdm,) = block_device.list_for(db, server)
    assert (bdm["source_type"], bdm["image_id"], bdm["volume_size"], bdm["boot_index"],
            bdm["device_name"], bdm["volume_id"], bdm["delete_on_termination"]) == (
        "image", "img-1", 2, 0, "/dev/vda", None, True)
    shown = api.get(f"/v2.1/servers/{server}", headers=ALICE).json["server"]
    assert shown["image"] == ""
    assert shown["os-extended-volumes:volumes_attached"] == []  # not made yet
    assert block_device.is_volume_backed(instance_service.get(db, server))


def test_boot_from_an_existing_volume_with_a_data_volume(api, db):
    volumes = api.extras["volumes"]
    volumes.add(VOL, bootable="true")
    volumes.add(VOL2)
    resp = _bfv(api, [
        {"source_type": "volume", "destination_type": "volume", "uuid": VOL,
         "boot_index": "0"},
        {"source_type": "volume", "destination_type": "volume", "uuid": VOL2,
         "boot_index": -1},
        {"source_type": "blank", "destination_type": "volume", "volume_size": 1}])
    assert resp.status_code == 202, resp.json
    bdms = block_device.list_for(db, resp.json["server"]["id"])
    assert [(b["volume_id"], b["device_name"], b["attachment_id"]) for b in bdms] == [
        (VOL, "/dev/vda", "att-1"), (VOL2, "/dev/vdb", "att-2"),
        (None, "/dev/vdc", None)]
    assert api.extras["conductor"].named("build_instance")


def test_image_server_with_a_data_volume(api, db):
    api.extras["volumes"].add(VOL)
    resp = _bfv(api, [{"source_type": "volume", "uuid": VOL}], image_ref="img-1")
    assert resp.status_code == 202, resp.json
    server = resp.json["server"]["id"]
    assert not block_device.is_volume_backed(instance_service.get(db, server))
    assert [b["device_name"] for b in block_device.list_for(db, server)] == ["/dev/vdb"]


@pytest.mark.parametrize("mappings,image_ref,message", [
    ([], "", "imageRef is required"),
    ([{"source_type": "image", "destination_type": "volume", "uuid": "img-1",
       "boot_index": 0}], "", "volume_size"),
    ([{"source_type": "image", "destination_type": "volume", "uuid": "queued",
       "boot_index": 0, "volume_size": 1}], "", "is not active"),
    ([{"source_type": "blank", "destination_type": "volume", "boot_index": 0,
       "volume_size": 1}], "", "blank volume cannot be the boot"),
    ([{"source_type": "volume", "uuid": VOL, "boot_index": 0},
      {"source_type": "volume", "uuid": VOL2, "boot_index": 0}], "", "only one"),
    ([{"source_type": "volume", "uuid": VOL, "boot_index": 0},
      {"source_type": "volume", "uuid": VOL}], "", "mapped twice"),
    ([{"source_type": "snapshot", "destination_type": "volume", "uuid": VOL,
       "boot_index": 0}], "", "not supported"),
    ([{"source_type": "volume", "uuid": VOL, "boot_index": 0}], "",
     "status must be 'available'"),
    ([{"source_type": "image", "destination_type": "local", "uuid": "img-1",
       "boot_index": 0}], "img-props", "is not the server's imageRef"),
])
def test_bad_mappings(api, db, mappings, image_ref, message):
    api.extras["volumes"].add(VOL, status="in-use")
    api.extras["volumes"].add(VOL2)
    resp = _bfv(api, mappings, image_ref=image_ref)
    assert resp.status_code == 400, resp.json
    assert message in resp.json["badRequest"]["message"]
    assert api.extras["conductor"].calls == []


def test_failed_reservation_at_create_deletes_the_server(api, db):
    volumes = api.extras["volumes"]
    volumes.add(VOL)
    volumes.fail_reserve = True
    resp = _bfv(api, [{"source_type": "volume", "uuid": VOL, "boot_index": 0}])
    assert resp.status_code == 400
    assert instance_service.list_(db) == []
    assert api.extras["conductor"].calls == []


def test_volume_backed_servers_refuse_rebuild_and_snapshot(api, db):
    resp = _bfv(api, [{"source_type": "image", "destination_type": "volume",
                       "uuid": "img-1", "boot_index": 0, "volume_size": 1}])
    server = resp.json["server"]["id"]
    instance_service.update(db, server, host="node1", vm_state="active",
                            task_state=None)

    def action(body):
        return api.post(f"/v2.1/servers/{server}/action", json=body, headers=ALICE)
    resp = action({"rebuild": {"imageRef": "img-1"}})
    assert resp.status_code == 400 and "volume-backed" in resp.text
    resp = action({"createImage": {"name": "snap"}})
    assert resp.status_code == 501 and "volume-backed" in resp.text
    assert api.extras["agents"].calls == []
    # a smaller flavor's disk does not matter: there is no local root disk
    create_flavor(api, id="2", name="m1.nodisk", disk=0, vcpus=2)
    api.coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    assert action({"resize": {"flavorRef": "2"}}).status_code == 202


def test_multiattach_volume_in_use_is_refused(api, server, volumes):
    volumes.add(VOL, status="in-use", multiattach=True)
    resp = _attach(api, server, "2.60")
    assert resp.status_code == 400 and "multiattach" in resp.text


def test_volume_type_of_a_volume_made_at_create(api, db):
    mapping = {"source_type": "blank", "destination_type": "volume", "volume_size": 1,
               "volume_type": "fast"}
    resp = _bfv(api, [mapping], image_ref="img-1", version="2.66")
    assert resp.status_code == 400 and "2.67" in resp.text
    resp = boot(api, version="2.67", imageRef="img-1",
                block_device_mapping_v2=[mapping])
    assert resp.status_code == 202, resp.json
    (bdm,) = block_device.list_for(db, resp.json["server"]["id"])
    assert bdm["volume_type"] == "fast" and bdm["device_name"] == "/dev/vdb"

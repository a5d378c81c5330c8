"""Attachments over HTTP (3.27+): a server moving to another host holds two
attachments of a volume that is not multiattach (the destination's made before
the source's is deleted, as compute does it), another server is refused in
Cinder's fault body, and the volume stays in-use until its last attachment goes."""

import uuid

from sovra_block.db import models

V = "3.44"


def _reserve(block_api, volume_id, server):
    return block_api.ok("POST", "/v3/attachments", version=V, json={"attachment": {
        "volume_uuid": volume_id, "instance_uuid": server}})["attachment"]


def _connect(block_api, attachment_id, host):
    return block_api.ok("PUT", f"/v3/attachments/{attachment_id}", version=V, json={
        "attachment": {"connector": {"host": host, "mountpoint": "/dev/vdb"}}}
    )["attachment"]


def _complete(block_api, attachment_id):
    block_api.ok("POST", f"/v3/attachments/{attachment_id}/action", 204, version=V,
                 json={"os-complete": None})


def _attached(block_api, volume_id, server, host):
    attachment = _reserve(block_api, volume_id, server)
    _connect(block_api, attachment["id"], host)
    _complete(block_api, attachment["id"])
    return attachment["id"]


def _shown(block_api, volume_id):
    """(status, [(attachment id, server, host)] of GET volume)."""
    volume = block_api.volume(volume_id)
    return volume["status"], sorted(
        (a["attachment_id"], a["server_id"], a["host_name"])
        for a in volume["attachments"])


def _listed(block_api, volume_id):
    return {a["id"]: a["status"] for a in block_api.ok(
        "GET", f"/v3/attachments?volume_id={volume_id}", version=V)["attachments"]}


def test_a_server_moving_holds_two_attachments_and_the_volume_stays_in_use(
        block_api):
    volume_id = block_api.create_volume()["id"]
    server = str(uuid.uuid4())
    source = _attached(block_api, volume_id, server, "node1")

    dest = _reserve(block_api, volume_id, server)
    assert dest["status"] == "reserved" and dest["instance"] == server
    assert _listed(block_api, volume_id) == {source: "attached", dest["id"]: "reserved"}
    assert _shown(block_api, volume_id) == ("in-use", [(source, server, "node1")])
    connected = _connect(block_api, dest["id"], "node2")
    assert connected["connection_info"]["data"]["volume_id"] == volume_id
    _complete(block_api, dest["id"])
    # both attached: GET volume lists both, each on its host
    assert _shown(block_api, volume_id) == ("in-use", sorted(
        [(source, server, "node1"), (dest["id"], server, "node2")]))

    block_api.ok("DELETE", f"/v3/attachments/{source}", version=V)
    assert _shown(block_api, volume_id) == ("in-use", [(dest["id"], server, "node2")])
    assert _listed(block_api, volume_id) == {dest["id"]: "attached"}
    block_api.ok("DELETE", f"/v3/attachments/{dest['id']}", version=V)
    assert _shown(block_api, volume_id) == ("available", [])


def test_deleting_the_source_before_the_destination_connected_keeps_it_in_use(
        block_api):
    """Compute's order: the destination's attachment reserved, the source's
    deleted, then the destination's connected and completed."""
    volume_id = block_api.create_volume()["id"]
    server = str(uuid.uuid4())
    source = _attached(block_api, volume_id, server, "node1")
    dest = _reserve(block_api, volume_id, server)["id"]
    block_api.ok("DELETE", f"/v3/attachments/{source}", version=V)
    assert block_api.volume(volume_id)["status"] == "in-use"
    _connect(block_api, dest, "node2")
    assert block_api.volume(volume_id)["status"] == "in-use"
    _complete(block_api, dest)
    assert _shown(block_api, volume_id) == ("in-use", [(dest, server, "node2")])
    block_api.ok("DELETE", f"/v3/attachments/{dest}", version=V)
    assert block_api.volume(volume_id)["status"] == "available"


def test_another_server_is_refused_with_cinders_400(block_api):
    volume_id = block_api.create_volume()["id"]
    server = str(uuid.uuid4())
    only = _attached(block_api, volume_id, server, "node1")
    resp = block_api.request("POST", "/v3/attachments", version=V, json={
        "attachment": {"volume_uuid": volume_id, "instance_uuid": str(uuid.uuid4())}})
    assert resp.status_code == 400
    assert resp.json() == {"badRequest": {"code": 400, "message": (
        f"Invalid volume: Volume {volume_id} status must be available or "
        "downloading to reserve, but the current status is in-use.")}}
    # ...also while the server holds two
    _reserve(block_api, volume_id, server)
    assert "current status is in-use" in block_api.fault(
        "POST", "/v3/attachments", 400, version=V, json={"attachment": {
            "volume_uuid": volume_id, "instance_uuid": str(uuid.uuid4())}})
    assert only in _listed(block_api, volume_id)
    # the legacy os-reserve has no same-server exception (nor has Cinder's)
    assert "currently in-use" in block_api.fault(
        "POST", f"/v3/volumes/{volume_id}/action", 400,
        json={"os-reserve": None})


def test_a_multiattach_volume_still_takes_other_servers(block_api):
    # no backend of Sovra's reports multiattach (a type asking for it finds no
    # backend): the flag is set on the row, as a backend that shares would have it
    volume = block_api.create_volume()
    with block_api.db.writer() as session:
        session.get(models.Volume, volume["id"]).multiattach = True
    assert block_api.volume(volume["id"])["multiattach"] is True
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    first = _attached(block_api, volume["id"], one, "node1")
    second = _attached(block_api, volume["id"], two, "node2")
    assert _shown(block_api, volume["id"]) == ("in-use", sorted(
        [(first, one, "node1"), (second, two, "node2")]))
    block_api.ok("DELETE", f"/v3/attachments/{first}", version=V)
    assert _shown(block_api, volume["id"]) == ("in-use", [(second, two, "node2")])
    block_api.ok("DELETE", f"/v3/attachments/{second}", version=V)
    assert block_api.volume(volume["id"])["status"] == "available"

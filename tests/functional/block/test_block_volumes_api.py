"""Volumes over HTTP: the lifecycle on a real file backend, views, lists, errors."""

import os
import uuid

from conftest import BACKEND, PROJECT_A, PROJECT_B


def test_versions_are_discoverable_without_a_token(block_api):
    import requests
    resp = requests.get(block_api.url + "/", timeout=10)
    assert resp.status_code == 300
    (v3,) = resp.json()["versions"]
    assert v3["id"] == "v3.0" and v3["min_version"] == "3.0"
    assert v3["version"] == "3.44"
    assert requests.get(block_api.url + "/v3", timeout=10).json()["versions"][0][
        "status"] == "CURRENT"


def test_create_show_delete_a_blank_volume(block_api):
    volume = block_api.create_volume(name="v1", size=2, metadata={"k": "v"})
    assert volume["size"] == 2 and volume["name"] == "v1"
    assert volume["bootable"] == "false" and volume["attachments"] == []
    assert volume["volume_type"] == "__DEFAULT__" and volume["metadata"] == {"k": "v"}
    assert volume["availability_zone"] == "nova"
    assert "os-vol-host-attr:host" not in volume  # admins only
    admin_view = block_api.volume(volume["id"], project="admin")
    assert admin_view["os-vol-host-attr:host"] == BACKEND + "#file1"
    files = os.listdir(block_api.volume_dir)
    assert f"volume-{volume['id']}.raw" in files
    assert os.path.getsize(block_api.volume_dir / f"volume-{volume['id']}.raw") == 2 * 1024 ** 3

    block_api.ok("DELETE", f"/v3/volumes/{volume['id']}", 202)
    block_api.wait_gone(f"/v3/volumes/{volume['id']}")
    assert f"volume-{volume['id']}.raw" not in os.listdir(block_api.volume_dir)


def test_the_project_id_in_the_url_is_optional(block_api):
    volume = block_api.create_volume()
    with_project = block_api.ok("GET", f"/v3/{PROJECT_A}/volumes/{volume['id']}")
    assert with_project["volume"]["id"] == volume["id"]
    link = with_project["volume"]["links"][0]["href"]
    assert link.endswith(f"/v3/{PROJECT_A}/volumes/{volume['id']}")


def test_projects_do_not_see_each_others_volumes(block_api):
    volume = block_api.create_volume()
    block_api.fault("GET", f"/v3/volumes/{volume['id']}", 404, project=PROJECT_B)
    block_api.fault("DELETE", f"/v3/volumes/{volume['id']}", 404, project=PROJECT_B)
    assert block_api.ok("GET", "/v3/volumes", project=PROJECT_B)["volumes"] == []
    everyone = block_api.ok("GET", "/v3/volumes/detail?all_tenants=1",
                            project="admin")["volumes"]
    assert [v["id"] for v in everyone] == [volume["id"]]


def test_readers_cannot_create_or_delete(block_api):
    volume = block_api.create_volume()
    block_api.fault("POST", "/v3/volumes", 403, roles="reader",
                    json={"volume": {"size": 1}})
    block_api.fault("DELETE", f"/v3/volumes/{volume['id']}", 403, roles="reader")
    assert block_api.volume(volume["id"], roles="reader")["id"] == volume["id"]


def test_bad_input_is_a_400_never_a_500(block_api):
    for body in ({"volume": {"size": 0}}, {"volume": {"size": "x"}},
                 {"volume": {"size": -1}}, {"volume": "x"}, {"nothing": 1},
                 {"volume": {"size": 1, "volume_type": "nope"}},
                 {"volume": {"size": 1, "availability_zone": "elsewhere"}},
                 {"volume": {"size": 1, "metadata": {"k": 1}}},
                 {"volume": {"size": 1, "snapshot_id": "x", "source_volid": "y"}}):
        resp = block_api.request("POST", "/v3/volumes", json=body)
        assert resp.status_code in (400, 404), (body, resp.status_code, resp.text)
        assert "badRequest" in resp.json() or "itemNotFound" in resp.json()
    assert block_api.request("POST", "/v3/volumes", data="{").status_code == 400
    block_api.fault("GET", "/v3/volumes/nope", 404)
    block_api.fault("POST", "/v3/volumes/nope/action", 404,
                    json={"os-extend": {"new_size": 2}})
    volume = block_api.create_volume()
    block_api.fault("POST", f"/v3/volumes/{volume['id']}/action", 400,
                    json={"os-frobnicate": {}})
    block_api.fault("POST", f"/v3/volumes/{volume['id']}/action", 400,
                    json={"os-extend": {"new_size": 1}})
    block_api.fault("POST", f"/v3/volumes/{volume['id']}/action", 400,
                    json={"os-extend": {}})


def test_update_and_metadata(block_api):
    volume = block_api.create_volume(name="old")
    path = f"/v3/volumes/{volume['id']}"
    updated = block_api.ok("PUT", path, json={"volume": {"name": "new",
                                                         "description": "d"}})
    assert updated["volume"]["name"] == "new"
    assert updated["volume"]["description"] == "d"
    assert block_api.ok("POST", path + "/metadata",
                        json={"metadata": {"a": "1"}})["metadata"] == {"a": "1"}
    assert block_api.ok("POST", path + "/metadata",
                        json={"metadata": {"b": "2"}})["metadata"] == {"a": "1",
                                                                       "b": "2"}
    assert block_api.ok("PUT", path + "/metadata",
                        json={"metadata": {"c": "3"}})["metadata"] == {"c": "3"}
    assert block_api.ok("GET", path + "/metadata/c") == {"meta": {"c": "3"}}
    block_api.ok("PUT", path + "/metadata/c", json={"meta": {"c": "4"}})
    block_api.fault("PUT", path + "/metadata/c", 400, json={"meta": {"d": "4"}})
    block_api.ok("DELETE", path + "/metadata/c")
    block_api.fault("GET", path + "/metadata/c", 404)


def test_extend_grows_the_file_and_the_size(block_api):
    volume = block_api.create_volume(size=1)
    block_api.ok("POST", f"/v3/volumes/{volume['id']}/action", 202,
                 json={"os-extend": {"new_size": 3}})
    extended = block_api.wait_volume(volume["id"], "available")
    assert extended["size"] == 3
    assert os.path.getsize(
        block_api.volume_dir / f"volume-{volume['id']}.raw") == 3 * 1024 ** 3
    usage = block_api.ok("GET", "/v3/volumes/detail")["volumes"][0]
    assert usage["size"] == 3


def _attach(block_api, volume_id):
    """Attached to a (made-up) server through the attachments API, as compute
    does it."""
    v = "3.44"
    att = block_api.ok("POST", "/v3/attachments", version=v, json={"attachment": {
        "volume_uuid": volume_id, "instance_uuid": str(uuid.uuid4())}})["attachment"]
    block_api.ok("PUT", f"/v3/attachments/{att['id']}", version=v, json={
        "attachment": {"connector": {"host": "node7", "mountpoint": "/dev/vdb"}}})
    block_api.ok("POST", f"/v3/attachments/{att['id']}/action", 204, version=v,
                 json={"os-complete": None})
    return att


def test_extend_an_attached_volume(block_api):
    """From 3.42 an in-use volume grows where the backend can grow it while a
    guest has it open: a raw file, not a qcow2 one (locked by its QEMU)."""
    raw = block_api.create_volume(size=1)
    _attach(block_api, raw["id"])
    path = f"/v3/volumes/{raw['id']}/action"
    block_api.fault("POST", path, 400, json={"os-extend": {"new_size": 2}},
                    version="3.41")
    block_api.ok("POST", path, 202, json={"os-extend": {"new_size": 2}},
                 version="3.42")
    assert block_api.wait_volume(raw["id"], "in-use")["size"] == 2
    assert os.path.getsize(
        block_api.volume_dir / f"volume-{raw['id']}.raw") == 2 * 1024 ** 3

    qcow2_type = block_api.ok("POST", "/v3/types", project="admin", json={
        "volume_type": {"name": "q", "extra_specs": {"volume_format": "qcow2"}}})
    qcow2 = block_api.create_volume(size=1, volume_type=qcow2_type["volume_type"]["id"])
    _attach(block_api, qcow2["id"])
    message = block_api.fault("POST", f"/v3/volumes/{qcow2['id']}/action", 400,
                              json={"os-extend": {"new_size": 2}}, version="3.42")
    assert "cannot extend an attached qcow2 volume (only raw)" in message
    shown = block_api.volume(qcow2["id"])
    assert (shown["status"], shown["size"]) == ("in-use", 1)  # nothing reserved
    usage = block_api.ok("GET", f"/v3/os-quota-sets/{PROJECT_A}?usage=true")
    assert usage["quota_set"]["gigabytes"]["in_use"] == 3


def test_list_sorts_filters_and_pages(block_api):
    ids = [block_api.create_volume(name=f"v{i}", metadata={"n": str(i)})["id"]
           for i in range(3)]
    brief = block_api.ok("GET", "/v3/volumes?sort=name:asc")["volumes"]
    assert [v["name"] for v in brief] == ["v0", "v1", "v2"]
    assert set(brief[0]) == {"id", "name", "links"}
    page = block_api.ok("GET", "/v3/volumes/detail?sort=name:asc&limit=2")
    assert [v["name"] for v in page["volumes"]] == ["v0", "v1"]
    next_href = page["volumes_links"][0]["href"]
    assert "marker=" in next_href
    rest = block_api.ok("GET", next_href[len(block_api.url):])
    assert [v["name"] for v in rest["volumes"]] == ["v2"]
    assert "volumes_links" not in rest
    only = block_api.ok("GET", '/v3/volumes/detail?metadata={"n": "1"}')["volumes"]
    assert [v["id"] for v in only] == [ids[1]]
    assert block_api.ok("GET", "/v3/volumes?name=v2")["volumes"][0]["id"] == ids[2]
    like = block_api.ok("GET", "/v3/volumes?name~=v", version="3.34")["volumes"]
    assert len(like) == 3
    block_api.fault("GET", "/v3/volumes?sort=size:sideways", 400)
    block_api.fault("GET", "/v3/volumes?marker=nope", 404)


def test_object_filters_that_are_not_objects_are_400_with_nothing_to_list(block_api):
    """A ``metadata`` filter is parsed once, up front: a list is refused even
    where no volume or snapshot would have been compared with it."""
    for path, version in (("/v3/volumes?metadata=[1]", None),
                          ("/v3/volumes/detail?metadata=nope", None),
                          ("/v3/volumes?glance_metadata=[1]", "3.4"),
                          ("/v3/snapshots?metadata=[1]", "3.22")):
        block_api.fault("GET", path, 400, project="a-project-with-nothing",
                        version=version)
    # before the microversion that has the filter, it is ignored, as upstream does
    assert block_api.ok("GET", "/v3/snapshots?metadata=[1]", version="3.21",
                        project="a-project-with-nothing")["snapshots"] == []


def test_delete_refuses_volumes_with_snapshots_unless_cascade(block_api):
    volume = block_api.create_volume()
    snap = block_api.ok("POST", "/v3/snapshots", 202, json={
        "snapshot": {"volume_id": volume["id"], "name": "s1"}})["snapshot"]
    block_api.wait_snapshot(snap["id"], "available")
    block_api.fault("DELETE", f"/v3/volumes/{volume['id']}", 400)
    block_api.ok("DELETE", f"/v3/volumes/{volume['id']}?cascade=true", 202)
    block_api.wait_gone(f"/v3/volumes/{volume['id']}")
    block_api.wait_gone(f"/v3/snapshots/{snap['id']}")
    assert [n for n in os.listdir(block_api.volume_dir)
            if volume["id"] in n or snap["id"] in n] == []


def test_no_backend_fits_means_error_with_a_reason(block_api):
    from sovra_block.db import models
    with block_api.db.writer() as session:
        session.add(models.VolumeType(
            id="0" * 32, name="elsewhere", is_public=True,
            extra_specs=[models.VolumeTypeExtraSpec(key="volume_backend_name",
                                                    value="nope")]))
    volume = block_api.create_volume(volume_type="elsewhere", wait="error")
    assert "No valid backend" in volume["error_reason"]
    block_api.ok("DELETE", f"/v3/volumes/{volume['id']}", 202)
    block_api.wait_gone(f"/v3/volumes/{volume['id']}")


def test_admin_actions(block_api):
    volume = block_api.create_volume()
    action = f"/v3/volumes/{volume['id']}/action"
    block_api.fault("POST", action, 403, json={"os-reset_status": {"status": "error"}})
    block_api.ok("POST", action, 202, project="admin",
                 json={"os-reset_status": {"status": "error"}})
    assert block_api.volume(volume["id"])["status"] == "error"
    block_api.fault("POST", action, 400, project="admin",
                    json={"os-reset_status": {"status": "sleepy"}})
    block_api.ok("POST", action, 200, json={"os-set_bootable": {"bootable": True}})
    assert block_api.volume(volume["id"])["bootable"] == "true"
    block_api.ok("POST", action, 202, project="admin", json={"os-force_delete": {}})
    block_api.wait_gone(f"/v3/volumes/{volume['id']}")


def test_snapshot_update_takes_current_and_older_names(block_api):
    volume = block_api.create_volume()
    snap = block_api.ok("POST", "/v3/snapshots", 202, json={
        "snapshot": {"volume_id": volume["id"], "display_name": "old-style"}})["snapshot"]
    assert snap["name"] == "old-style"
    block_api.wait_snapshot(snap["id"], "available")
    path = f"/v3/snapshots/{snap['id']}"
    renamed = block_api.ok("PUT", path, json={"snapshot": {
        "display_name": "x", "name": "new", "display_description": "d"}})["snapshot"]
    assert (renamed["name"], renamed["description"]) == ("new", "d")
    block_api.ok("DELETE", path, 202)
    block_api.wait_gone(path)

"""Server bodies, lists and creates across microversions 2.38 to the maximum: each
behaviour change checked at the version before it and at its own."""

import datetime

import pytest
from compute_api import ADMIN, ALICE, BOB, at, boot, boot_active, create_flavor

from sovra_compute.db import models
from sovra_compute.service import compute_service
from sovra_compute.service import flavor as flavor_service
from sovra_compute.service import instance as instance_service


def _show(api, server_id, version, headers=ALICE):
    resp = api.get(f"/v2.1/servers/{server_id}", headers=at(headers, version))
    assert resp.status_code == 200, resp.json
    return resp.json["server"]


def _list(api, query, version, headers=ALICE, detail=False):
    path = "/v2.1/servers/detail" if detail else "/v2.1/servers"
    return api.get(f"{path}?{query}", headers=at(headers, version))


def _ids(resp):
    assert resp.status_code == 200, resp.json
    return [s["id"] for s in resp.json["servers"]]


def test_unknown_status_filter_is_a_400_from_2_38(api):
    create_flavor(api)
    boot(api)
    assert _ids(_list(api, "status=SLEEPING", "2.37")) == []
    resp = _list(api, "status=SLEEPING", "2.38")
    assert resp.status_code == 400
    assert "Invalid status value" in resp.json["badRequest"]["message"]
    assert len(_ids(_list(api, "status=build", "2.38"))) == 1


def test_deleted_status_is_for_admins(api, db):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    instance_service.mark_deleted(db, server_id)
    assert _list(api, "status=DELETED", "2.38").status_code == 403
    assert _ids(_list(api, "status=DELETED&all_tenants=1", "2.38", ADMIN)) == [
        server_id]


def test_flavor_is_embedded_from_2_47(api):
    create_flavor(api, swap=512, **{"OS-FLV-EXT-DATA:ephemeral": 2})
    api.post("/v2.1/flavors/1/os-extra_specs",
             json={"extra_specs": {"hw:cpu_policy": "dedicated"}}, headers=ADMIN)
    server_id = boot(api).json["server"]["id"]
    old = _show(api, server_id, "2.46")["flavor"]
    assert old["id"] == "1" and old["links"][0]["href"].endswith("/flavors/1")
    new = _show(api, server_id, "2.47")["flavor"]
    assert new == {"vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 2, "swap": 512,
                   "original_name": "m1.tiny",
                   "extra_specs": {"hw:cpu_policy": "dedicated"}}
    detail = _list(api, "", "2.47", detail=True).json["servers"][0]
    assert detail["flavor"]["original_name"] == "m1.tiny"


def test_flavor_snapshot_survives_the_flavor(api, db):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    flavor_service.delete(db, "1")
    assert _show(api, server_id, "2.47")["flavor"]["original_name"] == "m1.tiny"


def test_tags_on_create_from_2_52(api):
    create_flavor(api)
    resp = boot(api, version="2.51", tags=["web"])
    assert resp.status_code == 400
    resp = boot(api, version="2.52", tags=["web", "prod", "web"])
    assert resp.status_code == 202, resp.json
    assert _show(api, resp.json["server"]["id"], "2.52")["tags"] == ["prod", "web"]
    assert boot(api, version="2.52", tags=["a/b"]).status_code == 400
    assert boot(api, version="2.52",
                tags=[f"t{i}" for i in range(51)]).status_code == 400


def test_tag_filters(api):
    create_flavor(api)
    web = boot(api, version="2.52", tags=["web", "prod"]).json["server"]["id"]
    db_ = boot(api, version="2.52", tags=["db", "prod"]).json["server"]["id"]
    bare = boot(api, version="2.52").json["server"]["id"]
    assert set(_ids(_list(api, "tags=web", "2.25"))) == {web, db_, bare}  # ignored
    assert _ids(_list(api, "tags=web,prod", "2.26")) == [web]
    assert set(_ids(_list(api, "tags-any=web,db", "2.26"))) == {web, db_}
    assert set(_ids(_list(api, "not-tags=web,prod", "2.26"))) == {db_, bare}
    assert _ids(_list(api, "not-tags-any=prod", "2.26")) == [bare]


def test_changes_since_includes_deletes_and_changes_before_from_2_66(api, db):
    create_flavor(api)
    old = boot(api).json["server"]["id"]
    gone = boot(api).json["server"]["id"]
    instance_service.mark_deleted(db, gone)
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    with db.writer() as session:
        session.get(models.Instance, old).updated_at = past
    cut = (past + datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(_list(api, "", "2.66")) == [old]
    assert _ids(_list(api, f"changes-since={cut}", "2.66")) == [gone]
    assert set(_ids(_list(api, f"changes-before={cut}", "2.65"))) == {old}
    assert _ids(_list(api, f"changes-before={cut}", "2.66")) == [old]
    resp = _list(api, f"changes-since={cut}&changes-before=2000-01-01T00:00:00Z",
                 "2.66")
    assert resp.status_code == 400
    assert _list(api, "changes-since=yesterday", "2.66").status_code == 400
    deleted = _list(api, f"changes-since={cut}", "2.66", detail=True).json["servers"]
    assert deleted[0]["status"] == "DELETED"


def test_lock_reason_from_2_73(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    action = f"/v2.1/servers/{server_id}/action"
    assert api.post(action, json={"lock": {"locked_reason": "audit"}},
                    headers=at(ALICE, "2.72")).status_code == 202
    assert "locked_reason" not in _show(api, server_id, "2.72")
    assert _show(api, server_id, "2.73")["locked_reason"] is None  # 2.72 ignored it
    assert api.post(action, json={"lock": {"locked_reason": ""}},
                    headers=at(ALICE, "2.73")).status_code == 400
    assert api.post(action, json={"lock": {"locked_reason": "audit"}},
                    headers=at(ALICE, "2.73")).status_code == 202
    shown = _show(api, server_id, "2.73")
    assert (shown["locked"], shown["locked_reason"]) == (True, "audit")
    other = boot(api).json["server"]["id"]
    assert _ids(_list(api, "locked=true", "2.73")) == [server_id]
    assert _ids(_list(api, "locked=false", "2.73")) == [other]
    assert set(_ids(_list(api, "locked=true", "2.72"))) == {server_id, other}
    assert _list(api, "locked=maybe", "2.73").status_code == 400
    assert api.post(action, json={"unlock": None},
                    headers=at(ALICE, "2.73")).status_code == 202
    assert _show(api, server_id, "2.73")["locked_reason"] is None


def test_unknown_list_parameters_are_a_400_from_2_75(api):
    create_flavor(api)
    boot(api)
    assert len(_ids(_list(api, "colour=blue", "2.74"))) == 1
    resp = _list(api, "colour=blue", "2.75")
    assert resp.status_code == 400 and "colour" in resp.json["badRequest"]["message"]
    assert _list(api, "sort_key=vcpus", "2.74").status_code == 200  # ignored key
    assert _list(api, "sort_key=vcpus", "2.75").status_code == 400
    assert _list(api, "metadata=x", "2.1").status_code == 400  # joined table


def test_update_answers_the_full_body_from_2_75(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)

    def rename(version):
        resp = api.put(f"/v2.1/servers/{server_id}", json={"server": {"name": "n"}},
                       headers=at(ADMIN, version))
        assert resp.status_code == 200, resp.json
        return resp.json["server"]
    old, new = rename("2.74"), rename("2.75")
    for key in ("OS-EXT-STS:vm_state", "OS-EXT-AZ:availability_zone", "key_name",
                "OS-SRV-USG:launched_at", "OS-EXT-SRV-ATTR:host", "host_status"):
        assert key not in old and key in new
    assert old["name"] == new["name"] == "n" and "locked_reason" in old
    assert set(new) - {"server_groups"} == set(_show(api, server_id, "2.75",
                                                     ADMIN)) - {"server_groups"}


def test_trusted_certificates_from_2_63(api):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    assert "trusted_image_certificates" not in _show(api, server_id, "2.62")
    assert _show(api, server_id, "2.63")["trusted_image_certificates"] is None
    assert boot(api, version="2.62",
                trusted_image_certificates=["c"]).status_code == 400
    resp = boot(api, version="2.63", trusted_image_certificates=["c"])
    assert resp.status_code == 400
    assert "certificate validation is not supported" in resp.json["badRequest"][
        "message"]
    assert boot(api, version="2.63", trusted_image_certificates=None).status_code == 202


def test_server_groups_in_show_and_update_from_2_71(api):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    assert "server_groups" not in _show(api, server_id, "2.70")
    assert _show(api, server_id, "2.71")["server_groups"] == []
    assert "server_groups" not in _list(api, "", "2.71", detail=True).json[
        "servers"][0]


def test_requested_destination_from_2_74(api, db):
    create_flavor(api)
    api.coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    assert boot(api, ADMIN, "2.73", host="node1").status_code == 400
    assert boot(api, ALICE, "2.74", host="node1").status_code == 403
    resp = boot(api, ADMIN, "2.74", host="nowhere")
    assert resp.status_code == 400 and "nowhere could not be found" in resp.json[
        "badRequest"]["message"]
    assert boot(api, ADMIN, "2.74", host="node1",
                hypervisor_hostname="node2").status_code == 400
    resp = boot(api, ADMIN, "2.74", host="node1", hypervisor_hostname="node1")
    assert resp.status_code == 202, resp.json
    instance = instance_service.get(db, resp.json["server"]["id"])
    assert (instance["requested_host"], instance["requested_node"]) == ("node1",
                                                                        "node1")
    assert boot(api, ADMIN, "2.74", availability_zone="nova:node1",
                host="node1").status_code == 400


def test_availability_zone_is_checked(api, db):
    create_flavor(api)
    api.coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    resp = boot(api, availability_zone="elsewhere")
    assert resp.status_code == 400
    assert "availability zone is not available" in resp.json["badRequest"]["message"]
    server_id = boot(api, availability_zone="nova").json["server"]["id"]
    assert _show(api, server_id, "2.1")["OS-EXT-AZ:availability_zone"] == "nova"
    assert boot(api, availability_zone="nova:node1").status_code == 403
    resp = boot(api, ADMIN, availability_zone="nova:node1")
    assert resp.status_code == 202
    assert instance_service.get(db, resp.json["server"]["id"])["requested_host"] \
        == "node1"


def test_personality_is_gone_at_2_57(api):
    create_flavor(api)
    files = [{"path": "/etc/motd", "contents": "aGk="}]
    resp = boot(api, version="2.56", personality=files)
    assert resp.status_code == 400
    assert "Personality files are not supported" in resp.json["badRequest"]["message"]
    resp = boot(api, version="2.57", personality=files)
    assert resp.status_code == 400
    assert "'personality' was unexpected" in resp.json["badRequest"]["message"]


@pytest.mark.parametrize("version,accepted", [
    ("2.31", False), ("2.32", True), ("2.33", False), ("2.41", False),
    ("2.42", True)])
def test_block_device_tags_follow_upstream(api, version, accepted):
    create_flavor(api)
    bdm = [{"source_type": "image", "destination_type": "local", "boot_index": 0,
            "uuid": "img-1", "tag": "root"}]
    resp = boot(api, version=version, block_device_mapping_v2=bdm)
    assert resp.status_code == (202 if accepted else 400), resp.json


def test_network_tags_are_schema_checked_by_version(api):
    create_flavor(api)
    nets = [{"uuid": "00000000-0000-0000-0000-000000000001", "tag": "eth0"}]
    resp = boot(api, version="2.37", networks=nets)
    assert "'tag' was unexpected" in resp.json["badRequest"]["message"]
    resp = boot(api, version="2.42", networks=nets)  # valid: the network is not
    assert "Network 00000000-0000-0000-0000-000000000001 could not be found" in \
        resp.json["badRequest"]["message"]


def test_filters_beyond_the_basic_ones_are_for_admins(api, db):
    create_flavor(api)
    on_node1 = boot_active(api, db, host="node1")
    on_node2 = boot_active(api, db, host="node2")
    assert set(_ids(_list(api, "host=node1", "2.75"))) == {on_node1, on_node2}
    assert _ids(_list(api, "host=node1&all_tenants=1", "2.75", ADMIN)) == [on_node1]
    assert _ids(_list(api, "vm_state=active&node=2&all_tenants=1", "2.75",
                      ADMIN)) == [on_node2]
    assert _ids(_list(api, "ip=10.0.0.1", "2.75")) == []  # no server has addresses


def test_sort_keys_and_directions(api, db):
    create_flavor(api)
    ids = {name: boot(api, name=name).json["server"]["id"] for name in ("b", "a", "c")}
    names = [s["name"] for s in _list(api, "sort_key=display_name&sort_dir=asc",
                                      "2.75").json["servers"]]
    assert names == ["a", "b", "c"]
    names = [s["name"] for s in _list(api, "sort_key=display_name", "2.75").json[
        "servers"]]
    assert names == ["c", "b", "a"]
    assert _list(api, "sort_key=display_name&sort_dir=up", "2.75").status_code == 400
    instance_service.update(db, ids["a"], locked=True)
    first = _list(api, "sort_key=locked&sort_key=display_name&sort_dir=desc&sort_dir=asc",
                  "2.73").json["servers"][0]
    assert first["name"] == "a"


def test_projects_still_isolated_with_filters(api):
    create_flavor(api)
    boot(api, version="2.52", tags=["x"])
    assert _ids(_list(api, "tags=x", "2.75", BOB)) == []


def test_more_filters_for_everyone_from_2_83(api, db):
    create_flavor(api)
    api.post("/v2.1/os-keypairs", json={"keypair": {"name": "k1"}}, headers=ALICE)
    keyed = boot(api, key_name="k1").json["server"]["id"]
    active = boot_active(api, db)
    assert len(_ids(_list(api, "key_name=k1", "2.82"))) == 2  # dropped: not admin
    assert _ids(_list(api, "key_name=k1", "2.83")) == [keyed]
    assert _ids(_list(api, "vm_state=active", "2.83")) == [active]
    assert set(_ids(_list(api, "user_id=alice", "2.83"))) == {keyed, active}
    assert _ids(_list(api, "availability_zone=nova&task_state=scheduling",
                      "2.83")) == [keyed]


def test_hostname_from_2_90_and_fqdn_from_2_94(api, db):
    create_flavor(api)
    assert boot(api, version="2.89", hostname="web1").status_code == 400
    server_id = boot(api, version="2.90", name="Web Server", hostname="web1").json[
        "server"]["id"]
    assert "OS-EXT-SRV-ATTR:hostname" not in _show(api, server_id, "2.89")
    assert _show(api, server_id, "2.90")["OS-EXT-SRV-ATTR:hostname"] == "web1"
    plain = boot(api, name="Web Server").json["server"]["id"]
    assert _show(api, plain, "2.90")["OS-EXT-SRV-ATTR:hostname"] == "web-server"
    assert boot(api, version="2.93", hostname="web1.example.org").status_code == 400
    fqdn = boot(api, version="2.94", hostname="web1.example.org")
    assert fqdn.status_code == 202, fqdn.json
    resp = api.put(f"/v2.1/servers/{server_id}", json={"server": {"hostname": "web2"}},
                   headers=at(ALICE, "2.90"))
    assert resp.json["server"]["OS-EXT-SRV-ATTR:hostname"] == "web2"
    assert api.put(f"/v2.1/servers/{server_id}", json={"server": {"hostname": "x"}},
                   headers=at(ALICE, "2.89")).status_code == 400
    assert _ids(_list(api, "hostname=web2&all_tenants=1", "2.90", ADMIN)) == [server_id]


def test_pinned_zone_image_properties_and_hints_from_2_96(api):
    create_flavor(api)
    pinned = boot(api, availability_zone="nova").json["server"]["id"]
    free = boot(api, imageRef="img-props").json["server"]["id"]
    assert "pinned_availability_zone" not in _show(api, pinned, "2.95")
    assert _show(api, pinned, "2.96")["pinned_availability_zone"] == "nova"
    assert _show(api, free, "2.96")["pinned_availability_zone"] is None
    assert "properties" not in _show(api, free, "2.97")["image"]
    assert _show(api, free, "2.98")["image"]["properties"] == {
        "hw_disk_bus": "virtio", "os_distro": "debian"}
    resp = api.post("/v2.1/servers", json={
        "server": {"name": "hinted", "imageRef": "img-1", "flavorRef": "1",
                   "networks": "none"},
        "os:scheduler_hints": {"same_host": [pinned]}}, headers=at(ALICE, "2.99"))
    hinted = resp.json["server"]["id"]
    assert "OS-SCH-HNT:scheduler_hints" not in _show(api, hinted, "2.99")
    assert _show(api, hinted, "2.100")["OS-SCH-HNT:scheduler_hints"] == {
        "same_host": [pinned]}
    assert _show(api, free, "2.100")["OS-SCH-HNT:scheduler_hints"] == {}
    detail = _list(api, "", "2.100", detail=True).json["servers"]
    assert all("OS-SCH-HNT:scheduler_hints" in s for s in detail)


def test_rebuild_takes_hostname_from_2_90_and_keeps_the_new_image_properties(api, db):
    create_flavor(api)
    server_id = boot_active(api, db)
    path = f"/v2.1/servers/{server_id}/action"
    rebuild = {"rebuild": {"imageRef": "img-props", "hostname": "rebuilt"}}
    assert api.post(path, json=rebuild, headers=at(ALICE, "2.89")).status_code == 400
    resp = api.post(path, json=rebuild, headers=at(ALICE, "2.98"))
    assert resp.status_code == 202, resp.json
    server = resp.json["server"]
    assert server["OS-EXT-SRV-ATTR:hostname"] == "rebuilt"
    assert server["image"]["properties"] == {"hw_disk_bus": "virtio",
                                             "os_distro": "debian"}

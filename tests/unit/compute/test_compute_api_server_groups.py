"""Server groups (os-server-groups): bodies at 2.13, 2.15 and 2.64, quotas, members
joining with the group hint, and the server's server_groups (2.71)."""

from compute_api import ADMIN, ALICE, BOB, at, boot, create_flavor

from sovra_compute.service import instance as instance_service
from sovra_compute.service import server_group


def _create(api, version, headers=ALICE, **group):
    return api.post("/v2.1/os-server-groups", json={"server_group": group},
                    headers=at(headers, version))


def test_bodies_by_version(api):
    resp = _create(api, "2.1", name="g1", policies=["anti-affinity"])
    assert resp.status_code == 200, resp.json
    assert resp.json["server_group"] == {
        "id": resp.json["server_group"]["id"], "name": "g1",
        "policies": ["anti-affinity"], "members": [], "metadata": {}}
    group_id = resp.json["server_group"]["id"]
    shown = api.get(f"/v2.1/os-server-groups/{group_id}",
                    headers=at(ALICE, "2.13")).json["server_group"]
    assert (shown["project_id"], shown["user_id"]) == ("proj-a", "alice")
    shown = api.get(f"/v2.1/os-server-groups/{group_id}",
                    headers=at(ALICE, "2.64")).json["server_group"]
    assert (shown["policy"], shown["rules"]) == ("anti-affinity", {})
    assert "policies" not in shown and "metadata" not in shown
    assert _create(api, "2.14", name="s", policies=["soft-affinity"]).status_code == 400
    assert _create(api, "2.15", name="s", policies=["soft-affinity"]).status_code == 200
    assert _create(api, "2.63", name="r", policy="anti-affinity").status_code == 400
    resp = _create(api, "2.64", name="r", policy="anti-affinity",
                   rules={"max_server_per_host": 2})
    assert resp.json["server_group"]["rules"] == {"max_server_per_host": 2}
    resp = _create(api, "2.64", name="r", policy="affinity",
                   rules={"max_server_per_host": 2})
    assert resp.status_code == 400 and "Only anti-affinity" in resp.json[
        "badRequest"]["message"]
    assert _create(api, "2.64", name="r", policy="anti-affinity",
                   rules={"max_server_per_host": 0}).status_code == 400
    assert _create(api, "2.1", name="two", policies=["affinity", "anti-affinity"]) \
        .status_code == 400


def test_projects_quota_list_and_delete(api):
    api.put("/v2.1/os-quota-sets/proj-a", json={"quota_set": {"server_groups": 2}},
            headers=ADMIN)
    ids = [_create(api, "2.64", name=f"g{i}", policy="affinity").json[
        "server_group"]["id"] for i in range(2)]
    resp = _create(api, "2.64", name="g3", policy="affinity")
    assert resp.status_code == 403
    absolute = api.get("/v2.1/limits", headers=ALICE).json["limits"]["absolute"]
    assert (absolute["maxServerGroups"], absolute["totalServerGroupsUsed"]) == (2, 2)
    assert _create(api, "2.64", BOB, name="b", policy="affinity").status_code == 200
    listed = api.get("/v2.1/os-server-groups", headers=ALICE).json["server_groups"]
    assert [g["id"] for g in listed] == ids
    page = api.get("/v2.1/os-server-groups?limit=1&offset=1", headers=ALICE).json
    assert [g["id"] for g in page["server_groups"]] == ids[1:]
    assert len(api.get("/v2.1/os-server-groups?all_projects=1",
                       headers=ADMIN).json["server_groups"]) == 3
    assert len(api.get("/v2.1/os-server-groups?all_projects=1",
                       headers=ALICE).json["server_groups"]) == 2  # not an admin
    assert api.get(f"/v2.1/os-server-groups/{ids[0]}", headers=BOB).status_code == 403
    assert api.get("/v2.1/os-server-groups?colour=x",
                   headers=at(ALICE, "2.75")).status_code == 400
    assert api.delete(f"/v2.1/os-server-groups/{ids[0]}",
                      headers=ALICE).status_code == 204
    assert api.get(f"/v2.1/os-server-groups/{ids[0]}", headers=ALICE).status_code \
        == 404


def _boot_in(api, group_id, headers=ALICE, version="2.71"):
    return api.post("/v2.1/servers", json={
        "server": {"name": "member", "imageRef": "img-1", "flavorRef": "1",
                   "networks": "none"},
        "os:scheduler_hints": {"group": group_id}}, headers=at(headers, version))


def test_members_join_with_the_group_hint(api, db):
    create_flavor(api)
    group_id = _create(api, "2.64", name="web", policy="anti-affinity").json[
        "server_group"]["id"]
    resp = _boot_in(api, group_id)
    assert resp.status_code == 202, resp.json
    server_id = resp.json["server"]["id"]
    group = api.get(f"/v2.1/os-server-groups/{group_id}", headers=ALICE).json
    assert group["server_group"]["members"] == [server_id]
    shown = api.get(f"/v2.1/servers/{server_id}", headers=at(ALICE, "2.71")).json
    assert shown["server"]["server_groups"] == [group_id]
    plain = boot(api).json["server"]["id"]
    assert api.get(f"/v2.1/servers/{plain}", headers=at(ALICE, "2.71")).json[
        "server"]["server_groups"] == []
    assert server_group.policy_of(db, server_id) == {
        "uuid": group_id, "policy": "anti-affinity", "rules": {}, "members": []}
    assert server_group.policy_of(db, plain) is None
    instance_service.mark_deleted(db, server_id)
    assert api.get(f"/v2.1/os-server-groups/{group_id}", headers=ALICE).json[
        "server_group"]["members"] == []


def test_group_hint_is_checked_and_members_are_limited(api):
    create_flavor(api)
    api.put("/v2.1/os-quota-sets/proj-a",
            json={"quota_set": {"server_group_members": 1}}, headers=ADMIN)
    group_id = _create(api, "2.64", name="one", policy="affinity").json[
        "server_group"]["id"]
    assert _boot_in(api, "00000000-0000-0000-0000-000000000000").status_code == 400
    theirs = _create(api, "2.64", BOB, name="b", policy="affinity").json[
        "server_group"]["id"]
    assert _boot_in(api, theirs).status_code == 400
    assert _boot_in(api, group_id).status_code == 202
    resp = _boot_in(api, group_id)
    assert resp.status_code == 403
    assert "too many servers in group" in resp.json["forbidden"]["message"]

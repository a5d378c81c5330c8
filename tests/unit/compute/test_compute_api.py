"""The compute API through the Flask test client (noauth, in-memory database):
version discovery, flavors, key pairs, servers and their microversions, faults,
policy."""

import base64

import pytest
from compute_api import ADMIN, ALICE, BOB, PUBLIC_KEY, boot, create_flavor

from sovra_compute.api.microversion import VERSIONS
from sovra_compute.service import compute_service
from sovra_compute.service import instance as instance_service


def test_version_discovery(api):
    versions = api.get("/").json["versions"]
    assert [(v["id"], v["min_version"], v["version"]) for v in versions] == [
        ("v2.1", "2.1", VERSIONS[-1])]
    version = api.get("/v2.1").json["version"]
    assert version["status"] == "CURRENT" and version["links"][0]["href"].endswith(
        "/v2.1/")
    assert version["version"] == VERSIONS[-1]


def test_microversion_negotiation(api):
    resp = api.get("/v2.1/flavors", headers={**ALICE,
                                             "X-OpenStack-Nova-API-Version": "2.999"})
    assert resp.status_code == 406
    resp = api.get("/v2.1/flavors", headers={**ALICE,
                                             "OpenStack-API-Version": "compute latest"})
    assert resp.headers["OpenStack-API-Version"] == f"compute {VERSIONS[-1]}"


def test_flavor_lifecycle_and_extra_specs(api):
    flavor = create_flavor(api, swap=0)
    assert flavor["OS-FLV-EXT-DATA:ephemeral"] == 0 and flavor["swap"] == ""
    assert api.post("/v2.1/flavors", json={"flavor": {
        "name": "x", "ram": 1, "vcpus": 1, "disk": 0}}, headers=ALICE).status_code == 403
    assert api.post("/v2.1/flavors", json={"flavor": {
        "name": "m1.tiny", "ram": 1, "vcpus": 1, "disk": 0}},
        headers=ADMIN).status_code == 409
    listed = api.get("/v2.1/flavors", headers=ALICE).json["flavors"]
    assert [(f["id"], f["name"]) for f in listed] == [("1", "m1.tiny")]
    detail = api.get("/v2.1/flavors/detail", headers=ALICE).json["flavors"][0]
    assert (detail["ram"], detail["vcpus"], detail["disk"]) == (512, 1, 1)
    resp = api.post("/v2.1/flavors/1/os-extra_specs",
                    json={"extra_specs": {"hw:cpu_policy": "dedicated"}}, headers=ADMIN)
    assert resp.json == {"extra_specs": {"hw:cpu_policy": "dedicated"}}
    assert api.get("/v2.1/flavors/1/os-extra_specs/hw:cpu_policy",
                   headers=ALICE).json == {"hw:cpu_policy": "dedicated"}
    assert api.delete("/v2.1/flavors/1/os-extra_specs/hw:cpu_policy",
                      headers=ADMIN).status_code == 202
    assert api.get("/v2.1/flavors/1/os-extra_specs", headers=ALICE).json == {
        "extra_specs": {}}
    assert api.delete("/v2.1/flavors/1", headers=ADMIN).status_code == 202
    resp = api.get("/v2.1/flavors/1", headers=ALICE)
    assert resp.status_code == 404
    assert resp.json["itemNotFound"]["code"] == 404


def test_keypairs_import_generate_and_versions(api):
    v22 = {**ALICE, "OpenStack-API-Version": "compute 2.2"}
    resp = api.post("/v2.1/os-keypairs", json={"keypair": {
        "name": "k1", "public_key": PUBLIC_KEY}}, headers=v22)
    assert resp.status_code == 201
    assert resp.json["keypair"]["type"] == "ssh"
    assert resp.json["keypair"]["fingerprint"].count(":") == 15
    resp = api.post("/v2.1/os-keypairs", json={"keypair": {"name": "k2"}}, headers=ALICE)
    assert resp.status_code == 200  # 2.1
    assert "OPENSSH PRIVATE KEY" in resp.json["keypair"]["private_key"]
    assert "type" not in resp.json["keypair"]
    assert api.post("/v2.1/os-keypairs", json={"keypair": {
        "name": "k1", "public_key": PUBLIC_KEY}}, headers=ALICE).status_code == 409
    assert api.post("/v2.1/os-keypairs", json={"keypair": {
        "name": "bad", "public_key": "nonsense"}}, headers=ALICE).status_code == 400
    names = [k["keypair"]["name"] for k in api.get("/v2.1/os-keypairs",
                                                   headers=ALICE).json["keypairs"]]
    assert names == ["k1", "k2"]
    assert api.get("/v2.1/os-keypairs", headers=BOB).json["keypairs"] == []
    page = api.get("/v2.1/os-keypairs?limit=1", headers={
        **ALICE, "OpenStack-API-Version": "compute 2.35"}).json
    assert [k["keypair"]["name"] for k in page["keypairs"]] == ["k1"]
    assert "marker=k1" in page["keypairs_links"][0]["href"]
    shown = api.get("/v2.1/os-keypairs/k1", headers=ALICE).json["keypair"]
    assert shown["user_id"] == "alice" and shown["public_key"] == PUBLIC_KEY
    assert api.get("/v2.1/os-keypairs/k1", headers=BOB).status_code == 404
    assert api.delete("/v2.1/os-keypairs/k1", headers=v22).status_code == 204


def test_server_create_records_build_and_casts(api):
    create_flavor(api)
    user_data = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
    resp = boot(api, metadata={"a": "b"}, user_data=user_data, description="d")
    assert resp.status_code == 202, resp.json
    server = resp.json["server"]
    assert server["adminPass"] and resp.headers["Location"].endswith(server["id"])
    (args, kwargs), = api.extras["conductor"].named("build_instance")
    assert args[1] == server["id"]
    assert kwargs["image"]["id"] == "img-1"  # as read for the create, for the agent
    shown = api.get(f"/v2.1/servers/{server['id']}", headers={
        **ALICE, "OpenStack-API-Version": "compute 2.37"}).json["server"]
    assert (shown["status"], shown["OS-EXT-STS:vm_state"],
            shown["OS-EXT-STS:task_state"]) == ("BUILD", "building", "scheduling")
    assert shown["metadata"] == {"a": "b"} and shown["description"] == "d"
    assert shown["flavor"]["id"] == "1" and shown["image"]["id"] == "img-1"
    assert shown["locked"] is False and shown["tags"] == []
    assert "OS-EXT-SRV-ATTR:host" not in shown and "host_status" not in shown
    admin_view = api.get(f"/v2.1/servers/{server['id']}", headers={
        **ADMIN, "OpenStack-API-Version": "compute 2.37"}).json["server"]
    assert admin_view["OS-EXT-SRV-ATTR:user_data"] == user_data
    assert admin_view["host_status"] == ""
    old = api.get(f"/v2.1/servers/{server['id']}", headers=ALICE).json["server"]
    assert "locked" not in old and "description" not in old


@pytest.mark.parametrize("extra,version,message", [
    ({"networks": None}, "2.37", ""),
    ({"flavorRef": "nope"}, "2.37", "Flavor nope could not be found"),
    ({"imageRef": "missing"}, "2.37", "Image missing could not be found"),
    ({"imageRef": "queued"}, "2.37", "is not active"),
    ({"key_name": "nokey"}, "2.37", "Invalid key_name"),
    ({"user_data": "***"}, "2.37", "base 64"),
    ({"networks": [{"uuid": "n1"}]}, "2.37", "network uuid is not in proper format"),
    ({"block_device_mapping_v2": [{"source_type": "volume", "uuid": "v"}]}, "2.37",
     "failed to get volume v"),
    ({"block_device_mapping_v2": [{"source_type": "snapshot", "uuid": "s",
                                   "destination_type": "volume"}]}, "2.37",
     "is not supported"),
])
def test_server_create_validation(api, extra, version, message):
    create_flavor(api)
    body_extra = {k: v for k, v in extra.items() if v is not None}
    if extra.get("networks", 1) is None:
        resp = api.post("/v2.1/servers", json={"server": {
            "name": "vm", "imageRef": "img-1", "flavorRef": "1"}},
            headers={**ALICE, "OpenStack-API-Version": "compute 2.37"})
    else:
        resp = boot(api, version=version, **body_extra)
    assert resp.status_code == 400, resp.json
    assert message in resp.json["badRequest"]["message"]
    assert api.extras["conductor"].calls == []


def test_networks_optional_before_2_37(api):
    create_flavor(api)
    resp = api.post("/v2.1/servers", json={"server": {
        "name": "vm", "imageRef": "img-1", "flavorRef": "1"}}, headers=ALICE)
    assert resp.status_code == 202


def test_servers_are_isolated_between_projects(api):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    assert api.get(f"/v2.1/servers/{server_id}", headers=BOB).status_code == 404
    assert api.get("/v2.1/servers", headers=BOB).json["servers"] == []
    assert api.delete(f"/v2.1/servers/{server_id}", headers=BOB).status_code == 404
    reader = {**ALICE, "X-Roles": "reader"}
    assert api.get(f"/v2.1/servers/{server_id}", headers=reader).status_code == 200
    assert api.delete(f"/v2.1/servers/{server_id}", headers=reader).status_code == 403
    assert [s["id"] for s in api.get("/v2.1/servers?all_tenants=1",
                                     headers=ADMIN).json["servers"]] == [server_id]
    assert api.get("/v2.1/servers?all_tenants=1", headers=ALICE).status_code == 403


def test_list_filters_and_pagination(api):
    create_flavor(api)
    ids = [boot(api, name=f"vm-{i}").json["server"]["id"] for i in range(3)]
    listed = api.get("/v2.1/servers/detail?limit=2", headers=ALICE).json
    assert [s["id"] for s in listed["servers"]] == ids[::-1][:2]
    assert "marker=" in listed["servers_links"][0]["href"]
    rest = api.get(f"/v2.1/servers?marker={ids[1]}", headers=ALICE).json["servers"]
    assert [s["id"] for s in rest] == [ids[0]]
    named = api.get("/v2.1/servers?name=vm-2", headers=ALICE).json["servers"]
    assert [s["name"] for s in named] == ["vm-2"]
    assert api.get("/v2.1/servers?status=ACTIVE", headers=ALICE).json["servers"] == []


def test_actions_need_the_right_state(api, db):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    resp = api.post(f"/v2.1/servers/{server_id}/action", json={"os-stop": None},
                    headers=ALICE)
    assert resp.status_code == 409
    assert "conflictingRequest" in resp.json
    instance_service.update(db, server_id, host="node1", vm_state="active",
                            task_state=None)
    assert api.post(f"/v2.1/servers/{server_id}/action", json={"os-start": None},
                    headers=ALICE).status_code == 409
    assert api.post(f"/v2.1/servers/{server_id}/action", json={"os-stop": None},
                    headers=ALICE).status_code == 202
    (args, _), = api.extras["agents"].named("stop_instance")
    assert args[1] == "node1"
    shown = api.get(f"/v2.1/servers/{server_id}", headers=ALICE).json["server"]
    assert shown["OS-EXT-STS:task_state"] == "powering-off"
    assert api.post(f"/v2.1/servers/{server_id}/action", json={"reboot": {
        "type": "SOFT"}}, headers=ALICE).status_code == 409  # a task is running
    assert api.post(f"/v2.1/servers/{server_id}/action", json={"explode": None},
                    headers=ALICE).status_code == 400


def test_error_server_shows_its_fault(api, db):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    instance_service.add_fault(db, server_id, code=500, message="No valid host",
                               details="trace")
    instance_service.update(db, server_id, vm_state="error", task_state=None)
    shown = api.get(f"/v2.1/servers/{server_id}", headers=ALICE).json["server"]
    assert shown["status"] == "ERROR"
    assert shown["fault"]["message"] == "No valid host"
    assert "details" not in shown["fault"]
    admin = api.get(f"/v2.1/servers/{server_id}", headers=ADMIN).json["server"]
    assert admin["fault"]["details"] == "trace"


def test_delete_marks_and_casts(api):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    assert api.delete(f"/v2.1/servers/{server_id}", headers=ALICE).status_code == 204
    (args, _), = api.extras["conductor"].named("delete_instance")
    assert args[1] == server_id
    shown = api.get(f"/v2.1/servers/{server_id}", headers=ALICE).json["server"]
    assert shown["OS-EXT-STS:task_state"] == "deleting"


def test_os_services_state_and_updates(api):
    api.coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    assert api.get("/v2.1/os-services", headers=ALICE).status_code == 403
    services = api.get("/v2.1/os-services", headers=ADMIN).json["services"]
    assert [(s["host"], s["state"], s["status"]) for s in services] == [
        ("node1", "up", "enabled")]
    resp = api.put("/v2.1/os-services/disable-log-reason", json={
        "host": "node1", "binary": "nova-compute", "disabled_reason": "maint"},
        headers=ADMIN)
    assert resp.json["service"]["status"] == "disabled"
    resp = api.put("/v2.1/os-services/force-down", json={
        "host": "node1", "binary": "nova-compute", "forced_down": True},
        headers={**ADMIN, "OpenStack-API-Version": "compute 2.11"})
    assert resp.json["service"]["forced_down"] is True
    service, = api.get("/v2.1/os-services", headers={
        **ADMIN, "OpenStack-API-Version": "compute 2.11"}).json["services"]
    assert (service["state"], service["status"], service["forced_down"]) == (
        "down", "disabled", True)
    assert api.put("/v2.1/os-services/enable", json={
        "host": "nowhere", "binary": "nova-compute"}, headers=ADMIN).status_code == 404


def test_quota_exceeded_is_403_with_upstream_message(api):
    create_flavor(api)
    resp = api.put("/v2.1/os-quota-sets/proj-a", json={"quota_set": {
        "instances": 2, "cores": 10}}, headers=ADMIN)
    assert resp.status_code == 200 and resp.json["quota_set"]["instances"] == 2
    assert api.put("/v2.1/os-quota-sets/proj-a", json={"quota_set": {
        "instances": 5}}, headers=ALICE).status_code == 403
    for _ in range(2):
        assert boot(api).status_code == 202
    resp = boot(api)
    assert resp.status_code == 403
    assert resp.json == {"forbidden": {"code": 403, "message": (
        "Quota exceeded for instances: Requested 1, but already used 2 of 2 "
        "instances")}}
    absolute = api.get("/v2.1/limits", headers=ALICE).json["limits"]["absolute"]
    assert (absolute["maxTotalInstances"], absolute["totalInstancesUsed"],
            absolute["totalCoresUsed"], absolute["totalRAMUsed"]) == (2, 2, 2, 1024)
    assert boot(api, headers=BOB).status_code == 202  # other projects unaffected
    shown = api.get("/v2.1/os-quota-sets/proj-a", headers=ALICE).json["quota_set"]
    assert (shown["id"], shown["instances"], shown["cores"], shown["ram"]) == (
        "proj-a", 2, 10, 51200)
    defaults = api.get("/v2.1/os-quota-sets/proj-a/defaults",
                       headers=ALICE).json["quota_set"]
    assert defaults["instances"] == 10


def test_cores_and_ram_quota_together(api):
    create_flavor(api)
    api.put("/v2.1/os-quota-sets/proj-a", json={"quota_set": {"cores": 0, "ram": 100}},
            headers=ADMIN)
    resp = boot(api)
    assert resp.json["forbidden"]["message"] == (
        "Quota exceeded for cores, ram: Requested 1, 512, but already used 0, 0 of "
        "0, 100 cores, ram")


def test_keypair_quota(api):
    api.put("/v2.1/os-quota-sets/proj-a", json={"quota_set": {"key_pairs": 1}},
            headers=ADMIN)
    assert api.post("/v2.1/os-keypairs", json={"keypair": {"name": "k1"}},
                    headers=ALICE).status_code == 200
    resp = api.post("/v2.1/os-keypairs", json={"keypair": {"name": "k2"}},
                    headers=ALICE)
    assert resp.status_code == 403
    assert resp.json["forbidden"]["message"] == "Quota exceeded, too many key pairs."


def test_hypervisors_from_agents_and_placement(api):
    api.coordinator.heartbeat(compute_service.AGENTS_GROUP, "node1", {})
    assert api.get("/v2.1/os-hypervisors", headers=ALICE).status_code == 403
    brief, = api.get("/v2.1/os-hypervisors", headers=ADMIN).json["hypervisors"]
    assert (brief["hypervisor_hostname"], brief["state"], brief["status"]) == (
        "node1", "up", "enabled")
    detail = api.get(f"/v2.1/os-hypervisors/{brief['id']}",
                     headers=ADMIN).json["hypervisor"]
    assert (detail["vcpus"], detail["vcpus_used"], detail["free_ram_mb"],
            detail["running_vms"]) == (8, 2, 3072, 0)
    stats = api.get("/v2.1/os-hypervisors/statistics",
                    headers=ADMIN).json["hypervisor_statistics"]
    assert (stats["count"], stats["local_gb"]) == (1, 100)
    assert api.get("/v2.1/os-hypervisors/99", headers=ADMIN).status_code == 404


def test_update_renames_and_describes(api):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    v219 = {**ALICE, "OpenStack-API-Version": "compute 2.19"}
    resp = api.put(f"/v2.1/servers/{server_id}", json={"server": {
        "name": "renamed", "description": "web"}}, headers=v219)
    assert resp.status_code == 200
    assert (resp.json["server"]["name"], resp.json["server"]["description"]) == (
        "renamed", "web")
    assert api.put(f"/v2.1/servers/{server_id}", json={"server": {
        "description": "x"}}, headers=ALICE).status_code == 400
    assert api.put(f"/v2.1/servers/{server_id}", json={"server": {"name": "x"}},
                   headers=BOB).status_code == 404


def test_pause_suspend_and_lock(api, db):
    create_flavor(api)
    server_id = boot(api).json["server"]["id"]
    instance_service.update(db, server_id, host="node1", vm_state="active",
                            task_state=None)

    def act(body, headers=ALICE):
        return api.post(f"/v2.1/servers/{server_id}/action", json=body,
                        headers=headers)
    assert act({"unpause": None}).status_code == 409
    assert act({"pause": None}).status_code == 202
    assert api.extras["agents"].named("pause_instance")[0][0][1] == "node1"
    instance_service.update(db, server_id, vm_state="paused", task_state=None)
    shown = api.get(f"/v2.1/servers/{server_id}", headers=ALICE).json["server"]
    assert shown["status"] == "PAUSED"
    assert act({"unpause": None}).status_code == 202
    instance_service.update(db, server_id, vm_state="active", task_state=None)
    assert act({"suspend": None}).status_code == 202
    instance_service.update(db, server_id, vm_state="suspended", task_state=None)
    assert act({"resume": None}).status_code == 202
    instance_service.update(db, server_id, vm_state="active", task_state=None)

    v29 = {**ALICE, "OpenStack-API-Version": "compute 2.9"}
    assert act({"lock": None}).status_code == 202
    assert api.get(f"/v2.1/servers/{server_id}", headers=v29).json["server"]["locked"]
    assert act({"os-stop": None}).status_code == 409
    assert api.delete(f"/v2.1/servers/{server_id}", headers=ALICE).status_code == 409
    assert act({"os-stop": None}, headers=ADMIN).status_code == 202  # admins override
    assert act({"unlock": None}).status_code == 202
    assert not api.get(f"/v2.1/servers/{server_id}",
                       headers=v29).json["server"]["locked"]

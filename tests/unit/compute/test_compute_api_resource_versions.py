"""Flavors, limits, quota sets, os-services, os-hypervisors, availability zones and
usage reports across microversions: each change at the version before and its own."""

import datetime

import pytest
from compute_api import (
    ADMIN,
    ALICE,
    BOB,
    PUBLIC_KEY,
    at,
    boot,
    boot_active,
    create_flavor,
)

from sovra_compute import placement_client
from sovra_compute.db import models
from sovra_compute.service import compute_service
from sovra_compute.service import instance as instance_service


def test_flavor_description_from_2_55(api):
    body = {"name": "small", "ram": 512, "vcpus": 1, "disk": 1, "id": "s",
            "description": "for tests"}
    assert api.post("/v2.1/flavors", json={"flavor": body},
                    headers=at(ADMIN, "2.54")).status_code == 400
    resp = api.post("/v2.1/flavors", json={"flavor": body}, headers=at(ADMIN, "2.55"))
    assert resp.status_code == 200 and resp.json["flavor"]["description"] == "for tests"
    assert "description" not in api.get("/v2.1/flavors/s", headers=at(
        ALICE, "2.54")).json["flavor"]
    brief = api.get("/v2.1/flavors", headers=at(ALICE, "2.55")).json["flavors"][0]
    assert brief["description"] == "for tests"
    update = {"flavor": {"description": "changed"}}
    assert api.put("/v2.1/flavors/s", json=update,
                   headers=at(ADMIN, "2.54")).status_code == 404
    assert api.put("/v2.1/flavors/s", json=update,
                   headers=at(ALICE, "2.55")).status_code == 403
    resp = api.put("/v2.1/flavors/s", json=update, headers=at(ADMIN, "2.55"))
    assert resp.json["flavor"]["description"] == "changed"
    assert api.put("/v2.1/flavors/s", json={"flavor": {"name": "x"}},
                   headers=at(ADMIN, "2.55")).status_code == 400
    assert api.put("/v2.1/flavors/nope", json=update,
                   headers=at(ADMIN, "2.55")).status_code == 404


def test_flavor_extra_specs_in_bodies_from_2_61(api):
    create_flavor(api)
    api.post("/v2.1/flavors/1/os-extra_specs", json={"extra_specs": {"k": "v"}},
             headers=ADMIN)
    assert "extra_specs" not in api.get("/v2.1/flavors/1", headers=at(
        ALICE, "2.60")).json["flavor"]
    assert api.get("/v2.1/flavors/1", headers=at(ALICE, "2.61")).json["flavor"][
        "extra_specs"] == {"k": "v"}
    detail = api.get("/v2.1/flavors/detail", headers=at(ALICE, "2.61")).json
    assert detail["flavors"][0]["extra_specs"] == {"k": "v"}
    brief = api.get("/v2.1/flavors", headers=at(ALICE, "2.61")).json["flavors"][0]
    assert "extra_specs" not in brief


def test_flavor_swap_is_0_from_2_75(api):
    create_flavor(api)
    assert api.get("/v2.1/flavors/1", headers=at(ALICE, "2.74")).json["flavor"][
        "swap"] == ""
    assert api.get("/v2.1/flavors/1", headers=at(ALICE, "2.75")).json["flavor"][
        "swap"] == 0


def test_limits_lose_image_meta_and_personality(api):
    def absolute(version):
        return api.get("/v2.1/limits", headers=at(ALICE, version)).json["limits"][
            "absolute"]
    assert "maxImageMeta" in absolute("2.38")
    assert "maxImageMeta" not in absolute("2.39")
    assert "maxPersonality" in absolute("2.56")
    limits = absolute("2.57")
    assert "maxPersonality" not in limits and "maxPersonalitySize" not in limits
    assert limits["maxServerMeta"] == 128


def test_quota_sets_lose_injected_files_at_2_57(api):
    old = api.get("/v2.1/os-quota-sets/proj-a", headers=at(ALICE, "2.56")).json
    new = api.get("/v2.1/os-quota-sets/proj-a", headers=at(ALICE, "2.57")).json
    assert old["quota_set"]["injected_files"] == 5
    for key in ("injected_files", "injected_file_content_bytes",
                "injected_file_path_bytes"):
        assert key not in new["quota_set"]
    assert new["quota_set"]["instances"] == 10


def _agent(api, host="node1"):
    api.coordinator.heartbeat(compute_service.AGENTS_GROUP, host, {})


def test_services_by_uuid_from_2_53(api, db):
    _agent(api)
    old, = api.get("/v2.1/os-services", headers=at(ADMIN, "2.52")).json["services"]
    new, = api.get("/v2.1/os-services", headers=at(ADMIN, "2.53")).json["services"]
    assert isinstance(old["id"], int) and len(new["id"]) == 36
    path = f"/v2.1/os-services/{new['id']}"
    resp = api.put(path, json={"status": "disabled", "disabled_reason": "maint"},
                   headers=at(ADMIN, "2.53"))
    assert resp.status_code == 200
    service = resp.json["service"]
    assert (service["id"], service["status"], service["disabled_reason"],
            service["state"]) == (new["id"], "disabled", "maint", "up")
    resp = api.put(path, json={"forced_down": True}, headers=at(ADMIN, "2.53"))
    assert (resp.json["service"]["state"], resp.json["service"]["forced_down"]) == (
        "down", True)
    assert api.put(path, json={}, headers=at(ADMIN, "2.53")).status_code == 400
    assert api.put(path, json={"status": "enabled", "disabled_reason": "x"},
                   headers=at(ADMIN, "2.53")).status_code == 400
    assert api.put("/v2.1/os-services/enable", json={"status": "enabled"},
                   headers=at(ADMIN, "2.53")).status_code == 400  # not a uuid
    assert api.put("/v2.1/os-services/00000000-0000-0000-0000-000000000000",
                   json={"status": "enabled"},
                   headers=at(ADMIN, "2.53")).status_code == 404
    assert api.put("/v2.1/os-services/enable", json={
        "host": "node1", "binary": "nova-compute"},
        headers=at(ADMIN, "2.52")).json["service"]["status"] == "enabled"
    assert api.put(path, json={"status": "enabled"},
                   headers=at(ALICE, "2.53")).status_code == 403


def test_service_delete(api, db):
    create_flavor(api)
    _agent(api, "node1")
    _agent(api, "node2")
    services = {s["host"]: s for s in api.get(
        "/v2.1/os-services", headers=at(ADMIN, "2.53")).json["services"]}
    boot_active(api, db, host="node1")
    resp = api.delete(f"/v2.1/os-services/{services['node1']['id']}",
                      headers=at(ADMIN, "2.53"))
    assert resp.status_code == 409
    api.coordinator.leave(compute_service.AGENTS_GROUP, "node2")
    assert api.delete(f"/v2.1/os-services/{services['node2']['id']}",
                      headers=at(ADMIN, "2.52")).status_code == 404  # 2.52: integer ids
    number = api.get("/v2.1/os-services", headers=at(ADMIN, "2.52")).json["services"]
    number = {s["host"]: s["id"] for s in number}["node2"]
    assert api.delete(f"/v2.1/os-services/{number}",
                      headers=at(ADMIN, "2.52")).status_code == 204
    hosts = [s["host"] for s in api.get("/v2.1/os-services",
                                        headers=ADMIN).json["services"]]
    assert hosts == ["node1"]
    assert api.delete("/v2.1/os-services/x", headers=at(ADMIN, "2.53")).status_code \
        == 400


def test_hypervisors_by_uuid_from_2_53(api, db):
    create_flavor(api)
    _agent(api, "node1")
    _agent(api, "node2")
    old = api.get("/v2.1/os-hypervisors", headers=at(ADMIN, "2.52")).json
    new = api.get("/v2.1/os-hypervisors", headers=at(ADMIN, "2.53")).json
    assert [h["id"] for h in old["hypervisors"]] == [1, 2]
    assert [h["id"] for h in new["hypervisors"]] == [
        placement_client.node_uuid("node1"), placement_client.node_uuid("node2")]
    uuid1 = new["hypervisors"][0]["id"]
    shown = api.get(f"/v2.1/os-hypervisors/{uuid1}", headers=at(ADMIN, "2.53")).json
    assert shown["hypervisor"]["hypervisor_hostname"] == "node1"
    assert len(shown["hypervisor"]["service"]["id"]) == 36
    assert api.get("/v2.1/os-hypervisors/1", headers=at(ADMIN, "2.53")).status_code \
        == 400
    assert api.get(f"/v2.1/os-hypervisors/{uuid1}",
                   headers=at(ADMIN, "2.52")).status_code == 404
    found = api.get("/v2.1/os-hypervisors?hypervisor_hostname_pattern=de2",
                    headers=at(ADMIN, "2.53")).json["hypervisors"]
    assert [h["hypervisor_hostname"] for h in found] == ["node2"]
    assert api.get("/v2.1/os-hypervisors?hypervisor_hostname_pattern=zz",
                   headers=at(ADMIN, "2.53")).status_code == 404
    assert api.get("/v2.1/os-hypervisors?hypervisor_hostname_pattern=n&limit=1",
                   headers=at(ADMIN, "2.53")).status_code == 400
    assert api.get("/v2.1/os-hypervisors?colour=x",
                   headers=at(ADMIN, "2.53")).status_code == 400


def test_hypervisor_servers_and_search(api, db):
    create_flavor(api)
    _agent(api, "node1")
    _agent(api, "node2")
    server_id = boot_active(api, db, host="node1")

    def servers(version, query="with_servers=true", path="/v2.1/os-hypervisors"):
        resp = api.get(f"{path}?{query}", headers=at(ADMIN, version))
        assert resp.status_code == 200, resp.json
        return {h["hypervisor_hostname"]: h.get("servers")
                for h in resp.json["hypervisors"]}
    listed = servers("2.53")
    assert [s["uuid"] for s in listed["node1"]] == [server_id]
    assert listed["node2"] is None  # before 2.75: no key for a node with no server
    assert servers("2.75")["node2"] == []
    assert servers("2.75", "")["node1"] is None  # not asked for
    assert servers("2.52", "", "/v2.1/os-hypervisors/node1/servers")["node1"][0][
        "uuid"] == server_id
    assert api.get("/v2.1/os-hypervisors/node1/servers",
                   headers=at(ADMIN, "2.53")).status_code == 404
    found = api.get("/v2.1/os-hypervisors/node/search", headers=at(ADMIN, "2.52"))
    assert len(found.json["hypervisors"]) == 2
    assert api.get("/v2.1/os-hypervisors/zz/search",
                   headers=at(ADMIN, "2.52")).status_code == 404


def test_hypervisor_pages_from_2_33_and_cpu_info_from_2_28(api):
    for host in ("node1", "node2", "node3"):
        _agent(api, host)
    assert len(api.get("/v2.1/os-hypervisors?limit=1", headers=at(
        ADMIN, "2.32")).json["hypervisors"]) == 3
    page = api.get("/v2.1/os-hypervisors?limit=2", headers=at(ADMIN, "2.33")).json
    assert [h["id"] for h in page["hypervisors"]] == [1, 2]
    assert "marker=2" in page["hypervisors_links"][0]["href"]
    rest = api.get("/v2.1/os-hypervisors/detail?marker=2",
                   headers=at(ADMIN, "2.33")).json["hypervisors"]
    assert [h["hypervisor_hostname"] for h in rest] == ["node3"]
    assert api.get("/v2.1/os-hypervisors?marker=99",
                   headers=at(ADMIN, "2.33")).status_code == 400
    assert api.get("/v2.1/os-hypervisors/1", headers=at(ADMIN, "2.27")).json[
        "hypervisor"]["cpu_info"] == "{}"
    assert api.get("/v2.1/os-hypervisors/1", headers=at(ADMIN, "2.28")).json[
        "hypervisor"]["cpu_info"] == {}


def test_availability_zones(api):
    assert api.get("/v2.1/os-availability-zone", headers=ALICE).json == {
        "availabilityZoneInfo": []}
    _agent(api, "node1")
    assert api.get("/v2.1/os-availability-zone", headers=ALICE).json == {
        "availabilityZoneInfo": [{"zoneName": "nova", "zoneState": {"available": True},
                                  "hosts": None}]}
    assert api.get("/v2.1/os-availability-zone/detail",
                   headers=ALICE).status_code == 403
    zone, = api.get("/v2.1/os-availability-zone/detail",
                    headers=ADMIN).json["availabilityZoneInfo"]
    node = zone["hosts"]["node1"]["nova-compute"]
    assert (node["available"], node["active"]) == (True, True)
    api.put("/v2.1/os-services/disable", json={"host": "node1",
                                               "binary": "nova-compute"},
            headers=ADMIN)
    zone, = api.get("/v2.1/os-availability-zone", headers=ALICE).json[
        "availabilityZoneInfo"]
    assert zone["zoneState"] == {"available": False}


def _launched(db, server_id, launched, terminated=None):
    with db.writer() as session:
        row = session.get(models.Instance, server_id)
        row.launched_at, row.terminated_at = launched, terminated
        if terminated is not None:
            row.deleted, row.vm_state = True, "deleted"


def test_simple_tenant_usage(api, db):
    create_flavor(api)
    base = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    running = boot(api).json["server"]["id"]
    _launched(db, running, base + datetime.timedelta(hours=1))
    ended = boot(api).json["server"]["id"]
    _launched(db, ended, base, base + datetime.timedelta(hours=3))
    boot(api, headers=BOB)  # never launched: no usage
    period = "start=2024-01-01T00:00:00&end=2024-01-01T05:00:00"
    usage = api.get(f"/v2.1/os-simple-tenant-usage/proj-a?{period}",
                    headers=ALICE).json["tenant_usage"]
    assert usage["total_hours"] == pytest.approx(4 + 3)
    assert usage["total_memory_mb_usage"] == pytest.approx(512 * 7)
    assert usage["start"] == "2024-01-01T00:00:00"
    servers = {s["instance_id"]: s for s in usage["server_usages"]}
    assert servers[ended]["state"] == "terminated"
    assert servers[ended]["ended_at"] == "2024-01-01T03:00:00"
    assert servers[running]["state"] == "building"
    assert api.get(f"/v2.1/os-simple-tenant-usage/proj-a?{period}",
                   headers=BOB).status_code == 403
    assert api.get(f"/v2.1/os-simple-tenant-usage?{period}",
                   headers=ALICE).status_code == 403
    listed = api.get(f"/v2.1/os-simple-tenant-usage?{period}", headers=ADMIN).json
    assert [u["tenant_id"] for u in listed["tenant_usages"]] == ["proj-a"]
    assert "server_usages" not in listed["tenant_usages"][0]
    assert api.get("/v2.1/os-simple-tenant-usage?start=2024-02-01T00:00:00&"
                   "end=2024-01-01T00:00:00", headers=ADMIN).status_code == 400
    assert api.get("/v2.1/os-simple-tenant-usage?start=tuesday",
                   headers=ADMIN).status_code == 400
    assert api.get(f"/v2.1/os-simple-tenant-usage/proj-b?{period}",
                   headers=ADMIN).json == {"tenant_usage": {}}


def test_simple_tenant_usage_pages_from_2_40(api, db):
    create_flavor(api)
    base = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    ids = [boot(api).json["server"]["id"] for _ in range(3)]
    for server_id in ids:
        _launched(db, server_id, base)
    period = "start=2024-01-01T00:00:00&end=2024-01-01T01:00:00&detailed=1"
    old = api.get(f"/v2.1/os-simple-tenant-usage?{period}&limit=1",
                  headers=at(ADMIN, "2.39")).json
    assert len(old["tenant_usages"][0]["server_usages"]) == 3  # limit ignored
    page = api.get(f"/v2.1/os-simple-tenant-usage?{period}&limit=2",
                   headers=at(ADMIN, "2.40")).json
    assert len(page["tenant_usages"][0]["server_usages"]) == 2
    marker = page["tenant_usages"][0]["server_usages"][-1]["instance_id"]
    assert f"marker={marker}" in page["tenant_usages_links"][0]["href"]
    rest = api.get(f"/v2.1/os-simple-tenant-usage?{period}&marker={marker}",
                   headers=at(ADMIN, "2.40")).json
    assert [s["instance_id"] for s in rest["tenant_usages"][0]["server_usages"]] == [
        ids[2]]
    assert instance_service.get(db, ids[0])["launched_at"] == base


def test_hypervisor_usage_fields_go_at_2_88(api):
    _agent(api)
    old, = api.get("/v2.1/os-hypervisors/detail", headers=at(ADMIN, "2.87")).json[
        "hypervisors"]
    new, = api.get("/v2.1/os-hypervisors/detail", headers=at(ADMIN, "2.88")).json[
        "hypervisors"]
    for key in ("vcpus", "memory_mb_used", "running_vms", "cpu_info",
                "disk_available_least", "current_workload"):
        assert key in old and key not in new
    assert "uptime" not in old and new["uptime"] is None
    assert new["hypervisor_type"] and new["service"]["host"] == "node1"
    assert api.get("/v2.1/os-hypervisors/statistics",
                   headers=at(ADMIN, "2.87")).status_code == 200
    assert api.get("/v2.1/os-hypervisors/statistics",
                   headers=at(ADMIN, "2.88")).status_code == 404


def test_keypairs_are_imported_only_from_2_92(api):
    generated = api.post("/v2.1/os-keypairs", json={"keypair": {"name": "gen"}},
                         headers=at(ALICE, "2.91"))
    assert generated.status_code == 201 and "private_key" in generated.json["keypair"]
    resp = api.post("/v2.1/os-keypairs", json={"keypair": {"name": "gen2"}},
                    headers=at(ALICE, "2.92"))
    assert resp.status_code == 400 and "public_key" in resp.json["badRequest"]["message"]
    dotted = {"keypair": {"name": "me@host.example", "public_key": PUBLIC_KEY}}
    assert api.post("/v2.1/os-keypairs", json=dotted,
                    headers=at(ALICE, "2.91")).status_code == 400
    assert api.post("/v2.1/os-keypairs", json=dotted,
                    headers=at(ALICE, "2.92")).status_code == 201

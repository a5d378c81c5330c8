"""Each microversion's behaviour change from 2.38, at the version before it and at its
own, over HTTP through openstacksdk's compute adapter (keystoneauth1, real tokens)
against a lite cloud whose servers really go ACTIVE on the fake agents."""

import datetime

import pytest
from compute_cloud import HOSTS, wait_for
from members import project_member

from sovra_compute import placement_client
from sovra_compute.api.microversion import VERSIONS

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def _get(conn, path, version, ok=200):
    resp = conn.compute.get(path, microversion=version)
    assert resp.status_code == ok, resp.text
    return resp.json() if resp.content else None


def _call(conn, method, path, version, body=None):
    return conn.compute.request(path, method, json=body, microversion=version)


def _active(conn, image, flavor, name, version="2.37", **extra):
    body = {"server": {"name": name, "imageRef": image.id, "flavorRef": flavor.id,
                       "networks": "none", **extra}}
    resp = _call(conn, "POST", "/servers", version, body)
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    wait_for(lambda: _get(conn, f"/servers/{server_id}", "2.37")["server"][
        "status"] == "ACTIVE")
    return server_id


def _delete(conn, *server_ids):
    for server_id in server_ids:
        conn.compute.delete(f"/servers/{server_id}")
    for server_id in server_ids:
        wait_for(lambda sid=server_id: conn.compute.get(
            f"/servers/{sid}").status_code == 404)


@pytest.fixture(scope="module")
def server(conn, image, flavor):
    server_id = _active(conn, image, flavor, "versions", "2.52", tags=["fixture"])
    yield server_id
    _delete(conn, server_id)


def test_the_version_documents_advertise_the_last_version(conn):
    assert _get(conn, "/", None)["version"]["version"] == VERSIONS[-1]
    resp = conn.compute.get("/servers", microversion=VERSIONS[-1])
    assert resp.headers["OpenStack-API-Version"] == f"compute {VERSIONS[-1]}"


def test_2_38_invalid_status_filter(conn, server):
    assert _get(conn, "/servers?status=NAPPING", "2.37")["servers"] == []
    _get(conn, "/servers?status=NAPPING", "2.38", ok=400)
    assert server in [s["id"] for s in _get(conn, "/servers?status=ACTIVE", "2.38")[
        "servers"]]


def test_2_39_and_2_57_limits(conn):
    assert "maxImageMeta" in _get(conn, "/limits", "2.38")["limits"]["absolute"]
    assert "maxImageMeta" not in _get(conn, "/limits", "2.39")["limits"]["absolute"]
    assert "maxPersonality" in _get(conn, "/limits", "2.56")["limits"]["absolute"]
    assert "maxPersonality" not in _get(conn, "/limits", "2.57")["limits"]["absolute"]


def test_2_57_quota_sets(conn):
    project = conn.current_project_id
    assert "injected_files" in _get(conn, f"/os-quota-sets/{project}", "2.56")[
        "quota_set"]
    assert "injected_files" not in _get(conn, f"/os-quota-sets/{project}", "2.57")[
        "quota_set"]


def test_2_40_usage_pages(conn, server):
    end = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)) \
        .strftime("%Y-%m-%dT%H:%M:%S")
    query = f"/os-simple-tenant-usage?detailed=1&start=2000-01-01T00:00:00&end={end}"
    old = _get(conn, query + "&limit=1", "2.39")
    assert "tenant_usages_links" not in old
    page = _get(conn, query + "&limit=1", "2.40")
    usage, = page["tenant_usages"]
    assert len(usage["server_usages"]) == 1 and usage["total_hours"] > 0
    assert "marker=" in page["tenant_usages_links"][0]["href"]


@pytest.mark.parametrize("version,status", [("2.41", 400), ("2.42", 202)])
def test_2_42_block_device_tags(conn, image, flavor, version, status):
    body = {"server": {"name": "tagged-disk", "imageRef": image.id,
                       "flavorRef": flavor.id, "networks": "none",
                       "block_device_mapping_v2": [{
                           "source_type": "image", "destination_type": "local",
                           "boot_index": 0, "uuid": image.id, "tag": "root"}]}}
    resp = _call(conn, "POST", "/servers", version, body)
    assert resp.status_code == status, resp.text
    if status == 202:
        _delete(conn, resp.json()["server"]["id"])


def test_2_47_embedded_flavor(conn, server):
    assert _get(conn, f"/servers/{server}", "2.46")["server"]["flavor"]["id"] == "1"
    flavor = _get(conn, f"/servers/{server}", "2.47")["server"]["flavor"]
    assert flavor == {"vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0,
                      "original_name": "m1.tiny", "extra_specs": {}}


def test_2_26_and_2_52_tags(conn, image, flavor, server):
    assert _get(conn, f"/servers/{server}", "2.52")["server"]["tags"] == ["fixture"]
    _get(conn, f"/servers/{server}/tags", "2.25", ok=404)
    assert _call(conn, "PUT", f"/servers/{server}/tags/blue", "2.26").status_code == 201
    assert _get(conn, f"/servers/{server}/tags", "2.26") == {"tags": ["blue",
                                                                       "fixture"]}
    listed = _get(conn, "/servers?tags=blue", "2.26")["servers"]
    assert [s["id"] for s in listed] == [server]
    assert _call(conn, "DELETE", f"/servers/{server}/tags/blue",
                 "2.26").status_code == 204
    body = {"server": {"name": "x", "imageRef": image.id, "flavorRef": flavor.id,
                       "networks": "none", "tags": ["t"]}}
    assert _call(conn, "POST", "/servers", "2.51", body).status_code == 400


def test_server_metadata(conn, server):
    resp = _call(conn, "POST", f"/servers/{server}/metadata", "2.1",
                 {"metadata": {"role": "web"}})
    assert resp.json() == {"metadata": {"role": "web"}}
    assert _get(conn, f"/servers/{server}/metadata/role", "2.1") == {
        "meta": {"role": "web"}}
    assert _call(conn, "DELETE", f"/servers/{server}/metadata/role",
                 "2.1").status_code == 204
    assert _get(conn, f"/servers/{server}", "2.1")["server"]["metadata"] == {}


def test_2_53_services_and_hypervisors_by_uuid(conn):
    old = _get(conn, "/os-services", "2.52")["services"]
    new = _get(conn, "/os-services", "2.53")["services"]
    assert all(isinstance(s["id"], int) for s in old)
    assert all(len(s["id"]) == 36 for s in new)
    node2 = next(s for s in new if s["host"] == "node2")
    resp = _call(conn, "PUT", f"/os-services/{node2['id']}", "2.53",
                 {"status": "disabled", "disabled_reason": "functional test"})
    assert resp.json()["service"]["status"] == "disabled"
    resp = _call(conn, "PUT", f"/os-services/{node2['id']}", "2.53",
                 {"status": "enabled"})
    assert resp.json()["service"]["disabled_reason"] is None
    hypervisors = _get(conn, "/os-hypervisors", "2.53")["hypervisors"]
    assert sorted(h["id"] for h in hypervisors) == sorted(
        placement_client.node_uuid(h) for h in HOSTS)
    assert [h["id"] for h in _get(conn, "/os-hypervisors", "2.52")["hypervisors"]] \
        == [1, 2]
    found = _get(conn, "/os-hypervisors?hypervisor_hostname_pattern=node1", "2.53")
    assert [h["hypervisor_hostname"] for h in found["hypervisors"]] == ["node1"]


def test_2_55_2_61_2_75_flavor_bodies(conn):
    resp = _call(conn, "PUT", "/flavors/1", "2.55",
                 {"flavor": {"description": "the smallest"}})
    assert resp.status_code == 200 and resp.json()["flavor"]["description"] == \
        "the smallest"
    assert _call(conn, "PUT", "/flavors/1", "2.54",
                 {"flavor": {"description": "x"}}).status_code == 404
    assert "description" not in _get(conn, "/flavors/1", "2.54")["flavor"]
    assert "extra_specs" not in _get(conn, "/flavors/1", "2.60")["flavor"]
    assert _get(conn, "/flavors/1", "2.61")["flavor"]["extra_specs"] == {}
    assert _get(conn, "/flavors/1", "2.74")["flavor"]["swap"] == ""
    assert _get(conn, "/flavors/1", "2.75")["flavor"]["swap"] == 0


def test_instance_actions_across_versions(conn, image, flavor):
    server_id = _active(conn, image, flavor, "acted-on")
    actions = _get(conn, f"/servers/{server_id}/os-instance-actions", "2.57")[
        "instanceActions"]
    assert [a["action"] for a in actions] == ["create"] and "updated_at" not in \
        actions[0]
    request_id = actions[0]["request_id"]
    assert "updated_at" in _get(conn, f"/servers/{server_id}/os-instance-actions",
                                "2.58")["instanceActions"][0]
    shown = _get(conn, f"/servers/{server_id}/os-instance-actions/{request_id}",
                 "2.50")["instanceAction"]
    assert shown["action"] == "create"  # admins see the events before 2.51
    events = {e["event"]: e for e in shown["events"]}
    assert set(events) == {"conductor_schedule_and_build_instances",
                           "compute__do_build_and_run_instance"}
    assert all(e["result"] == "Success" and e["finish_time"] for e in events.values())
    assert "host" not in events["compute__do_build_and_run_instance"]
    build = _get(conn, f"/servers/{server_id}/os-instance-actions/{request_id}",
                 "2.62")["instanceAction"]["events"]
    spawned = next(e for e in build if e["event"] == "compute__do_build_and_run_instance")
    host = _get(conn, f"/servers/{server_id}", "2.37")["server"]["OS-EXT-SRV-ATTR:host"]
    assert spawned["host"] == host and len(spawned["hostId"]) == 56
    _get(conn, f"/servers/{server_id}/os-instance-actions?changes-before=x", "2.65",
         ok=400)
    _delete(conn, server_id)
    _get(conn, f"/servers/{server_id}/os-instance-actions", "2.20", ok=404)
    actions = _get(conn, f"/servers/{server_id}/os-instance-actions", "2.21")
    assert [a["action"] for a in actions["instanceActions"]] == ["delete", "create"]


def test_2_63_2_71_2_73_server_body(conn, server):
    old = _get(conn, f"/servers/{server}", "2.62")["server"]
    assert "trusted_image_certificates" not in old
    new = _get(conn, f"/servers/{server}", "2.73")["server"]
    assert new["trusted_image_certificates"] is None and new["server_groups"] == []
    assert "server_groups" not in _get(conn, f"/servers/{server}", "2.70")["server"]
    resp = _call(conn, "POST", f"/servers/{server}/action", "2.73",
                 {"lock": {"locked_reason": "change freeze"}})
    assert resp.status_code == 202, resp.text
    shown = _get(conn, f"/servers/{server}", "2.73")["server"]
    assert (shown["locked"], shown["locked_reason"]) == (True, "change freeze")
    assert "locked_reason" not in _get(conn, f"/servers/{server}", "2.72")["server"]
    assert [s["id"] for s in _get(conn, "/servers?locked=true", "2.73")["servers"]] \
        == [server]
    _call(conn, "POST", f"/servers/{server}/action", "2.73", {"unlock": None})


def test_2_66_changes_before(conn, server):
    future = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")
    assert server in [s["id"] for s in _get(
        conn, f"/servers?changes-before={future}", "2.66")["servers"]]
    assert _get(conn, "/servers?changes-before=2000-01-01T00:00:00Z", "2.66")[
        "servers"] == []
    assert server in [s["id"] for s in _get(
        conn, "/servers?changes-before=2000-01-01T00:00:00Z", "2.65")["servers"]]


def test_2_74_requested_destination_is_checked(conn, image, flavor):
    body = {"server": {"name": "placed", "imageRef": image.id, "flavorRef": flavor.id,
                       "networks": "none", "host": "no-such-node"}}
    assert _call(conn, "POST", "/servers", "2.73", body).status_code == 400
    resp = _call(conn, "POST", "/servers", "2.74", body)
    assert resp.status_code == 400 and "no-such-node" in resp.text


def test_2_75_strict_queries_and_full_update(conn, server):
    assert _call(conn, "GET", "/servers?flavour=1", "2.74").status_code == 200
    assert _call(conn, "GET", "/servers?flavour=1", "2.75").status_code == 400
    old = _call(conn, "PUT", f"/servers/{server}", "2.74",
                {"server": {"name": "versions"}}).json()["server"]
    new = _call(conn, "PUT", f"/servers/{server}", "2.75",
                {"server": {"name": "versions"}}).json()["server"]
    assert "OS-EXT-STS:vm_state" not in old and new["OS-EXT-STS:vm_state"] == "active"


def test_2_78_topology(conn, server):
    _get(conn, f"/servers/{server}/topology", "2.77", ok=404)
    assert _get(conn, f"/servers/{server}/topology", "2.78") == {
        "nodes": [], "pagesize_kb": None}


def test_2_64_server_group_bodies_and_2_71_membership(conn, image, flavor):
    old = _call(conn, "POST", "/os-server-groups", "2.63", {
        "server_group": {"name": "old-style", "policies": ["affinity"]}}).json()
    assert old["server_group"]["policies"] == ["affinity"]
    resp = _call(conn, "POST", "/os-server-groups", "2.64", {
        "server_group": {"name": "new-style", "policy": "anti-affinity",
                         "rules": {"max_server_per_host": 1}}})
    group = resp.json()["server_group"]
    assert (group["policy"], group["rules"]) == ("anti-affinity",
                                                 {"max_server_per_host": 1})
    body = {"server": {"name": "grouped", "imageRef": image.id, "flavorRef": flavor.id,
                       "networks": "none"}, "os:scheduler_hints": {"group": group["id"]}}
    resp = _call(conn, "POST", "/servers", "2.71", body)
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    assert _get(conn, f"/servers/{server_id}", "2.71")["server"]["server_groups"] == [
        group["id"]]
    assert _get(conn, f"/os-server-groups/{group['id']}", "2.64")["server_group"][
        "members"] == [server_id]
    _delete(conn, server_id)
    for gid in (old["server_group"]["id"], group["id"]):
        assert _call(conn, "DELETE", f"/os-server-groups/{gid}", "2.64").status_code \
            == 204


def test_2_83_filters_for_project_members(conn, cloud, image, flavor):
    with project_member(conn, cloud, "filters") as member:
        server_id = _active(member.conn, image, flavor, "members-own")
        assert _get(member.conn, "/servers?vm_state=stopped", "2.82")["servers"] != []
        assert _get(member.conn, "/servers?vm_state=stopped", "2.83")["servers"] == []
        assert [s["id"] for s in _get(member.conn, "/servers?vm_state=active", "2.83")[
            "servers"]] == [server_id]
        _delete(member.conn, server_id)


def test_2_86_extra_spec_checks(conn):
    bad = {"extra_specs": {"hw:cpu_policy": "greedy"}}
    assert _call(conn, "POST", "/flavors/1/os-extra_specs", "2.85", bad).status_code \
        == 200
    resp = _call(conn, "POST", "/flavors/1/os-extra_specs", "2.86", bad)
    assert resp.status_code == 400 and "greedy" in resp.text
    good = {"extra_specs": {"hw:cpu_policy": "shared", "my:own": "kept"}}
    assert _call(conn, "POST", "/flavors/1/os-extra_specs", "2.86", good).json() == \
        good
    for key in ("hw:cpu_policy", "my:own"):
        assert _call(conn, "DELETE", f"/flavors/1/os-extra_specs/{key}",
                     "2.86").status_code == 202


def test_2_88_hypervisor_bodies(conn):
    old = _get(conn, "/os-hypervisors/detail", "2.87")["hypervisors"]
    new = _get(conn, "/os-hypervisors/detail", "2.88")["hypervisors"]
    assert all("vcpus" in h for h in old) and all("vcpus" not in h for h in new)
    assert all(h["uptime"] is None for h in new)
    _get(conn, "/os-hypervisors/statistics", "2.87")
    _get(conn, "/os-hypervisors/statistics", "2.88", ok=404)


def test_2_90_to_2_100_server_fields(conn, image, flavor):
    body = {"server": {"name": "Fields Test", "imageRef": image.id,
                       "flavorRef": flavor.id, "networks": "none",
                       "hostname": "fields.example.org", "availability_zone": "nova"},
            "os:scheduler_hints": {"different_host": []}}
    assert _call(conn, "POST", "/servers", "2.93", body).status_code == 400
    resp = _call(conn, "POST", "/servers", "2.94", body)
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    shown = _get(conn, f"/servers/{server_id}", "2.100")["server"]
    assert shown["OS-EXT-SRV-ATTR:hostname"] == "fields.example.org"
    assert shown["pinned_availability_zone"] == "nova"
    assert shown["OS-SCH-HNT:scheduler_hints"] == {"different_host": []}
    assert shown["image"]["properties"] == {}  # the test image has none of its own
    old = _get(conn, f"/servers/{server_id}", "2.95")["server"]
    assert "pinned_availability_zone" not in old and "properties" not in old["image"]
    _delete(conn, server_id)


def test_2_92_keypairs_are_imported(conn):
    resp = _call(conn, "POST", "/os-keypairs", "2.92", {"keypair": {"name": "gen"}})
    assert resp.status_code == 400
    resp = _call(conn, "POST", "/os-keypairs", "2.91", {"keypair": {"name": "gen"}})
    assert resp.status_code == 201 and "private_key" in resp.json()["keypair"]
    assert _call(conn, "DELETE", "/os-keypairs/gen", "2.91").status_code == 204

"""Host aggregates (os-aggregates) through openstacksdk, raw HTTP and the
`openstack` CLI: their bodies (uuid from 2.41), conflicts and 404s, admin-only
policy, membership mirrored to placement, and availability zones: listed, shown
by os-services, and kept by the scheduler (a server asking for a zone lands on its
hosts, one asking for the default zone on the others)."""

import json
import shutil
import subprocess

import pytest
from compute_cloud import wait_for
from members import project_member

from sovra_compute import placement_client

OPENSTACK = shutil.which("openstack")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def _call(conn, method, path, version="2.41", body=None):
    return conn.compute.request(path, method, json=body, microversion=version)


def _ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def _rp_aggregates(conn, host):
    resp = conn.placement.get(
        f"/resource_providers/{placement_client.node_uuid(host)}/aggregates",
        microversion="1.19")
    return set(_ok(resp)["aggregates"])


def _boot(conn, image, flavor, name, zone=None, version="2.37", **extra):
    body = {"server": {"name": name, "imageRef": image.id, "flavorRef": flavor.id,
                       "networks": "none",
                       **({"availability_zone": zone} if zone else {}), **extra}}
    server_id = _ok(_call(conn, "POST", "/servers", version, body), 202)["server"]["id"]
    server = wait_for(lambda: (s := _ok(_call(conn, "GET", f"/servers/{server_id}"))[
        "server"])["status"] in ("ACTIVE", "ERROR") and s)
    return server


def _delete(conn, *server_ids):
    for server_id in server_ids:
        _call(conn, "DELETE", f"/servers/{server_id}")
    for server_id in server_ids:
        wait_for(lambda sid=server_id: _call(conn, "GET", f"/servers/{sid}")
                 .status_code == 404)


@pytest.fixture
def member(conn, cloud):
    """A project member's connection (no admin role)."""
    with project_member(conn, cloud, "agg-demo") as member:
        yield member.conn


def test_sdk_aggregate_lifecycle_and_placement(conn):
    agg = conn.compute.create_aggregate(name="rack1", availability_zone="az1")
    assert (agg.name, agg.availability_zone) == ("rack1", "az1")
    uuid = agg.uuid  # openstacksdk's create asks for 2.41 (its actions do not)
    assert uuid
    agg = conn.compute.add_host_to_aggregate(agg, "node1")
    assert agg.hosts == ["node1"]
    assert agg.metadata == {"availability_zone": "az1"}
    assert _rp_aggregates(conn, "node1") == {uuid}
    assert uuid not in _rp_aggregates(conn, "node2")
    # what the scheduler asks placement for: only node1 is member_of, node2 not
    placement = placement_client.PlacementClient(conn.session, interface="public")
    resources = {"VCPU": 1, "MEMORY_MB": 64}
    node1, node2 = (placement_client.node_uuid(h) for h in ("node1", "node2"))
    assert [set(c) for c in placement.allocation_candidates(
        resources, 10, member_of={uuid})] == [{node1}]
    assert [set(c) for c in placement.allocation_candidates(
        resources, 10, forbidden_aggregates={uuid})] == [{node2}]
    agg = conn.compute.set_aggregate_metadata(agg, {"ssd": "true", "gpu": "no"})
    assert agg.metadata == {"availability_zone": "az1", "ssd": "true", "gpu": "no"}
    agg = conn.compute.set_aggregate_metadata(agg, {"gpu": None})
    assert agg.metadata == {"availability_zone": "az1", "ssd": "true"}
    assert [a.name for a in conn.compute.aggregates()] == ["rack1"]
    agg = conn.compute.update_aggregate(agg, name="rack-one")
    assert conn.compute.get_aggregate(agg.id).name == "rack-one"
    agg = conn.compute.remove_host_from_aggregate(agg, "node1")
    assert agg.hosts == []
    assert _rp_aggregates(conn, "node1") == set()
    conn.compute.delete_aggregate(agg)
    assert list(conn.compute.aggregates()) == []


def test_bodies_by_version_and_errors(conn):
    created = _ok(_call(conn, "POST", "/os-aggregates", "2.40",
                        {"aggregate": {"name": "errs"}}))["aggregate"]
    assert "uuid" not in created and "hosts" not in created  # create: no hosts
    assert created["availability_zone"] is None and created["deleted"] is False
    agg_id = created["id"]
    shown = _ok(_call(conn, "GET", f"/os-aggregates/{agg_id}", "2.41"))["aggregate"]
    assert shown["hosts"] == [] and shown["metadata"] == {} and len(shown["uuid"]) == 36
    assert "uuid" not in _ok(_call(conn, "GET", f"/os-aggregates/{agg_id}", "2.40"))[
        "aggregate"]
    # conflicts and missing things
    resp = _call(conn, "POST", "/os-aggregates", body={"aggregate": {"name": "errs"}})
    assert resp.status_code == 409 and "already exists" in resp.text
    assert _call(conn, "POST", "/os-aggregates", body={"aggregate": {
        "name": "colon", "availability_zone": "a:b"}}).status_code == 400
    assert _call(conn, "GET", "/os-aggregates/99999").status_code == 404
    assert _call(conn, "GET", "/os-aggregates/abc").status_code == 400
    assert _call(conn, "POST", f"/os-aggregates/{agg_id}/action",
                 body={"add_host": {"host": "nohost"}}).status_code == 404
    assert _call(conn, "POST", f"/os-aggregates/{agg_id}/action",
                 body={"remove_host": {"host": "node2"}}).status_code == 404
    assert _call(conn, "POST", f"/os-aggregates/{agg_id}/action",
                 body={"explode": {}}).status_code == 400
    _ok(_call(conn, "POST", f"/os-aggregates/{agg_id}/action",
              body={"add_host": {"host": "node2"}}))
    assert _call(conn, "POST", f"/os-aggregates/{agg_id}/action",
                 body={"add_host": {"host": "node2"}}).status_code == 409
    resp = _call(conn, "DELETE", f"/os-aggregates/{agg_id}")
    assert resp.status_code == 400 and "not empty" in resp.text
    # zones: node2 is in zone east through "zoned": errs cannot put it in west
    zoned = _ok(_call(conn, "POST", "/os-aggregates", body={"aggregate": {
        "name": "zoned", "availability_zone": "east"}}))["aggregate"]
    _ok(_call(conn, "POST", f"/os-aggregates/{zoned['id']}/action",
              body={"add_host": {"host": "node2"}}))
    for path, body in ((f"/os-aggregates/{agg_id}", {"aggregate": {
            "availability_zone": "west"}}),
                       (f"/os-aggregates/{agg_id}/action", {"set_metadata": {
                           "metadata": {"availability_zone": "west"}}})):
        resp = _call(conn, "PUT" if "action" not in path else "POST", path, body=body)
        assert resp.status_code == 400 and "east" in resp.text, resp.text
    west = _ok(_call(conn, "POST", "/os-aggregates", body={"aggregate": {
        "name": "west", "availability_zone": "west"}}))["aggregate"]
    resp = _call(conn, "POST", f"/os-aggregates/{west['id']}/action",
                 body={"add_host": {"host": "node2"}})
    assert resp.status_code == 409 and "east" in resp.text
    # the same zone is no conflict
    _ok(_call(conn, "PUT", f"/os-aggregates/{agg_id}",
              body={"aggregate": {"availability_zone": "east"}}))
    assert _call(conn, "PUT", f"/os-aggregates/{agg_id}",
                 body={"aggregate": {"name": "west"}}).status_code == 409
    for agg in (agg_id, zoned["id"]):
        _ok(_call(conn, "POST", f"/os-aggregates/{agg}/action",
                  body={"remove_host": {"host": "node2"}}))
    for agg in (agg_id, zoned["id"], west["id"]):
        assert _call(conn, "DELETE", f"/os-aggregates/{agg}").status_code == 200
    assert _rp_aggregates(conn, "node2") == set()


def test_aggregates_are_for_admins(member):
    assert _call(member, "GET", "/os-aggregates").status_code == 403
    assert _call(member, "POST", "/os-aggregates",
                 body={"aggregate": {"name": "mine"}}).status_code == 403


def test_zones_are_listed_and_kept_by_the_scheduler(conn, image, flavor):
    agg = conn.compute.create_aggregate(name="zone-a", availability_zone="zone-a")
    conn.compute.add_host_to_aggregate(agg, "node1")
    try:
        zones = {z["zoneName"]: z for z in _ok(_call(
            conn, "GET", "/os-availability-zone/detail"))["availabilityZoneInfo"]}
        assert set(zones) == {"zone-a", "nova"}
        assert set(zones["zone-a"]["hosts"]) == {"node1"}
        assert set(zones["nova"]["hosts"]) == {"node2"}
        services = {s["host"]: s["zone"] for s in _ok(_call(
            conn, "GET", "/os-services"))["services"]}
        assert services == {"node1": "zone-a", "node2": "nova"}
        assert _call(conn, "POST", "/servers", "2.37", {"server": {
            "name": "nowhere", "imageRef": image.id, "flavorRef": flavor.id,
            "networks": "none", "availability_zone": "zone-b"}}).status_code == 400
        in_a = [_boot(conn, image, flavor, f"in-a-{i}", "zone-a") for i in range(3)]
        in_nova = [_boot(conn, image, flavor, f"in-nova-{i}", "nova") for i in range(3)]
        assert {s["OS-EXT-SRV-ATTR:host"] for s in in_a} == {"node1"}
        assert {s["OS-EXT-SRV-ATTR:host"] for s in in_nova} == {"node2"}
        assert all(s["OS-EXT-AZ:availability_zone"] == "zone-a" for s in in_a)
        # one that asked for no zone is shown its host's
        anywhere = _boot(conn, image, flavor, "anywhere", version="2.74", host="node1")
        assert anywhere["OS-EXT-AZ:availability_zone"] == "zone-a"
        assert _ok(_call(conn, "GET", f"/servers/{anywhere['id']}", "2.96"))["server"][
            "pinned_availability_zone"] is None
        in_nova.append(anywhere)
        # hosts with servers do not change zone
        resp = _call(conn, "PUT", f"/os-aggregates/{agg.id}",
                     body={"aggregate": {"availability_zone": "zone-c"}})
        assert resp.status_code == 400 and "instances" in resp.text
        _delete(conn, *(s["id"] for s in in_a + in_nova))
    finally:
        conn.compute.remove_host_from_aggregate(agg, "node1")
        conn.compute.delete_aggregate(agg)


def test_a_zone_without_room_fails_the_build(conn, image, flavor):
    """A zone's hosts are the only ones tried: node1 disabled, zone-d (node1 only)
    has no room although node2 has."""
    agg = conn.compute.create_aggregate(name="zone-d", availability_zone="zone-d")
    conn.compute.add_host_to_aggregate(agg, "node1")
    service = next(s for s in conn.compute.services() if s.host == "node1")
    conn.compute.disable_service(service)
    try:
        server = _boot(conn, image, flavor, "no-room", "zone-d")
        assert server["status"] == "ERROR"
        assert "No valid host" in server["fault"]["message"]
        _delete(conn, server["id"])
    finally:
        conn.compute.enable_service(service)
        conn.compute.remove_host_from_aggregate(agg, "node1")
        conn.compute.delete_aggregate(agg)


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_aggregate_create_add_host_list(cloud, conn):
    def cli(*args):
        done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                              env=cloud.client_env(), timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    created = json.loads(cli("aggregate", "create", "--zone", "cli-zone", "cli-agg",
                             "-f", "json"))
    assert (created["name"], created["availability_zone"]) == ("cli-agg", "cli-zone")
    cli("aggregate", "add", "host", "cli-agg", "node2")
    listed = json.loads(cli("aggregate", "list", "--long", "-f", "json"))
    row = next(a for a in listed if a["Name"] == "cli-agg")
    assert row["Availability Zone"] == "cli-zone"
    assert row["Hosts"] == ["node2"]
    shown = json.loads(cli("aggregate", "show", "cli-agg", "-f", "json"))
    assert shown["hosts"] == ["node2"]
    cli("aggregate", "remove", "host", "cli-agg", "node2")
    cli("aggregate", "delete", "cli-agg")
    assert conn.compute.find_aggregate("cli-agg") is None


def test_a_deleted_compute_service_leaves_its_aggregates(conn):
    """As upstream: its host is taken out of them, here and in placement (the
    agent, still alive, is listed again as a new service)."""
    agg = conn.compute.create_aggregate(name="leaving", availability_zone="gone")
    conn.compute.add_host_to_aggregate(agg, "node2")
    uuid = _ok(_call(conn, "GET", f"/os-aggregates/{agg.id}"))["aggregate"]["uuid"]
    assert _rp_aggregates(conn, "node2") == {uuid}
    service = next(s for s in _ok(_call(conn, "GET", "/os-services", "2.53"))[
        "services"] if s["host"] == "node2")
    _ok(_call(conn, "DELETE", f"/os-services/{service['id']}", "2.53"), 204)
    assert conn.compute.get_aggregate(agg.id).hosts == []
    assert _rp_aggregates(conn, "node2") == set()
    conn.compute.delete_aggregate(agg)


def test_placement_membership_survives_a_concurrent_provider_change(conn):
    """The provider's generation guards the write: a change made between compute's
    read and write (here another aggregate added behind its back) makes placement
    refuse the write (409), and compute reads again and keeps both."""
    rp = placement_client.node_uuid("node1")
    path = f"/resource_providers/{rp}/aggregates"
    other = "00000000-0000-4000-8000-00000000abcd"
    mine = "00000000-0000-4000-8000-00000000ef01"

    class Racing(placement_client.PlacementClient):
        raced = 0
        puts: list = []

        def _request(self, method, url, **kwargs):
            resp = super()._request(method, url, **kwargs)
            if method == "PUT":
                self.puts.append(resp.status_code)
            if method == "GET" and url == path and not self.raced:
                self.raced = 1
                body = resp.json()
                _ok(conn.placement.put(path, microversion="1.19", json={
                    "aggregates": [*body["aggregates"], other],
                    "resource_provider_generation":
                        body["resource_provider_generation"]}))
            return resp

    client = Racing(conn.session, interface="public")
    before = _rp_aggregates(conn, "node1")
    client.add_to_aggregate(rp, mine)
    assert client.puts == [409, 200]
    assert _rp_aggregates(conn, "node1") == before | {other, mine}
    client.remove_from_aggregate(rp, mine)
    client.remove_from_aggregate(rp, other)
    assert _rp_aggregates(conn, "node1") == before

"""The zone a server is in, recorded when it is scheduled: its host's (from the
host aggregates), shown as OS-EXT-AZ:availability_zone, matched by the
availability_zone list filter, told to the agent and answered by the metadata API;
the zone it asked for (pinned_availability_zone) is what reschedules keep to.
A lite-mode cloud (conductor + two fake agents), openstacksdk and plain HTTP."""

import hashlib
import hmac
import json

import pytest
import requests
from compute_cloud import start_metadata, wait_for

from sovra_compute.virt import driver as virt

SECRET = "zone-test-secret"
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def metadata_url(cloud):
    running = start_metadata(cloud, SECRET, "metadata-zones")
    yield running.url
    running.stop()


@pytest.fixture
def zone_r(conn):
    """node1 in zone "zone-r" (node2 in the default zone)."""
    agg = conn.compute.create_aggregate(name="zone-r", availability_zone="zone-r")
    conn.compute.add_host_to_aggregate(agg, "node1")
    yield agg
    if "node1" in conn.compute.get_aggregate(agg).hosts:
        conn.compute.remove_host_from_aggregate(agg, "node1")
    conn.compute.delete_aggregate(agg)


class _Spawns(list):
    fail_first = False


@pytest.fixture
def spawned(cloud, monkeypatch):
    """[(host, the zone the agent was given)] of every spawn; the first fails
    if ``spawned.fail_first`` is set (the build is rescheduled)."""
    seen = _Spawns()

    def recording(driver, host):
        real = driver.spawn

        def spawn(instance, image_meta, **kwargs):
            seen.append((host, instance["availability_zone"]))
            if seen.fail_first and len(seen) == 1:
                raise virt.VirtDriverError(reason="injected: first spawn fails")
            return real(instance, image_meta, **kwargs)
        return spawn
    for host, driver in cloud.drivers.items():
        monkeypatch.setattr(driver, "spawn", recording(driver, host))
    return seen


def _call(conn, method, path, version="2.96", body=None):
    return conn.compute.request(path, method, json=body, microversion=version)


def _boot(conn, image, flavor, name, version="2.37", **extra):
    resp = _call(conn, "POST", "/servers", version, {"server": {
        "name": name, "imageRef": image.id, "flavorRef": flavor.id,
        "networks": "none", **extra}})
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    return wait_for(lambda: (s := _call(conn, "GET", f"/servers/{server_id}").json()[
        "server"])["status"] in ("ACTIVE", "ERROR") and s, timeout=30)


def _delete(conn, *server_ids):
    for server_id in server_ids:
        _call(conn, "DELETE", f"/servers/{server_id}")
    for server_id in server_ids:
        wait_for(lambda sid=server_id: _call(conn, "GET", f"/servers/{sid}")
                 .status_code == 404, timeout=30)


def _metadata(url, conn, server_id, path):
    resp = requests.get(url + path, timeout=10, headers={
        "X-Instance-ID": server_id, "X-Tenant-ID": conn.current_project_id,
        "X-Instance-ID-Signature": hmac.new(SECRET.encode(), server_id.encode(),
                                            hashlib.sha256).hexdigest(),
        "X-Forwarded-For": "10.1.0.7"})
    assert resp.status_code == 200, resp.text
    return resp.text


def test_a_server_is_in_its_hosts_zone_from_scheduling_on(conn, image, flavor,
                                                           zone_r, spawned,
                                                           metadata_url):
    server = _boot(conn, image, flavor, "on-node1", version="2.74", host="node1")
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", "node1")
    assert server["OS-EXT-AZ:availability_zone"] == "zone-r"
    assert server["pinned_availability_zone"] is None  # it asked for none
    assert spawned == [("node1", "zone-r")]  # the agent was told its zone
    listed = _call(conn, "GET", "/servers/detail?availability_zone=zone-r").json()
    assert [s["id"] for s in listed["servers"]] == [server["id"]]
    assert _metadata(metadata_url, conn, server["id"],
                     "/latest/meta-data/placement/availability-zone") == "zone-r"
    assert json.loads(_metadata(metadata_url, conn, server["id"],
                                "/openstack/latest/meta_data.json"))[
        "availability_zone"] == "zone-r"
    # recorded: node1 leaving the zone does not move the server out of it
    conn.compute.remove_host_from_aggregate(zone_r, "node1")
    shown = _call(conn, "GET", f"/servers/{server['id']}").json()["server"]
    assert shown["OS-EXT-AZ:availability_zone"] == "zone-r"
    services = {s["host"]: s["zone"] for s in _call(conn, "GET", "/os-services")
                .json()["services"]}
    assert services["node1"] == "nova"
    # a server on a host in no zone is in the default one
    other = _boot(conn, image, flavor, "on-node2", version="2.74", host="node2")
    assert other["OS-EXT-AZ:availability_zone"] == "nova"
    assert _metadata(metadata_url, conn, other["id"],
                     "/latest/meta-data/placement/availability-zone") == "nova"
    _delete(conn, server["id"], other["id"])


def test_a_reschedule_keeps_to_the_zone_asked_for_not_the_first_hosts(
        conn, image, flavor, zone_r, spawned):
    """No zone asked for: the first host fails the build; the other host, in
    another zone, may take it (the zone recorded for the first host binds
    nothing), and the server is in that host's zone."""
    spawned.fail_first = True
    server = _boot(conn, image, flavor, "crosses-zones")
    assert server["status"] == "ACTIVE", server.get("fault")
    (first, first_zone), (second, second_zone) = spawned
    assert first != second == server["OS-EXT-SRV-ATTR:host"]
    zones = {"node1": "zone-r", "node2": "nova"}
    assert (first_zone, second_zone) == (zones[first], zones[second])
    assert server["OS-EXT-AZ:availability_zone"] == zones[second]
    assert server["pinned_availability_zone"] is None
    _delete(conn, server["id"])


def test_a_zone_asked_for_is_pinned(conn, image, flavor, zone_r, spawned):
    server = _boot(conn, image, flavor, "pinned", availability_zone="zone-r")
    assert (server["OS-EXT-SRV-ATTR:host"], server["OS-EXT-AZ:availability_zone"],
            server["pinned_availability_zone"]) == ("node1", "zone-r", "zone-r")
    assert spawned == [("node1", "zone-r")]
    _delete(conn, server["id"])

"""GET /servers/{id} reads the server, its host's service and its host's zone in one
statement (service/server_show.py): what it shows follows every change at once
(nothing cached), with tags, volumes and faults as the other reads give them."""

import contextlib
import sqlite3

import pytest
from compute_cloud import wait_for

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def _call(conn, method, path, version="2.53", body=None):
    return conn.compute.request(path, method, json=body, microversion=version)


def _ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def _show(conn, server_id, version="2.53"):
    return _ok(_call(conn, "GET", f"/servers/{server_id}", version))["server"]


def test_show_follows_host_service_and_zone(conn, cloud, image, flavor):
    body = {"server": {"name": "shown", "imageRef": image.id, "flavorRef": flavor.id,
                       "networks": "none", "tags": ["b", "a"]}}
    server_id = _ok(_call(conn, "POST", "/servers", "2.53", body), 202)["server"]["id"]
    server = wait_for(lambda: (s := _show(conn, server_id))["status"] == "ACTIVE" and s)
    host = server["OS-EXT-SRV-ATTR:host"]
    assert server["host_status"] == "UP"
    assert server["OS-EXT-AZ:availability_zone"] == "nova"
    assert server["tags"] == ["a", "b"]
    assert server["os-extended-volumes:volumes_attached"] == []
    assert "fault" not in server
    service = _ok(_call(conn, "GET", f"/os-services?binary=nova-compute&host={host}"))[
        "services"][0]
    aggregate = None
    try:
        _ok(_call(conn, "PUT", f"/os-services/{service['id']}",
                  body={"status": "disabled", "disabled_reason": "maintenance"}))
        assert _show(conn, server_id)["host_status"] == "MAINTENANCE"
        _ok(_call(conn, "PUT", f"/os-services/{service['id']}",
                  body={"forced_down": True}))
        assert _show(conn, server_id)["host_status"] == "DOWN"
        _ok(_call(conn, "PUT", f"/os-services/{service['id']}",
                  body={"status": "enabled", "forced_down": False}))
        assert _show(conn, server_id)["host_status"] == "UP"

        aggregate = _ok(_call(conn, "POST", "/os-aggregates", body={"aggregate": {
            "name": "show-zone", "availability_zone": "zone-show"}}))["aggregate"]
        _ok(_call(conn, "POST", f"/os-aggregates/{aggregate['id']}/action",
                  body={"add_host": {"host": host}}))
        # the zone recorded when it was scheduled stays (its host moving does not
        # move it) ...
        assert _show(conn, server_id)["OS-EXT-AZ:availability_zone"] == "nova"
        # ... and a server with none recorded (scheduled before the conductor
        # recorded zones) shows its host's, read in the same statement
        with contextlib.closing(sqlite3.connect(cloud.tmp / "compute.db")) as db:
            db.execute("UPDATE instances SET availability_zone = NULL "
                       "WHERE uuid = ?", (server_id,))
            db.commit()
        assert _show(conn, server_id)["OS-EXT-AZ:availability_zone"] == "zone-show"
        # the same server in the list agrees with the show
        listed = _ok(_call(conn, "GET", "/servers/detail"))["servers"]
        assert [s["OS-EXT-AZ:availability_zone"] for s in listed
                if s["id"] == server_id] == ["zone-show"]
        _ok(_call(conn, "POST", f"/os-aggregates/{aggregate['id']}/action",
                  body={"remove_host": {"host": host}}))
        assert _show(conn, server_id)["OS-EXT-AZ:availability_zone"] == "nova"
    finally:
        _call(conn, "PUT", f"/os-services/{service['id']}",
              body={"status": "enabled", "forced_down": False})
        if aggregate is not None:
            _call(conn, "POST", f"/os-aggregates/{aggregate['id']}/action",
                  body={"remove_host": {"host": host}})
            _call(conn, "DELETE", f"/os-aggregates/{aggregate['id']}")
        _call(conn, "DELETE", f"/servers/{server_id}")
    wait_for(lambda: _call(conn, "GET", f"/servers/{server_id}").status_code == 404)
    # a deleted server is a 404 for the show too
    assert _call(conn, "GET", f"/servers/{server_id}").status_code == 404


def test_show_of_a_failed_build_has_its_fault(conn, cloud, image, flavor):
    for driver in cloud.drivers.values():
        driver.fail_operations.add("spawn")
    try:
        body = {"server": {"name": "failing", "imageRef": image.id,
                           "flavorRef": flavor.id, "networks": "none"}}
        server_id = _ok(_call(conn, "POST", "/servers", "2.53", body), 202)[
            "server"]["id"]
        server = wait_for(lambda: (s := _show(conn, server_id))["status"] == "ERROR"
                          and s, timeout=60)
    finally:
        for driver in cloud.drivers.values():
            driver.fail_operations.discard("spawn")
    assert server["fault"]["code"] == 500 and server["fault"]["message"]
    assert server["host_status"] == ""  # on no host: no allocation is left
    _ok(_call(conn, "DELETE", f"/servers/{server_id}"), 204)
    wait_for(lambda: _call(conn, "GET", f"/servers/{server_id}").status_code == 404)

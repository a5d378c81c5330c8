"""The administrator's views of block storage over HTTP: services (os-services,
with enable/disable steering the scheduler), availability zones and back-end
pools, against the real volume agent of the harness (``node1@file1``)."""

import datetime
import json
import shutil
import subprocess
import time

import pytest
from block_cloud import start_cloud
from conftest import BACKEND

from sovra_block.db import models

STALE = "node2@old"


@pytest.fixture
def api(block_api):
    """The harness, plus a backend whose agent stopped reporting an hour ago (zone
    az2); afterwards the real backend is enabled again and extra rows removed."""
    reported = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    with block_api.db.writer() as session:
        session.add(models.Backend(
            name=STALE, host="node2", backend_name="old", availability_zone="az2",
            total_gb=10.0, free_gb=10.0, provisioned_gb=0.0,
            max_over_subscription_ratio=1.0, capabilities={}, disabled=False,
            reported_at=reported))
    yield block_api
    with block_api.db.writer() as session:
        session.query(models.Backend).filter(models.Backend.name != BACKEND).delete()
        row = session.get(models.Backend, BACKEND)
        row.disabled, row.disabled_reason = False, None


def _services(api, query=""):
    return {s["host"]: s for s in api.ok("GET", "/v3/os-services" + query,
                                         project="admin")["services"]}


def _zones(api):
    return {z["zoneName"]: z["zoneState"]["available"] for z in api.ok(
        "GET", "/v3/os-availability-zone")["availabilityZoneInfo"]}


def _set_service(api, action, status=200, **body):
    body = {"host": BACKEND, "binary": "cinder-volume", **body}
    return api.ok("PUT", f"/v3/os-services/{action}", status, project="admin",
                  json=body)


# --- services -------------------------------------------------------------------

def test_services_list_one_volume_service_per_backend(api):
    services = _services(api)
    assert sorted(services) == [BACKEND, STALE]
    live = services[BACKEND]
    assert live["binary"] == "cinder-volume" and live["zone"] == "nova"
    assert live["status"] == "enabled" and live["state"] == "up"
    assert live["disabled_reason"] is None and live["frozen"] is False
    updated = datetime.datetime.fromisoformat(live["updated_at"]).replace(
        tzinfo=datetime.UTC)
    assert datetime.datetime.now(datetime.UTC) - updated < datetime.timedelta(
        seconds=30)
    assert services[STALE]["state"] == "down" and services[STALE]["zone"] == "az2"


def test_services_filters(api):
    assert sorted(_services(api, "?host=node1")) == [BACKEND]
    assert sorted(_services(api, f"?host={STALE}")) == [STALE]
    assert sorted(_services(api, "?binary=cinder-volume")) == [BACKEND, STALE]
    assert _services(api, "?binary=cinder-scheduler") == {}
    assert _services(api, "?host=elsewhere") == {}


def test_disabling_a_service_stops_scheduling_to_it(api):
    answer = _set_service(api, "disable")
    assert answer == {"host": BACKEND, "service": "cinder-volume",
                      "binary": "cinder-volume", "disabled": True,
                      "status": "disabled"}
    assert _services(api)[BACKEND]["status"] == "disabled"
    assert _zones(api) == {"nova": False, "az2": False}
    assert api.ok("GET", "/v3/scheduler-stats/get_pools", project="admin") == {
        "pools": []}
    failed = api.create_volume(wait="error")
    assert failed["status"] == "error"

    # "service" is the older name of "binary"
    answer = api.ok("PUT", "/v3/os-services/enable", project="admin",
                    json={"host": BACKEND, "service": "cinder-volume"})
    assert answer["disabled"] is False and answer["status"] == "enabled"
    assert answer["binary"] == "cinder-volume"
    assert answer["disabled_reason"] is None
    assert _zones(api)["nova"] is True
    assert api.create_volume()["status"] == "available"


def test_disable_with_a_reason(api):
    answer = _set_service(api, "disable-log-reason", disabled_reason="disk swap")
    assert answer["disabled"] is True and answer["disabled_reason"] == "disk swap"
    service = _services(api)[BACKEND]
    assert service["status"] == "disabled"
    assert service["disabled_reason"] == "disk swap"
    # the agent's next reports keep it disabled
    time.sleep(1.5)
    assert _services(api)[BACKEND]["status"] == "disabled"
    _set_service(api, "enable")
    service = _services(api)[BACKEND]
    assert service["status"] == "enabled" and service["disabled_reason"] is None


def test_service_update_errors(api):
    message = api.fault("PUT", "/v3/os-services/disable", 404, project="admin",
                        json={"host": "nowhere@x", "binary": "cinder-volume"})
    assert "nowhere@x" in message
    api.fault("PUT", "/v3/os-services/disable", 404, project="admin",
              json={"host": BACKEND, "binary": "cinder-backup"})
    for body in ({}, {"host": BACKEND}, {"binary": "cinder-volume"},
                 {"host": "", "binary": "cinder-volume"}, []):
        api.fault("PUT", "/v3/os-services/disable", 400, project="admin", json=body)
    for reason in (None, "", "   ", "x" * 256):
        api.fault("PUT", "/v3/os-services/disable-log-reason", 400, project="admin",
                  json={"host": BACKEND, "binary": "cinder-volume",
                        "disabled_reason": reason})
    api.fault("PUT", "/v3/os-services/dance", 400, project="admin",
              json={"host": BACKEND, "binary": "cinder-volume"})
    api.fault("PUT", "/v3/os-services/freeze", 400, project="admin",
              json={"host": BACKEND})
    assert _services(api)[BACKEND]["status"] == "enabled"


def test_services_are_for_admins(api):
    api.fault("GET", "/v3/os-services", 403)
    api.fault("PUT", "/v3/os-services/disable", 403,
              json={"host": BACKEND, "binary": "cinder-volume"})
    assert _services(api)[BACKEND]["status"] == "enabled"


# --- availability zones -------------------------------------------------------------

def test_availability_zones(api):
    body = api.ok("GET", "/v3/os-availability-zone")
    assert body == {"availabilityZoneInfo": [
        {"zoneName": "az2", "zoneState": {"available": False}},
        {"zoneName": "nova", "zoneState": {"available": True}}]}
    # with a project id in the URL too, and for readers
    assert api.ok("GET", "/v3/" + "c" * 32 + "/os-availability-zone",
                  roles="reader") == body


# --- pools ------------------------------------------------------------------------

def test_pools_list_the_live_backends(api):
    assert api.ok("GET", "/v3/scheduler-stats/get_pools", project="admin") == {
        "pools": [{"name": BACKEND + "#file1"}]}
    (pool,) = api.ok("GET", "/v3/scheduler-stats/get_pools?detail=True",
                     project="admin")["pools"]
    caps = pool["capabilities"]
    assert caps["volume_backend_name"] == "file1"
    assert caps["storage_protocol"] == "file"
    assert caps["vendor_name"] and caps["driver_version"]
    assert caps["total_capacity_gb"] > 0
    assert 0 <= caps["free_capacity_gb"] <= caps["total_capacity_gb"]
    assert caps["max_over_subscription_ratio"] >= 1
    assert caps["reserved_percentage"] >= 0
    assert caps["thin_provisioning_support"] is True
    assert isinstance(caps["multiattach"], bool)
    assert caps["pool_name"] == "file1"


def test_pools_show_what_volumes_take(api):
    before = api.ok("GET", "/v3/scheduler-stats/get_pools?detail=true",
                    project="admin")["pools"][0]["capabilities"]
    api.create_volume(size=3)
    deadline = time.monotonic() + 15
    while True:
        caps = api.ok("GET", "/v3/scheduler-stats/get_pools?detail=true",
                      project="admin")["pools"][0]["capabilities"]
        if caps["provisioned_capacity_gb"] >= before["provisioned_capacity_gb"] + 3:
            break
        assert time.monotonic() < deadline, (before, caps)
        time.sleep(0.2)


def test_pool_filters_from_3_28(api):
    path = "/v3/scheduler-stats/get_pools"
    api.ok("POST", "/v3/types", project="admin", json={"volume_type": {
        "name": "elsewhere", "extra_specs": {"volume_backend_name": "other"}}})
    api.ok("POST", "/v3/types", project="admin", json={"volume_type": {
        "name": "here", "extra_specs": {"volume_backend_name": "file1"}}})

    def names(query, version="3.28"):
        return [p["name"] for p in api.ok("GET", path + query, project="admin",
                                          version=version)["pools"]]

    assert names(f"?name={BACKEND}%23file1") == [BACKEND + "#file1"]
    assert names("?name=nope") == []
    assert names("?volume_type=here") == [BACKEND + "#file1"]
    assert names("?volume_type=elsewhere") == []
    assert names("?volume_type=elsewhere", version="3.27") == [BACKEND + "#file1"]
    api.fault("GET", path + "?volume_type=missing", 404, project="admin",
              version="3.28")
    api.fault("GET", path + "?detail=maybe", 400, project="admin")


def test_pools_are_for_admins(api):
    api.fault("GET", "/v3/scheduler-stats/get_pools", 403)


# --- openstacksdk -------------------------------------------------------------------

@pytest.fixture
def sdk(block_api):
    """openstacksdk against the harness as an administrator (noauth)."""
    import openstack

    url = block_api.url + "/v3"
    conn = openstack.connect(auth_type="admin_token",
                             auth={"token": "admin", "endpoint": url},
                             block_storage_endpoint_override=url,
                             region_name="RegionOne")
    yield conn.block_storage
    conn.close()


@pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning")
@pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning")
def test_sdk_services_zones_and_pools(api, sdk):
    services = {s.host: s for s in sdk.services()}
    assert sorted(services) == [BACKEND, STALE]
    live = services[BACKEND]
    assert (live.binary, live.status, live.state, live.availability_zone) == (
        "cinder-volume", "enabled", "up", "nova")
    assert sdk.find_service("cinder-volume", host=BACKEND).host == BACKEND

    disabled = sdk.disable_service(live, reason="maintenance")
    assert disabled.status == "disabled" and disabled.disabled_reason == "maintenance"
    assert {s.host: s.status for s in sdk.services()}[BACKEND] == "disabled"
    assert [p.name for p in sdk.backend_pools()] == []
    sdk.enable_service(live)
    assert {s.host: s.status for s in sdk.services()}[BACKEND] == "enabled"

    assert sorted((z.name, z.state["available"]) for z in sdk.availability_zones()) == [
        ("az2", False), ("nova", True)]
    (pool,) = sdk.backend_pools()
    assert pool.name == BACKEND + "#file1"
    assert pool.capabilities["total_capacity_gb"] > 0


# --- the openstack CLI, against real identity ----------------------------------------

OPENSTACK = shutil.which("openstack")


@pytest.fixture(scope="module")
def cli_cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("block-admin-cli"))
    yield cloud
    cloud.stop()


def _cli(cloud, *args):
    done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                          env=cloud.client_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _cli_json(cloud, *args):
    return json.loads(_cli(cloud, *args, "-f", "json"))


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
@pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning")
@pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning")
def test_cli_services_zones_and_pools(cli_cloud):
    """volume service list/set, availability zone list --volume, volume backend
    pool list (each call costs ~2 s: kept few)."""
    _cli(cli_cloud, "volume", "service", "set", "--disable", "--disable-reason",
         "disk swap", BACKEND, "cinder-volume")
    (service,) = _cli_json(cli_cloud, "volume", "service", "list", "--long")
    assert service["Binary"] == "cinder-volume" and service["Host"] == BACKEND
    assert service["Zone"] == "nova" and service["State"] == "up"
    assert service["Status"] == "disabled"
    assert service["Disabled Reason"] == "disk swap"
    _cli(cli_cloud, "volume", "service", "set", "--enable", BACKEND, "cinder-volume")

    zones = _cli_json(cli_cloud, "availability", "zone", "list", "--volume")
    assert [(z["Zone Name"], z["Zone Status"]) for z in zones] == [("nova",
                                                                     "available")]
    (pool,) = _cli_json(cli_cloud, "volume", "backend", "pool", "list", "--long")
    assert pool["Name"] == BACKEND + "#file1"
    assert pool["Capabilities"]["storage_protocol"] == "file"
    assert pool["Capabilities"]["total_capacity_gb"] > 0

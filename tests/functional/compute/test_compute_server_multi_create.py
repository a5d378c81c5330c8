"""Several servers in one create request (min_count / max_count) in a lite-mode
cloud (conductor + two fake agents): openstacksdk, plain HTTP and the `openstack`
CLI's --min / --max. Each server is scheduled on its own and holds its own
allocation in placement until it is deleted."""

import json
import shutil
import subprocess

import openstack
import pytest
from compute_cloud import HOSTS, wait_for

from sovra_compute import placement_client

OPENSTACK = shutil.which("openstack")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]
RESOURCES = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


def _allocations(conn, consumer):
    resp = conn.placement.get(f"/allocations/{consumer}",
                              headers={"OpenStack-API-Version": "placement 1.28"})
    assert resp.status_code == 200, resp.text
    return resp.json()["allocations"]


def _reservation(conn, reservation_id):
    """The servers of a reservation (every project's), by launch index."""
    resp = conn.compute.get(f"/servers/detail?all_tenants=1&reservation_id="
                            f"{reservation_id}", microversion="2.37")
    assert resp.status_code == 200, resp.text
    return sorted(resp.json()["servers"],
                  key=lambda s: s["OS-EXT-SRV-ATTR:launch_index"])


def _active(conn, servers):
    return [conn.compute.wait_for_server(conn.compute.get_server(s["id"]),
                                         status="ACTIVE", failures=["ERROR"],
                                         interval=0.05, wait=30) for s in servers]


def _each_holds_its_allocation(conn, servers):
    for server in _active(conn, servers):
        allocations = _allocations(conn, server.id)
        assert list(allocations) == [placement_client.node_uuid(server.compute_host)]
        assert next(iter(allocations.values()))["resources"] == RESOURCES


def _delete_and_check_released(conn, servers):
    for server in servers:
        conn.compute.delete_server(server["id"])
    for server in servers:
        wait_for(lambda sid=server["id"]: conn.compute.find_server(sid) is None,
                 timeout=30)
        assert _allocations(conn, server["id"]) == {}


def _post(conn, body, version="2.37"):
    return conn.compute.post("/servers", json={"server": body}, microversion=version)


def test_three_servers_each_scheduled_and_allocated(conn, image, flavor):
    first = conn.compute.create_server(name="multi", image_id=image.id,
                                       flavor_id=flavor.id, networks="none",
                                       min_count=3, max_count=3)
    reservation = conn.compute.get_server(first.id).reservation_id
    servers = _reservation(conn, reservation)
    assert [(s["name"], s["OS-EXT-SRV-ATTR:launch_index"]) for s in servers] == [
        ("multi-1", 0), ("multi-2", 1), ("multi-3", 2)]
    assert servers[0]["id"] == first.id  # the answer is the first server
    _each_holds_its_allocation(conn, servers)
    _delete_and_check_released(conn, servers)
    assert _reservation(conn, reservation) == []


def test_anti_affinity_members_of_one_request_go_to_different_hosts(
        conn, image, flavor):
    group = conn.compute.create_server_group(name="multi-anti",
                                             policy="anti-affinity")
    first = conn.compute.create_server(name="anti", image_id=image.id,
                                       flavor_id=flavor.id, networks="none",
                                       min_count=2, max_count=2,
                                       scheduler_hints={"group": group.id})
    servers = _reservation(conn, conn.compute.get_server(first.id).reservation_id)
    hosts = {s.compute_host for s in _active(conn, servers)}
    assert hosts == set(HOSTS)  # each scheduled on its own, seeing the other
    assert set(conn.compute.get_server_group(group).member_ids) == {
        s["id"] for s in servers}
    _delete_and_check_released(conn, servers)
    conn.compute.delete_server_group(group)


def test_return_reservation_id_and_refused_requests(conn, image, flavor):
    body = {"name": "res", "imageRef": image.id, "flavorRef": flavor.id,
            "networks": "none"}
    resp = _post(conn, {**body, "min_count": 2, "return_reservation_id": True})
    assert resp.status_code == 202, resp.text
    assert list(resp.json()) == ["reservation_id"]
    servers = _reservation(conn, resp.json()["reservation_id"])
    assert [s["name"] for s in servers] == ["res-1", "res-2"]
    _each_holds_its_allocation(conn, servers)
    _delete_and_check_released(conn, servers)

    for bad in ({"min_count": 3, "max_count": 2}, {"min_count": 0},
                {"max_count": "0"}, {"max_count": "two"},
                {"max_count": 2, "networks": [
                    {"port": "dddddddd-0000-0000-0000-000000000001"}]}):
        resp = _post(conn, {**body, **bad})
        assert resp.status_code == 400, (bad, resp.text)
    assert "single configured port ID" in resp.json()["badRequest"]["message"]
    assert _reservation(conn, "r-") == []  # no server at all: the 400s made none


def test_quota_limits_the_count_down_to_min_count(conn, cloud, image, flavor):
    domain = conn.identity.find_domain("Default")
    project = conn.identity.create_project(name="multi", domain_id=domain.id)
    user = conn.identity.create_user(name="multi", password="multi-pw",
                                     domain_id=domain.id)
    conn.identity.assign_project_role_to_user(project, user,
                                              conn.identity.find_role("member"))
    conn.compute.update_quota_set(project.id, instances=2)
    member = openstack.connect(auth_url=cloud.auth_url, username="multi",
                               password="multi-pw", project_name="multi",
                               user_domain_name="Default",
                               project_domain_name="Default",
                               region_name="RegionOne", interface="public")
    try:
        with pytest.raises(openstack.exceptions.ForbiddenException) as exc:
            member.compute.create_server(name="q", image_id=image.id,
                                         flavor_id=flavor.id, networks="none",
                                         min_count=3, max_count=3)
        assert "Quota exceeded for instances: Requested 3, but already used 0 of 2 " \
            "instances" in str(exc.value)
        assert list(member.compute.servers()) == []
        first = member.compute.create_server(name="q", image_id=image.id,
                                             flavor_id=flavor.id, networks="none",
                                             min_count=1, max_count=3)
        mine = sorted(member.compute.servers(), key=lambda s: s.name)
        assert [s.name for s in mine] == ["q-1", "q-2"]
        assert first.id in {s.id for s in mine}
        with pytest.raises(openstack.exceptions.ForbiddenException) as exc:
            member.compute.create_server(name="q", image_id=image.id,
                                         flavor_id=flavor.id, networks="none",
                                         min_count=1, max_count=3)
        assert "Requested 1-3, but already used 2 of 2 instances" in str(exc.value)
        servers = [{"id": s.id} for s in mine]
        _each_holds_its_allocation(conn, servers)
        _delete_and_check_released(conn, servers)
    finally:
        member.close()


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_min_max(cloud, conn, image, flavor):
    def cli(*args):
        done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                              env=cloud.client_env(), timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    created = json.loads(cli("server", "create", "--image", image.id, "--flavor",
                             flavor.name, "--no-network", "--min", "2", "--max", "2",
                             "--wait", "clivm", "-f", "json"))
    assert (created["name"], created["status"]) == ("clivm-1", "ACTIVE")
    reservation = created["OS-EXT-SRV-ATTR:reservation_id"]
    listed = json.loads(cli("server", "list", "--reservation-id", reservation,
                            "-f", "json"))
    assert sorted(s["Name"] for s in listed) == ["clivm-1", "clivm-2"]
    servers = [{"id": s["ID"]} for s in listed]
    _each_holds_its_allocation(conn, servers)
    cli("server", "delete", "--wait", *(s["id"] for s in servers))
    for server in servers:
        assert _allocations(conn, server["id"]) == {}

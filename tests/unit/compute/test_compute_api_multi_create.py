"""Creating several servers in one request (min_count / max_count) through the
compute API's test client: names, reservations, quota, refusals."""

import pytest
from compute_api import ADMIN, ALICE, at, boot, create_flavor


@pytest.fixture
def flavor(api):
    return create_flavor(api)


def _built(api):
    return [args[1] for args, _ in api.extras["conductor"].named("build_instance")]


def _detail(api, query=""):
    """Every project's servers as the admin sees them (2.3: reservation fields)."""
    resp = api.get(f"/v2.1/servers/detail?all_tenants=1{query}",
                   headers=at(ADMIN, "2.3"))
    assert resp.status_code == 200, resp.json
    return resp.json["servers"]


def test_three_servers_named_indexed_and_each_built(api, flavor):
    resp = boot(api, min_count=3, max_count=3, return_reservation_id=True)
    assert resp.status_code == 202, resp.json
    reservation = resp.json["reservation_id"]
    assert list(resp.json) == ["reservation_id"] and reservation.startswith("r-")
    servers = _detail(api, f"&reservation_id={reservation}")
    assert sorted((s["name"], s["OS-EXT-SRV-ATTR:launch_index"]) for s in servers) == [
        ("vm-1", 0), ("vm-2", 1), ("vm-3", 2)]
    assert {s["OS-EXT-SRV-ATTR:reservation_id"] for s in servers} == {reservation}
    assert sorted(_built(api)) == sorted(s["id"] for s in servers)
    assert sorted(s["OS-EXT-SRV-ATTR:hostname"] for s in servers) == [
        "vm-1", "vm-2", "vm-3"]
    # another request's servers are not in that reservation
    other = boot(api, return_reservation_id="true").json["reservation_id"]
    assert other != reservation
    assert [s["name"] for s in _detail(api, f"&reservation_id={other}")
            ] == ["vm"]


def test_without_reservation_id_the_first_server_is_answered(api, flavor):
    resp = boot(api, max_count="2")
    assert resp.status_code == 202, resp.json
    first = resp.json["server"]
    assert set(first) >= {"id", "links", "adminPass"}
    by_index = {s["OS-EXT-SRV-ATTR:launch_index"]: s for s in _detail(api)}
    assert sorted(by_index) == [0, 1] and by_index[0]["id"] == first["id"]
    assert by_index[0]["name"] == "vm-1"


def test_quota_gives_as_many_as_fit_down_to_min_count(api, flavor):
    api.put("/v2.1/os-quota-sets/proj-a", json={"quota_set": {"instances": 2}},
            headers=ADMIN)
    resp = boot(api, min_count=3, max_count=3)
    assert resp.status_code == 403
    assert resp.json["forbidden"]["message"] == (
        "Quota exceeded for instances: Requested 3, but already used 0 of 2 "
        "instances")
    assert _built(api) == []
    assert boot(api, min_count=1, max_count=3).status_code == 202
    assert sorted(s["name"] for s in _detail(api)) == ["vm-1", "vm-2"]
    resp = boot(api, min_count=1, max_count=3)
    assert resp.json["forbidden"]["message"] == (
        "Quota exceeded for instances: Requested 1-3, but already used 2 of 2 "
        "instances")


def test_cores_bound_the_count_too(api, flavor):
    api.put("/v2.1/os-quota-sets/proj-a", json={"quota_set": {"cores": 2}},
            headers=ADMIN)
    assert boot(api, min_count=2, max_count=5).status_code == 202
    assert len(_built(api)) == 2
    resp = boot(api, min_count=2, max_count=2)
    assert resp.json["forbidden"]["message"] == (
        "Quota exceeded for cores: Requested 2, but already used 2 of 2 cores")


@pytest.mark.parametrize("counts", [
    {"min_count": 0}, {"max_count": 0}, {"min_count": "0"}, {"min_count": -1},
    {"min_count": "x"}, {"min_count": 3, "max_count": 2}, {"max_count": 1.5},
    {"max_count": 2, "return_reservation_id": "maybe"},
])
def test_bad_counts_are_400(api, flavor, counts):
    resp = boot(api, **counts)
    assert resp.status_code == 400, resp.json
    assert _built(api) == []


def test_min_count_alone_sets_max_count(api, flavor):
    assert boot(api, min_count=2).status_code == 202
    assert len(_built(api)) == 2


def test_what_several_servers_cannot_share_is_400(api, flavor):
    networks = api.extras["networks"]
    net = networks.add_network("aaaaaaaa-0000-0000-0000-000000000001")
    port = networks.add_port("dddddddd-0000-0000-0000-000000000001", net)
    resp = boot(api, max_count=2, networks=[{"port": port}])
    assert resp.status_code == 400
    assert "single configured port ID" in resp.json["badRequest"]["message"]
    resp = boot(api, max_count=2, networks=[{"uuid": net, "fixed_ip": "10.0.0.5"}])
    assert resp.status_code == 400 and "fixed_ip" in resp.json["badRequest"]["message"]
    resp = boot(api, ALICE, "2.90", max_count=2, hostname="one")
    assert resp.status_code == 400
    assert _built(api) == []
    # one server with a port is fine
    assert boot(api, max_count=1, networks=[{"port": port}]).status_code == 202


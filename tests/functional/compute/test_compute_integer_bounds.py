"""Numbers too large for the database are bad input (400) or match nothing (404,
an empty list), never a 500: flavors, quotas, aggregates, server groups."""

import pytest

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

BIG = 10 ** 20
MAX_INT = 2 ** 31 - 1


def _call(conn, method, path, body=None, version="2.1"):
    return conn.compute.request(path, method, json=body, microversion=version)


def _fault(response) -> str:
    return next(iter(response.json().values()))["message"]


@pytest.mark.parametrize("field", ["ram", "vcpus", "disk", "swap",
                                   "OS-FLV-EXT-DATA:ephemeral"])
@pytest.mark.parametrize("value", [BIG, str(BIG), MAX_INT + 1, 1e308])
def test_flavor_sizes_past_the_largest_integer_are_400(conn, field, value):
    body = {"name": f"huge-{field}", "ram": 64, "vcpus": 1, "disk": 1, field: value}
    response = _call(conn, "POST", "/flavors", {"flavor": body})
    assert response.status_code == 400, response.text
    assert field in _fault(response)
    assert "badRequest" in response.json()


def test_a_flavor_of_the_largest_sizes_is_created(conn):
    body = {"name": "largest", "ram": MAX_INT, "vcpus": str(MAX_INT), "disk": MAX_INT}
    response = _call(conn, "POST", "/flavors", {"flavor": body})
    assert response.status_code == 200, response.text
    flavor = response.json()["flavor"]
    assert (flavor["ram"], flavor["vcpus"], flavor["disk"]) == (MAX_INT,) * 3
    assert _call(conn, "DELETE", f"/flavors/{flavor['id']}").status_code == 202


@pytest.mark.parametrize("name", ["minRam", "minDisk"])
def test_flavor_filters_past_every_size_list_nothing(conn, flavor, name):
    for value in (BIG, MAX_INT + 1):
        response = _call(conn, "GET", f"/flavors/detail?{name}={value}")
        assert response.status_code == 200, response.text
        assert response.json()["flavors"] == []
    response = _call(conn, "GET", f"/flavors?{name}=0")
    assert response.status_code == 200
    assert flavor.id in [f["id"] for f in response.json()["flavors"]]


@pytest.mark.parametrize("value", [BIG, str(BIG), MAX_INT + 1, 1e308])
def test_quota_limits_past_the_largest_integer_are_400(conn, value):
    project = conn.current_project_id
    response = _call(conn, "PUT", f"/os-quota-sets/{project}",
                     {"quota_set": {"instances": value}})
    assert response.status_code == 400, response.text
    assert "instances" in _fault(response)
    response = _call(conn, "PUT", f"/os-quota-sets/{project}",
                     {"quota_set": {"key_pairs": MAX_INT}})
    assert response.status_code == 200, response.text
    assert response.json()["quota_set"]["key_pairs"] == MAX_INT


def test_an_aggregate_id_past_the_largest_integer_is_not_found(conn):
    for method, path, body in [
            ("GET", f"/os-aggregates/{BIG}", None),
            ("DELETE", f"/os-aggregates/{BIG}", None),
            ("PUT", f"/os-aggregates/{BIG}", {"aggregate": {"name": "z"}}),
            ("POST", f"/os-aggregates/{BIG}/action", {"add_host": {"host": "node1"}})]:
        response = _call(conn, method, path, body)
        assert response.status_code == 404, (method, path, response.text)
        assert "itemNotFound" in response.json()
    assert _call(conn, "GET", "/os-aggregates/abc").status_code == 400


def test_a_server_group_offset_past_every_group_is_an_empty_page(conn):
    response = _call(conn, "POST", "/os-server-groups",
                     {"server_group": {"name": "g1", "policies": ["affinity"]}})
    assert response.status_code == 200, response.text
    group_id = response.json()["server_group"]["id"]
    try:
        for offset in (BIG, MAX_INT + 1):
            response = _call(conn, "GET", f"/os-server-groups?offset={offset}")
            assert response.status_code == 200, response.text
            assert response.json()["server_groups"] == []
        listed = _call(conn, "GET", "/os-server-groups?offset=0").json()["server_groups"]
        assert group_id in [g["id"] for g in listed]
    finally:
        _call(conn, "DELETE", f"/os-server-groups/{group_id}")

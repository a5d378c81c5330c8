"""Integers past what the database can hold are bad input (400) or match nothing,
never a 500 (they were: OverflowError from SQLite): list filters on integer
attributes, limit, quota values."""

import pytest
from conftest import PROJECT_A

BIG = 10 ** 20
INT64_PAST = 2 ** 63


@pytest.mark.parametrize("query", [
    f"mtu={BIG}", f"mtu={-BIG}", f"revision_number={INT64_PAST}",
    f"provider:segmentation_id={BIG}",
])
def test_integer_filter_past_the_database_range_lists_nothing(network_api, query):
    network_api.create("networks", {"name": "n"})
    listed = network_api.ok("GET", f"/v2.0/networks?{query}", project="admin")
    assert listed["networks"] == []


def test_out_of_range_value_among_several_is_ignored(network_api):
    net = network_api.create("networks", {"name": "n"})
    listed = network_api.ok("GET", f"/v2.0/networks?mtu={BIG}&mtu={net['mtu']}")
    assert [n["id"] for n in listed["networks"]] == [net["id"]]


@pytest.mark.parametrize("collection", ["networks", "ports", "security-groups",
                                        "routers", "subnets"])
@pytest.mark.parametrize("limit", [BIG, INT64_PAST])
def test_limit_past_the_database_range_lists_everything(network_api, collection,
                                                        limit):
    network_api.create("networks", {"name": "n"})
    resp = network_api.request("GET", f"/v2.0/{collection}?limit={limit}")
    assert resp.status_code == 200, resp.text
    key = collection.replace("-", "_")
    if collection in ("networks", "security-groups"):
        assert len(resp.json()[key]) == 1  # (the default security group)
    assert f"{key}_links" not in resp.json() or all(
        link["rel"] != "next" for link in resp.json()[f"{key}_links"])


@pytest.mark.parametrize("value", [BIG, str(BIG), 2 ** 31])
def test_quota_past_the_largest_integer_is_a_400_naming_it(network_api, value):
    resp = network_api.request("PUT", f"/v2.0/quotas/{PROJECT_A}", project="admin",
                               json={"quota": {"network": value}})
    assert resp.status_code == 400, resp.text
    assert "network" in resp.json()["NeutronError"]["message"]
    assert network_api.ok("GET", f"/v2.0/quotas/{PROJECT_A}")["quota"]["network"] == 100

"""Integers past what the database can hold are bad input (400 naming the field)
or fit nowhere (an empty list), never a 500 (they were: OverflowError from
SQLite): resource provider generations, requested resource amounts."""

import pytest

BIG = 10 ** 20
MAX_INT = 2 ** 31 - 1


@pytest.fixture
def provider(client):
    resp = client.post("/resource_providers", json={"name": "cn1"})
    assert resp.status_code == 200, resp.text
    uuid = resp.json()["uuid"]
    resp = client.put(f"/resource_providers/{uuid}/inventories", json={
        "resource_provider_generation": 0, "inventories": {"VCPU": {"total": 8}}})
    assert resp.status_code == 200, resp.text
    return uuid


@pytest.mark.parametrize("path,body", [
    ("inventories", {"inventories": {}}),
    ("traits", {"traits": []}),
    ("aggregates", {"aggregates": []}),
])
@pytest.mark.parametrize("generation", [BIG, 2 ** 63, -BIG, MAX_INT + 1])
def test_generation_past_the_largest_integer_is_a_400(client, provider, path, body,
                                                      generation):
    resp = client.put(f"/resource_providers/{provider}/{path}",
                      json={**body, "resource_provider_generation": generation})
    assert resp.status_code == 400, resp.text
    [error] = resp.json()["errors"]
    assert "resource_provider_generation" in error["detail"]


@pytest.mark.parametrize("amount", [BIG, 2 ** 63, MAX_INT + 1])
def test_amount_past_the_largest_integer_fits_nowhere(client, provider, amount):
    resp = client.get(f"/resource_providers?resources=VCPU:{amount}")
    assert resp.status_code == 200, resp.text
    assert resp.json()["resource_providers"] == []
    resp = client.get(f"/allocation_candidates?resources=VCPU:{amount}")
    assert resp.status_code == 200, resp.text
    assert resp.json()["allocation_requests"] == []
    # (the same query with an amount that fits finds the provider)
    resp = client.get("/allocation_candidates?resources=VCPU:8")
    assert [r["allocations"] for r in resp.json()["allocation_requests"]] == [
        {provider: {"resources": {"VCPU": 8}}}]

"""Concurrent allocation writes never over-commit a provider."""

import threading
import uuid

from placement_client import Client


def _provider(client, total):
    rp = client.post("/resource_providers", json={"name": f"cn-{uuid.uuid4()}"}).json()
    resp = client.put(f"/resource_providers/{rp['uuid']}/inventories", json={
        "resource_provider_generation": 0, "inventories": {"VCPU": {"total": total}}})
    assert resp.status_code == 200, resp.text
    return rp["uuid"]


def _race(url, count, body_for):
    """Run ``count`` PUT /allocations at once; their statuses."""
    barrier = threading.Barrier(count)
    statuses = [None] * count

    def claim(i):
        api = Client(url, version="1.38")
        try:
            consumer, body = body_for(i)
            barrier.wait()
            statuses[i] = api.put(f"/allocations/{consumer}", json=body)
        finally:
            api.close()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return statuses


def _claim(rp_uuid, amount=1):
    def body_for(i):
        return str(uuid.uuid4()), {
            "allocations": {rp_uuid: {"resources": {"VCPU": amount}}},
            "project_id": "p", "user_id": "u", "consumer_generation": None,
            "consumer_type": "INSTANCE"}
    return body_for


def test_last_unit_has_exactly_one_winner(client, placement_server):
    rp_uuid = _provider(client, total=1)
    responses = _race(placement_server.url, 12, _claim(rp_uuid))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [204] + [409] * 11, [r.text for r in responses]
    usages = client.get(f"/resource_providers/{rp_uuid}/usages").json()
    assert usages["usages"] == {"VCPU": 1}
    # one winner bumped the generation once after the inventory's bump
    assert usages["resource_provider_generation"] == 2


def test_capacity_is_filled_exactly(client, placement_server):
    rp_uuid = _provider(client, total=5)
    responses = _race(placement_server.url, 12, _claim(rp_uuid))
    assert sum(r.status_code == 204 for r in responses) == 5
    assert all(r.status_code in (204, 409) for r in responses)
    allocations = client.get(f"/resource_providers/{rp_uuid}/allocations").json()
    assert len(allocations["allocations"]) == 5
    assert client.get(f"/resource_providers/{rp_uuid}/usages").json()["usages"] == {
        "VCPU": 5}


def test_one_consumer_generation_one_winner(client, placement_server):
    rp_uuid = _provider(client, total=100)
    consumer = str(uuid.uuid4())
    first = client.put(f"/allocations/{consumer}", version="1.28", json={
        "allocations": {rp_uuid: {"resources": {"VCPU": 1}}}, "project_id": "p",
        "user_id": "u", "consumer_generation": None})
    assert first.status_code == 204

    def body_for(i):
        return consumer, {"allocations": {rp_uuid: {"resources": {"VCPU": i + 1}}},
                          "project_id": "p", "user_id": "u", "consumer_generation": 1,
                          "consumer_type": "INSTANCE"}

    responses = _race(placement_server.url, 8, body_for)
    assert sorted(r.status_code for r in responses) == [204] + [409] * 7
    losers = [r.json()["errors"][0]["code"] for r in responses if r.status_code == 409]
    assert set(losers) == {"placement.concurrent_update"}
    shown = client.get(f"/allocations/{consumer}", version="1.28").json()
    assert shown["consumer_generation"] == 2

def test_root(client):
    resp = client.get("/", version=None, headers={"X-Auth-Token": ""})
    assert resp.status_code == 200
    print(resp.json())


def test_provider_round_trip(client):
    resp = client.post("/resource_providers", json={"name": "cn1"})
    assert resp.status_code == 200, resp.text
    rp = resp.json()
    print(rp)
    uuid = rp["uuid"]
    resp = client.put(f"/resource_providers/{uuid}/inventories", json={
        "resource_provider_generation": 0,
        "inventories": {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 1024}}})
    assert resp.status_code == 200, resp.text
    resp = client.get("/allocation_candidates?resources=VCPU:1,MEMORY_MB:512")
    assert resp.status_code == 200, resp.text
    print(resp.json())
    resp = client.put("/allocations/" + "a" * 8 + "-aaaa-aaaa-aaaa-" + "a" * 12, json={
        "allocations": {uuid: {"resources": {"VCPU": 2}}}, "project_id": "p",
        "user_id": "u", "consumer_generation": None, "consumer_type": "INSTANCE"})
    assert resp.status_code == 204, resp.text
    print(client.get(f"/resource_providers/{uuid}/usages").json())
    print(client.get("/usages?project_id=p").json())

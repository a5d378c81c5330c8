"""Volume transfers over HTTP: offer, accept with the key, quotas move with the
volume; wrong keys, withdrawn offers and strangers get nothing."""

from conftest import PROJECT_A, PROJECT_B


def _usage(api, project):
    return api.ok("GET", f"/v3/os-quota-sets/{project}?usage=true",
                  project="admin")["quota_set"]


def test_a_transfer_moves_the_volume_its_snapshots_and_their_quota(block_api):
    volume = block_api.create_volume(size=2, name="gift")
    snap = block_api.ok("POST", "/v3/snapshots", 202, json={
        "snapshot": {"volume_id": volume["id"]}})["snapshot"]
    block_api.wait_snapshot(snap["id"], "available")
    transfer = block_api.ok("POST", "/v3/os-volume-transfer", 202, json={
        "transfer": {"volume_id": volume["id"], "name": "t1"}})["transfer"]
    key = transfer["auth_key"]
    assert len(key) == 16 and transfer["volume_id"] == volume["id"]
    assert block_api.volume(volume["id"])["status"] == "awaiting-transfer"
    shown = block_api.ok("GET", f"/v3/os-volume-transfer/{transfer['id']}")["transfer"]
    assert "auth_key" not in shown and shown["name"] == "t1"
    assert [t["id"] for t in block_api.ok("GET", "/v3/os-volume-transfer/detail")[
        "transfers"]] == [transfer["id"]]
    # the other project cannot list it, and a wrong key moves nothing
    assert block_api.ok("GET", "/v3/os-volume-transfer",
                        project=PROJECT_B)["transfers"] == []
    block_api.fault("POST", f"/v3/os-volume-transfer/{transfer['id']}/accept", 400,
                    project=PROJECT_B, json={"accept": {"auth_key": "x" * 16}})
    assert _usage(block_api, PROJECT_A)["gigabytes"]["in_use"] == 4

    accepted = block_api.ok("POST", f"/v3/os-volume-transfer/{transfer['id']}/accept",
                            202, project=PROJECT_B,
                            json={"accept": {"auth_key": key}})["transfer"]
    assert accepted["volume_id"] == volume["id"]
    moved = block_api.volume(volume["id"], project=PROJECT_B)
    assert moved["status"] == "available"
    block_api.fault("GET", f"/v3/volumes/{volume['id']}", 404, project=PROJECT_A)
    assert block_api.ok("GET", f"/v3/snapshots/{snap['id']}",
                        project=PROJECT_B)["snapshot"]["volume_id"] == volume["id"]
    a, b = _usage(block_api, PROJECT_A), _usage(block_api, PROJECT_B)
    assert (a["volumes"]["in_use"], a["gigabytes"]["in_use"], a["snapshots"]["in_use"]) \
        == (0, 0, 0)
    assert (b["volumes"]["in_use"], b["gigabytes"]["in_use"], b["snapshots"]["in_use"]) \
        == (1, 4, 1)
    block_api.fault("GET", f"/v3/os-volume-transfer/{transfer['id']}", 404)


def test_withdrawing_a_transfer_gives_the_volume_back(block_api):
    volume = block_api.create_volume()
    transfer = block_api.ok("POST", "/v3/os-volume-transfer", 202, json={
        "transfer": {"volume_id": volume["id"]}})["transfer"]
    block_api.fault("DELETE", f"/v3/os-volume-transfer/{transfer['id']}", 404,
                    project=PROJECT_B)
    block_api.ok("DELETE", f"/v3/os-volume-transfer/{transfer['id']}", 202)
    assert block_api.volume(volume["id"])["status"] == "available"
    block_api.fault("POST", f"/v3/os-volume-transfer/{transfer['id']}/accept", 404,
                    project=PROJECT_B, json={"accept": {"auth_key": transfer["auth_key"]}})


def test_only_available_volumes_of_ones_own_are_offered(block_api):
    volume = block_api.create_volume()
    block_api.fault("POST", "/v3/os-volume-transfer", 404, project=PROJECT_B,
                    json={"transfer": {"volume_id": volume["id"]}})
    block_api.ok("POST", "/v3/os-volume-transfer", 202,
                 json={"transfer": {"volume_id": volume["id"]}})
    block_api.fault("POST", "/v3/os-volume-transfer", 400,
                    json={"transfer": {"volume_id": volume["id"]}})
    block_api.fault("POST", "/v3/os-volume-transfer", 400, json={"transfer": {}})


def test_accepting_respects_the_receivers_quota(block_api):
    block_api.ok("PUT", f"/v3/os-quota-sets/{PROJECT_B}", project="admin",
                 json={"quota_set": {"gigabytes": 1}})
    volume = block_api.create_volume(size=2)
    transfer = block_api.ok("POST", "/v3/os-volume-transfer", 202, json={
        "transfer": {"volume_id": volume["id"]}})["transfer"]
    block_api.fault("POST", f"/v3/os-volume-transfer/{transfer['id']}/accept", 413,
                    project=PROJECT_B, json={"accept": {"auth_key": transfer["auth_key"]}})
    assert block_api.volume(volume["id"])["status"] == "awaiting-transfer"

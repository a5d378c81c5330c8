"""Backups over HTTP with a real volume agent and a filesystem backup store: full
and incremental, restore into a new or an existing volume (bytes identical), kept
after the volume is deleted, quota, errors."""

import hashlib
import os

from conftest import PROJECT_B

MiB = 1024 * 1024


def _file(api, volume_id):
    return api.volume_dir / f"volume-{volume_id}.raw"


def _sha(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def _backup(api, volume_id, status="available", **body):
    created = api.ok("POST", "/v3/backups", 202, json={
        "backup": {"volume_id": volume_id, **body}})["backup"]
    assert set(created) == {"id", "name", "links"}
    return _wait_backup(api, created["id"], status)


def _wait_backup(api, backup_id, status, timeout=60):
    import time
    deadline = time.monotonic() + timeout
    while True:
        backup = api.ok("GET", f"/v3/backups/{backup_id}")["backup"]
        if backup["status"] == status:
            return backup
        assert backup["status"] != "error" or status == "error", backup
        assert time.monotonic() < deadline, backup
        time.sleep(0.05)


def test_backup_delete_the_volume_restore_bytes_identical(block_api):
    volume = block_api.create_volume(size=1, name="precious")
    with open(_file(block_api, volume["id"]), "r+b") as f:
        f.write(os.urandom(3 * MiB))
        f.seek(700 * MiB)
        f.write(b"sovra-backup-marker")
    original = _sha(_file(block_api, volume["id"]))
    backup = _backup(block_api, volume["id"], name="b1", description="first")
    assert backup["size"] == 1 and backup["volume_id"] == volume["id"]
    assert not backup["is_incremental"] and backup["object_count"] >= 1
    assert block_api.volume(volume["id"])["status"] == "available"

    block_api.ok("DELETE", f"/v3/volumes/{volume['id']}", 202)
    block_api.wait_gone(f"/v3/volumes/{volume['id']}")
    assert block_api.ok("GET", f"/v3/backups/{backup['id']}")["backup"]["status"] == \
        "available"

    restored = block_api.ok("POST", f"/v3/backups/{backup['id']}/restore", 202,
                            json={"restore": {"name": "back"}})["restore"]
    assert restored["backup_id"] == backup["id"] and restored["volume_name"] == "back"
    volume = block_api.wait_volume(restored["volume_id"], "available")
    assert volume["size"] == 1
    assert _sha(_file(block_api, volume["id"])) == original
    _wait_backup(block_api, backup["id"], "available")


def test_incremental_backup_and_restore_over_an_existing_volume(block_api):
    volume = block_api.create_volume(size=1)
    with open(_file(block_api, volume["id"]), "r+b") as f:
        f.write(os.urandom(MiB))
    full = _backup(block_api, volume["id"])
    with open(_file(block_api, volume["id"]), "r+b") as f:
        f.seek(500 * MiB)
        f.write(b"changed after the full backup")
    wanted = _sha(_file(block_api, volume["id"]))
    incr = _backup(block_api, volume["id"], incremental=True)
    assert incr["is_incremental"]
    assert block_api.ok("GET", f"/v3/backups/{full['id']}")["backup"][
        "has_dependent_backups"]
    assert incr["object_count"] < full["object_count"] + 2

    target = block_api.create_volume(size=2)
    block_api.ok("POST", f"/v3/backups/{incr['id']}/restore", 202,
                 json={"restore": {"volume_id": target["id"]}})
    block_api.wait_volume(target["id"], "available")
    with open(_file(block_api, target["id"]), "rb") as f:
        got = hashlib.sha256(f.read(1024 ** 3)).hexdigest()
    assert got == wanted

    # a backup with incremental children cannot go first
    block_api.fault("DELETE", f"/v3/backups/{full['id']}", 400)
    block_api.ok("DELETE", f"/v3/backups/{incr['id']}", 202)
    block_api.wait_gone(f"/v3/backups/{incr['id']}")
    block_api.ok("DELETE", f"/v3/backups/{full['id']}", 202)
    block_api.wait_gone(f"/v3/backups/{full['id']}")


def test_backup_rules(block_api):
    volume = block_api.create_volume()
    block_api.fault("POST", "/v3/backups", 400, json={
        "backup": {"volume_id": volume["id"], "incremental": True}})
    block_api.fault("POST", "/v3/backups", 404, project=PROJECT_B, json={
        "backup": {"volume_id": volume["id"]}})
    block_api.fault("POST", "/v3/backups", 400, json={"backup": {}})
    for container in ("../x", "-x", ".x", "a/b", ""):
        block_api.fault("POST", "/v3/backups", 400, json={
            "backup": {"volume_id": volume["id"], "container": container}})
    backup = _backup(block_api, volume["id"])
    block_api.fault("GET", f"/v3/backups/{backup['id']}", 404, project=PROJECT_B)
    small = block_api.create_volume(size=1)
    big_backup_volume = block_api.create_volume(size=2)
    big = _backup(block_api, big_backup_volume["id"])
    block_api.fault("POST", f"/v3/backups/{big['id']}/restore", 400,
                    json={"restore": {"volume_id": small["id"]}})
    listed = block_api.ok("GET", "/v3/backups/detail?sort=size:desc")["backups"]
    assert [b["id"] for b in listed] == [big["id"], backup["id"]]
    renamed = block_api.ok("PUT", f"/v3/backups/{backup['id']}",
                           json={"backup": {"name": "renamed"}})["backup"]
    assert renamed["name"] == "renamed"
    usage = block_api.ok("GET", "/v3/os-quota-sets/admin?usage=true",
                         project="admin")["quota_set"]
    assert usage["backups"]["in_use"] >= 0  # admin's own project: nothing of ours
    block_api.ok("POST", f"/v3/backups/{backup['id']}/action", 202, project="admin",
                 json={"os-reset_status": {"status": "error"}})
    block_api.ok("DELETE", f"/v3/backups/{backup['id']}", 202)
    block_api.wait_gone(f"/v3/backups/{backup['id']}")

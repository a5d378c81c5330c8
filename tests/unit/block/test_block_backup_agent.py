"""Volume backups through the volume agent's endpoint: a real FileDriver in a tmp
dir, each backup store (filesystem in a tmp dir, S3 on moto's in-process S3), and
the recording stand-in of the API side's report endpoint."""

import json
import os
import threading
import uuid
import zlib

import boto3
import moto
import pytest
from drivers_conformance import GiB, MiB, volume_digest, write_bytes
from test_block_agent import Reports, created, ref, volume
from test_block_driver_file import make_driver

from sovra_block.agent import backup as agent_backup
from sovra_block.agent.endpoint import VolumeAgentEndpoint
from sovra_block.backup import BackupStoreError
from sovra_block.backup.filesystem import FilesystemBackupStore
from sovra_block.backup.s3 import S3BackupStore
from sovra_common import context as sovra_context

CHUNK = MiB  # small chunks: a few MiB of data make several of them


@pytest.fixture(scope="module")
def s3_client():
    with moto.mock_aws():
        yield boto3.client("s3", region_name="us-east-1", aws_access_key_id="k",
                           aws_secret_access_key="s")


@pytest.fixture(params=["filesystem", "s3"])
def store(request, tmp_path):
    if request.param == "filesystem":
        yield FilesystemBackupStore(str(tmp_path / "backups"))
        return
    client = request.getfixturevalue("s3_client")
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    store = S3BackupStore(bucket=bucket, client=client, create_bucket=True)
    store.setup()
    yield store
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=obj["Key"])
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
def driver(tmp_path):
    return make_driver(tmp_path)


@pytest.fixture
def reports():
    return Reports()


@pytest.fixture
def backups(store, driver, tmp_path):
    return agent_backup.VolumeBackups(store, driver,
                                      conversion_dir=str(tmp_path / "conversion"),
                                      chunk_size=CHUNK, compression="zlib")


@pytest.fixture
def endpoint(driver, reports, backups, tmp_path):
    return VolumeAgentEndpoint("host1@files", driver, reports, backups=backups,
                               conversion_dir=str(tmp_path / "conversion"))


@pytest.fixture
def ctxt():
    return sovra_context.RequestContext(user_id="u1", project_id="p1", roles=["member"])


def new_backup(vol, parent=None, container=None):
    return {"id": str(uuid.uuid4()), "volume_id": vol["id"], "size": vol["size"],
            "container": container, "parent_id": parent["id"] if parent else None,
            "is_incremental": parent is not None, "project_id": "p1"}


def backed_up(endpoint, reports, ctxt, vol, parent=None, restore_status="available",
              container=None):
    """Back ``vol`` up; the backup dict, with what the agent reported."""
    backup = new_backup(vol, parent, container)
    endpoint.backup_volume(ctxt, backup, {**vol, "restore_status": restore_status},
                           parent)
    (backup_id, updates), kwargs = reports.last("backup_update")
    assert backup_id == backup["id"]
    assert kwargs["reason"] is None, kwargs["reason"]
    assert updates["status"] == "available"
    # the volume's status goes back with the backup's end, in the same report
    assert kwargs["volume_status"] == restore_status
    backup["object_count"] = updates["object_count"]
    return backup


def restored(endpoint, reports, ctxt, backup, vol):
    endpoint.restore_backup(ctxt, backup, vol)
    assert reports.last("volume_update") == ((vol["id"], {"status": "available"}),
                                             {"reason": None})
    assert reports.last("backup_update") == ((backup["id"], {"status": "available"}),
                                             {"reason": None})


def own_objects(store, backup):
    return store.list_objects(f"{backup.get('container') or 'volumebackups'}/"
                              f"{backup['id']}/")


def manifest(store, backup):
    return json.loads(store.get_object(f"volumebackups/{backup['id']}/manifest"))


def staged(tmp_path):
    directory = tmp_path / "conversion" / "backups"
    return sorted(os.listdir(directory)) if directory.exists() else []


def data_at(driver, vol, tmp_path, writes):
    """Write {offset: bytes} into ``vol``."""
    for offset, data in writes.items():
        write_bytes(driver, ref(vol), offset, data, tmp_path)


# -- backup, incremental, restore ---------------------------------------------------

def test_full_then_incremental_stores_only_changed_chunks(endpoint, reports, driver,
                                                          store, ctxt, tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {0: os.urandom(3 * CHUNK),  # chunks 0, 1, 2
                                    500 * CHUNK + 7: os.urandom(100_000)})  # 500
    full = backed_up(endpoint, reports, ctxt, vol, restore_status="in-use")
    names = own_objects(store, full)
    assert names == [f"volumebackups/{full['id']}/chunk-{i:08d}" for i in
                     (0, 1, 2, 500)] + [f"volumebackups/{full['id']}/manifest"]
    assert full["object_count"] == 5
    m = manifest(store, full)
    assert (m["backup_id"], m["volume_id"], m["parent_id"], m["size_gb"],
            m["size_bytes"], m["chunk_size"], m["compression"]) == (
        full["id"], vol["id"], None, 1, GiB, CHUNK, "zlib")
    assert len(m["chunks"]) == 1024
    assert sum(1 for c in m["chunks"].values() if c["object"]) == 4

    data_at(driver, vol, tmp_path, {CHUNK + 5: b"changed",  # chunk 1
                                    700 * CHUNK: os.urandom(CHUNK)})  # 700, new
    incr = backed_up(endpoint, reports, ctxt, vol, parent=full)
    assert own_objects(store, incr) == [
        f"volumebackups/{incr['id']}/chunk-00000001",
        f"volumebackups/{incr['id']}/chunk-00000700",
        f"volumebackups/{incr['id']}/manifest"]
    assert incr["object_count"] == 3
    chunks = manifest(store, incr)["chunks"]
    assert chunks["0"]["object"] == f"volumebackups/{full['id']}/chunk-00000000"
    assert chunks["500"]["object"] == f"volumebackups/{full['id']}/chunk-00000500"
    assert chunks["1"]["object"] == f"volumebackups/{incr['id']}/chunk-00000001"
    assert chunks["1"]["sha256"] != m["chunks"]["1"]["sha256"]
    assert manifest(store, incr)["parent_id"] == full["id"]
    assert staged(tmp_path) == []


def test_restore_gives_the_backed_up_bytes_full_and_incremental_chain(
        endpoint, reports, driver, ctxt, tmp_path):
    vol = created(endpoint, reports, ctxt, volume(fmt="qcow2"))
    data_at(driver, vol, tmp_path, {0: os.urandom(2 * CHUNK + 3),
                                    300 * CHUNK: os.urandom(5000)})
    want_full = volume_digest(driver, ref(vol), tmp_path)
    full = backed_up(endpoint, reports, ctxt, vol)
    data_at(driver, vol, tmp_path, {CHUNK: os.urandom(10), 900 * CHUNK: b"new"})
    want_incr = volume_digest(driver, ref(vol), tmp_path)
    incr = backed_up(endpoint, reports, ctxt, vol, parent=full)
    data_at(driver, vol, tmp_path, {2 * CHUNK: b"third"})
    want_incr2 = volume_digest(driver, ref(vol), tmp_path)
    incr2 = backed_up(endpoint, reports, ctxt, vol, parent=incr)
    assert len({want_full, want_incr, want_incr2}) == 3

    for backup, want, fmt in [(full, want_full, "raw"), (incr, want_incr, "qcow2"),
                              (incr2, want_incr2, "raw")]:
        target = created(endpoint, reports, ctxt, volume(fmt=fmt))
        restored(endpoint, reports, ctxt, backup, target)
        assert volume_digest(driver, ref(target), tmp_path) == want, backup
    # the second incremental reads chunk 0 from the full backup, chunk 1 from the
    # first incremental: one manifest is enough to restore a chain
    chunks = json.loads(endpoint._backups.store.get_object(
        f"volumebackups/{incr2['id']}/manifest"))["chunks"]
    assert chunks["0"]["object"].split("/")[1] == full["id"]
    assert chunks["1"]["object"].split("/")[1] == incr["id"]
    assert chunks["2"]["object"].split("/")[1] == incr2["id"]
    assert staged(tmp_path) == []


def test_restore_into_a_larger_volume_and_over_old_bytes(endpoint, reports, driver,
                                                         ctxt, tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {4096: b"backed up"})
    want, _ = volume_digest(driver, ref(vol), tmp_path)
    backup = backed_up(endpoint, reports, ctxt, vol)
    target = created(endpoint, reports, ctxt, volume(size=2))
    data_at(driver, target, tmp_path, {0: b"old bytes", GiB + 10: b"beyond"})
    restored(endpoint, reports, ctxt, backup, target)
    digest, size = volume_digest(driver, ref(target), tmp_path)
    assert size == 2 * GiB  # the volume keeps its size; beyond the backup: zeros
    assert digest == want


def test_container_names_the_objects(endpoint, reports, driver, store, ctxt, tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {0: b"x" * 100})
    backup = backed_up(endpoint, reports, ctxt, vol, container="nightly")
    assert store.list_objects("") == [f"nightly/{backup['id']}/chunk-00000000",
                                      f"nightly/{backup['id']}/manifest"]
    target = created(endpoint, reports, ctxt, volume())
    restored(endpoint, reports, ctxt, backup, target)


def test_zero_chunks_store_nothing(endpoint, reports, driver, store, backups, ctxt,
                                   tmp_path, monkeypatch):
    blank = created(endpoint, reports, ctxt, volume())
    backup = backed_up(endpoint, reports, ctxt, blank)
    assert backup["object_count"] == 1  # the manifest alone
    assert own_objects(store, backup) == [f"volumebackups/{backup['id']}/manifest"]
    assert all(c["object"] is None for c in manifest(store, backup)["chunks"].values())

    # zeros written out (no holes in the staged copy) are found by their bytes
    def dense_copy(volume, dest, disk_format):
        with open(dest, "wb") as f:
            f.write(bytes(3 * CHUNK) + b"\1" + bytes(CHUNK - 1))
    monkeypatch.setattr(driver, "copy_volume_to_image", dense_copy)
    backup = backed_up(endpoint, reports, ctxt, blank)
    chunks = manifest(store, backup)["chunks"]
    assert [c["object"] is None for _, c in sorted(chunks.items())] == \
        [True, True, True, False]
    assert backup["object_count"] == 2


def test_compression(endpoint, reports, driver, store, backups, ctxt, tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {0: b"compressible " * (CHUNK // 13 + 1),
                                    CHUNK * 4: os.urandom(CHUNK)})
    backup = backed_up(endpoint, reports, ctxt, vol)
    chunks = manifest(store, backup)["chunks"]
    assert chunks["0"]["compression"] == "zlib"
    assert len(store.get_object(chunks["0"]["object"])) < CHUNK // 10
    assert chunks["4"]["compression"] == "none"  # random data: kept as it is
    assert len(store.get_object(chunks["4"]["object"])) == CHUNK

    backups._compression = "none"
    plain = backed_up(endpoint, reports, ctxt, vol)
    chunks = manifest(store, plain)["chunks"]
    assert chunks["0"]["compression"] == "none"
    assert len(store.get_object(chunks["0"]["object"])) == CHUNK


def test_incremental_of_an_extended_volume(endpoint, reports, driver, store, ctxt,
                                           tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {0: b"first GiB"})
    full = backed_up(endpoint, reports, ctxt, vol)
    endpoint.extend_volume(ctxt, vol, 2)
    vol["size"] = 2
    data_at(driver, vol, tmp_path, {GiB + CHUNK: b"second GiB"})
    want = volume_digest(driver, ref(vol), tmp_path)
    incr = backed_up(endpoint, reports, ctxt, vol, parent=full)
    assert [n.rsplit("/", 1)[1] for n in own_objects(store, incr)] == [
        "chunk-00001025", "manifest"]
    assert manifest(store, incr)["size_bytes"] == 2 * GiB

    small = created(endpoint, reports, ctxt, volume())
    endpoint.restore_backup(ctxt, incr, small)
    (_, updates), kwargs = reports.last("volume_update")
    assert updates == {"status": "error_restoring"}
    assert "does not fit in volume" in kwargs["reason"]
    big = created(endpoint, reports, ctxt, volume(size=2))
    restored(endpoint, reports, ctxt, incr, big)
    assert volume_digest(driver, ref(big), tmp_path) == want


# -- failures ----------------------------------------------------------------------

def test_corrupted_chunk_fails_the_restore_and_keeps_the_volume(endpoint, reports,
                                                                driver, store, ctxt,
                                                                tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {0: os.urandom(2 * CHUNK)})
    backup = backed_up(endpoint, reports, ctxt, vol)
    name = f"volumebackups/{backup['id']}/chunk-00000001"
    stored = store.get_object(name)
    store.put_object(name, zlib.compress(b"\x55" * CHUNK))  # right length, wrong bytes

    target = created(endpoint, reports, ctxt, volume())
    data_at(driver, target, tmp_path, {0: b"the old bytes"})
    before = volume_digest(driver, ref(target), tmp_path)
    endpoint.restore_backup(ctxt, backup, target)
    (volume_id, updates), kwargs = reports.last("volume_update")
    assert (volume_id, updates) == (target["id"], {"status": "error_restoring"})
    assert kwargs["reason"] == (
        f"restore failed: backup {backup['id']}: chunk 1 ({name}) does not match the "
        "sha256 its manifest records: the stored backup is damaged")
    assert reports.last("backup_update") == ((backup["id"], {"status": "available"}),
                                             {"reason": None})
    assert volume_digest(driver, ref(target), tmp_path) == before
    assert staged(tmp_path) == []

    store.put_object(name, stored[:-100])  # truncated: not a whole zlib stream
    endpoint.restore_backup(ctxt, backup, target)
    assert "chunk 1" in reports.last("volume_update")[1]["reason"]
    store.delete_object(name)
    endpoint.restore_backup(ctxt, backup, target)
    assert reports.last("volume_update")[1]["reason"].endswith(
        f"chunk 1 ({name}) is missing from the {store.describe()}")
    assert volume_digest(driver, ref(target), tmp_path) == before


def test_a_backup_without_manifest_is_never_restored(endpoint, reports, driver, store,
                                                      ctxt, tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {0: b"data"})
    backup = backed_up(endpoint, reports, ctxt, vol)
    store.delete_object(f"volumebackups/{backup['id']}/manifest")
    endpoint.restore_backup(ctxt, backup, created(endpoint, reports, ctxt, volume()))
    (_, updates), kwargs = reports.last("volume_update")
    assert updates == {"status": "error_restoring"}
    assert f"backup {backup['id']} is incomplete: it has no manifest" in kwargs["reason"]
    # nor used as a parent
    endpoint.backup_volume(ctxt, new_backup(vol, backup),
                           {**vol, "restore_status": "available"}, backup)
    (_, updates), kwargs = reports.last("backup_update")
    assert updates == {"status": "error"} and "is incomplete" in kwargs["reason"]


def test_the_parent_must_be_a_backup_of_the_volume(endpoint, reports, store, ctxt):
    one = created(endpoint, reports, ctxt, volume())
    other = created(endpoint, reports, ctxt, volume())
    parent = backed_up(endpoint, reports, ctxt, one)
    backup = new_backup(other, parent)
    endpoint.backup_volume(ctxt, backup, {**other, "restore_status": "available"},
                           parent)
    assert reports.last("backup_update") == (
        (backup["id"], {"status": "error"}),
        {"reason": f"backup failed: backup {parent['id']} is a backup of volume "
                   f"{one['id']}, not of {other['id']}: it cannot be the parent of an "
                   "incremental backup", "volume_status": "available"})
    assert own_objects(store, backup) == []


def test_damaged_manifest_is_refused(endpoint, reports, driver, store, ctxt, tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    backup = backed_up(endpoint, reports, ctxt, vol)
    name = f"volumebackups/{backup['id']}/manifest"
    m = json.loads(store.get_object(name))
    del m["chunks"]["3"]
    store.put_object(name, json.dumps(m).encode())
    endpoint.restore_backup(ctxt, backup, created(endpoint, reports, ctxt, volume()))
    assert reports.last("volume_update")[1]["reason"] == (
        f"restore failed: backup {backup['id']}: manifest {name} is damaged (its chunks "
        f"do not cover {GiB} bytes)")
    store.put_object(name, b"{not json")
    endpoint.restore_backup(ctxt, backup, created(endpoint, reports, ctxt, volume()))
    assert "is damaged" in reports.last("volume_update")[1]["reason"]


def test_failed_backup_removes_what_it_stored(endpoint, reports, driver, store, ctxt,
                                              tmp_path, monkeypatch):
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {0: os.urandom(6 * CHUNK)})
    put = store.put_object
    count = []

    def failing_put(name, data):
        count.append(name)
        if len(count) == 4:
            raise BackupStoreError("the store is full")
        put(name, data)
    monkeypatch.setattr(store, "put_object", failing_put)
    backup = new_backup(vol)
    endpoint.backup_volume(ctxt, backup, {**vol, "restore_status": "in-use"})
    assert reports.last("backup_update") == (
        (backup["id"], {"status": "error"}), {"reason": "backup failed: the store is full",
                                              "volume_status": "in-use"})
    assert own_objects(store, backup) == []
    assert staged(tmp_path) == []


def test_failed_copy_out_of_the_volume(endpoint, reports, ctxt):
    vol = volume()  # never created: the driver has no such volume
    backup = new_backup(vol)
    endpoint.backup_volume(ctxt, backup, {**vol, "restore_status": "available"})
    (_, updates), kwargs = reports.last("backup_update")
    assert updates == {"status": "error"}
    assert kwargs["reason"] == f"backup failed: volume {vol['id']} not found"
    assert kwargs["volume_status"] == "available"


def test_bad_container_is_refused(endpoint, reports, driver, store, ctxt):
    vol = created(endpoint, reports, ctxt, volume())
    backup = new_backup(vol, container="../../etc")
    endpoint.backup_volume(ctxt, backup, {**vol, "restore_status": "available"})
    (_, updates), kwargs = reports.last("backup_update")
    assert updates == {"status": "error"}
    assert "container '../../etc' is not a valid container name" in kwargs["reason"]
    assert store.list_objects("") == []


def test_without_a_backup_store(driver, reports, ctxt, tmp_path):
    endpoint = VolumeAgentEndpoint("host1@files", driver, reports,
                                   conversion_dir=str(tmp_path / "conversion"))
    vol = created(endpoint, reports, ctxt, volume())
    backup = new_backup(vol)
    endpoint.backup_volume(ctxt, backup, {**vol, "restore_status": "available"})
    assert reports.last("backup_update") == (
        (backup["id"], {"status": "error"}),
        {"reason": "backup failed: this agent has no backup store",
         "volume_status": "available"})
    endpoint.delete_backup(ctxt, backup)
    assert reports.last("backup_update")[0][1] == {"status": "error_deleting"}


# -- delete --------------------------------------------------------------------------

def test_delete_removes_only_the_backups_own_objects(endpoint, reports, driver, store,
                                                     ctxt, tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {0: os.urandom(2 * CHUNK)})
    want = volume_digest(driver, ref(vol), tmp_path)
    full = backed_up(endpoint, reports, ctxt, vol)
    data_at(driver, vol, tmp_path, {0: b"changed"})
    incr = backed_up(endpoint, reports, ctxt, vol, parent=full)
    other = backed_up(endpoint, reports, ctxt, vol)
    full_objects, other_objects = own_objects(store, full), own_objects(store, other)

    endpoint.delete_backup(ctxt, incr)
    assert reports.last("backup_deleted") == ((incr["id"],), {})
    assert own_objects(store, incr) == []
    assert own_objects(store, full) == full_objects  # its chunk 1 stays the parent's
    assert own_objects(store, other) == other_objects
    target = created(endpoint, reports, ctxt, volume())
    restored(endpoint, reports, ctxt, full, target)
    assert volume_digest(driver, ref(target), tmp_path) == want

    endpoint.delete_backup(ctxt, full)
    endpoint.delete_backup(ctxt, full)  # repeated: still deleted
    assert reports.named("backup_deleted")[-2:] == [((full["id"],), {})] * 2
    assert store.list_objects("") == other_objects


def test_failed_delete_is_error_deleting(endpoint, reports, driver, store, ctxt,
                                         monkeypatch):
    vol = created(endpoint, reports, ctxt, volume())
    backup = backed_up(endpoint, reports, ctxt, vol)

    def broken(name):
        raise BackupStoreError("the store is read-only")
    monkeypatch.setattr(store, "delete_object", broken)
    endpoint.delete_backup(ctxt, backup)
    assert reports.last("backup_update") == (
        (backup["id"], {"status": "error_deleting"}),
        {"reason": "delete failed: the store is read-only"})
    assert reports.named("backup_deleted") == []


# -- staging -------------------------------------------------------------------------

def test_staging_left_by_an_earlier_run_is_cleaned(tmp_path):
    directory = tmp_path / "conversion" / "backups"
    directory.mkdir(parents=True)
    (directory / "backup-x-1234.raw").write_bytes(b"old")
    (directory / ".tmp-backup-x-1234.raw-abcd").write_bytes(b"old")
    assert sorted(agent_backup.clean_staging(str(tmp_path / "conversion"))) == [
        ".tmp-backup-x-1234.raw-abcd", "backup-x-1234.raw"]
    assert os.listdir(directory) == []
    assert agent_backup.clean_staging(str(tmp_path / "nowhere")) == []


def test_an_incremental_keeps_its_parents_chunk_size(endpoint, reports, driver, store,
                                                     backups, ctxt, tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {0: os.urandom(4 * CHUNK)})
    full = backed_up(endpoint, reports, ctxt, vol)
    backups._chunk_size = 4 * CHUNK  # the configuration changed since
    data_at(driver, vol, tmp_path, {3 * CHUNK: b"changed"})
    incr = backed_up(endpoint, reports, ctxt, vol, parent=full)
    assert manifest(store, incr)["chunk_size"] == CHUNK
    assert incr["object_count"] == 2  # chunk 3 and the manifest
    fresh = backed_up(endpoint, reports, ctxt, vol)
    assert manifest(store, fresh)["chunk_size"] == 4 * CHUNK
    assert len(manifest(store, fresh)["chunks"]) == 256


def test_a_backup_holds_its_volume(endpoint, reports, driver, store, ctxt, tmp_path,
                                   monkeypatch):
    """Operations on the volume wait for its backup (the lock of the volume id)."""
    vol = created(endpoint, reports, ctxt, volume())
    data_at(driver, vol, tmp_path, {0: b"data"})
    in_put, release = threading.Event(), threading.Event()
    put = store.put_object

    def slow_put(name, data):
        in_put.set()
        assert release.wait(10)
        put(name, data)
    monkeypatch.setattr(store, "put_object", slow_put)
    backup = new_backup(vol)
    worker = threading.Thread(target=endpoint.backup_volume, args=(
        ctxt, backup, {**vol, "restore_status": "available"}))
    worker.start()
    assert in_put.wait(10)
    deleter = threading.Thread(target=endpoint.delete_volume, args=(ctxt, vol))
    deleter.start()
    deleter.join(0.3)
    assert deleter.is_alive() and reports.named("volume_deleted") == []
    release.set()
    worker.join(10)
    deleter.join(10)
    names = [name for name, *_ in reports.calls]
    assert names[-2:] == ["backup_update", "volume_deleted"]
    assert reports.last("backup_update")[0][1]["status"] == "available"


def test_to_an_older_api_side_the_volume_status_is_a_report_of_its_own(
        endpoint, reports, ctxt):
    reports.version_cap = "1.1"  # its report endpoint takes no volume_status
    vol = created(endpoint, reports, ctxt, volume())
    backup = new_backup(vol)
    endpoint.backup_volume(ctxt, backup, {**vol, "restore_status": "in-use"})
    (_, updates), kwargs = reports.last("backup_update")
    assert updates["status"] == "available" and "volume_status" not in kwargs
    assert reports.last("volume_update") == ((vol["id"], {"status": "in-use"}),
                                             {"reason": None})

"""The backup stores: the filesystem store in a tmp dir and the S3 store against
moto's in-process S3 (no sockets) pass one conformance suite; what is particular
to each; stores built from [backup] by entry point."""

import os

import boto3
import moto
import pytest
from backup_store_conformance import BackupStoreConformance
from test_block_agent import make_conf

from sovra_block.backup import BackupStoreError, load_store
from sovra_block.backup.filesystem import FilesystemBackupStore
from sovra_block.backup.s3 import S3BackupStore

BUCKET = "backups"


@pytest.fixture(scope="module")
def s3_client():
    with moto.mock_aws():  # ~0.5 s to start: once per module, a new bucket per test
        yield boto3.client("s3", region_name="us-east-1", aws_access_key_id="k",
                           aws_secret_access_key="s")


@pytest.fixture
def s3(s3_client):
    yield s3_client
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        if page.get("Contents"):
            s3_client.delete_objects(Bucket=BUCKET, Delete={"Objects": [
                {"Key": obj["Key"]} for obj in page["Contents"]]})
    s3_client.delete_bucket(Bucket=BUCKET)


def s3_store(client, **kwargs):
    store = S3BackupStore(bucket=BUCKET, client=client, create_bucket=True, **kwargs)
    store.setup()
    return store


def fs_store(tmp_path):
    store = FilesystemBackupStore(str(tmp_path / "backups"))
    store.setup()
    return store


class TestFilesystemStore(BackupStoreConformance):
    @pytest.fixture
    def store(self, tmp_path):
        return fs_store(tmp_path)


class TestS3Store(BackupStoreConformance):
    @pytest.fixture
    def store(self, s3):
        return s3_store(s3)


# -- filesystem --------------------------------------------------------------------

def test_filesystem_objects_are_files_under_the_directory(tmp_path):
    store = fs_store(tmp_path)
    store.put_object("volumebackups/b1/chunk-00000000", b"data")
    path = tmp_path / "backups" / "volumebackups" / "b1" / "chunk-00000000"
    assert path.read_bytes() == b"data"
    assert os.listdir(path.parent) == ["chunk-00000000"]  # no temporary left
    store.delete_object("volumebackups/b1/chunk-00000000")
    assert not path.parent.exists()  # the backup's emptied directory goes too
    assert (tmp_path / "backups" / "volumebackups").is_dir()  # its container stays


def test_filesystem_failed_write_leaves_nothing(tmp_path, monkeypatch):
    store = fs_store(tmp_path)
    store.put_object("c/b/manifest", b"old")

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(BackupStoreError, match="cannot write backup object c/b/manifest"):
        store.put_object("c/b/manifest", b"new")
    monkeypatch.undo()
    assert store.get_object("c/b/manifest") == b"old"
    assert os.listdir(tmp_path / "backups" / "c" / "b") == ["manifest"]


def test_filesystem_temporaries_are_not_objects(tmp_path):
    store = fs_store(tmp_path)
    store.put_object("c/b/chunk-00000000", b"x")
    (tmp_path / "backups" / "c" / "b" / ".tmp-chunk-00000001-dead").write_bytes(b"y")
    assert store.list_objects("c/") == ["c/b/chunk-00000000"]


def test_filesystem_unusable_directory(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    store = FilesystemBackupStore(str(tmp_path / "file" / "backups"))
    with pytest.raises(BackupStoreError, match="cannot create the backup directory"):
        store.setup()


# -- S3 ----------------------------------------------------------------------------

def test_s3_keys_carry_the_prefix(s3):
    store = s3_store(s3, prefix="sovra/backups")
    store.put_object("volumebackups/b1/manifest", b"{}")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == [
        "sovra/backups/volumebackups/b1/manifest"]
    assert store.list_objects("volumebackups/") == ["volumebackups/b1/manifest"]


def test_s3_lists_past_one_page(s3):
    store = s3_store(s3)
    names = [f"c/b/chunk-{i:08d}" for i in range(1005)]  # S3 pages hold 1,000 keys
    for name in names:
        s3.put_object(Bucket=BUCKET, Key=f"backups/{name}", Body=b"")
    assert store.list_objects("c/b/") == names


def test_s3_missing_bucket_is_a_clear_error(s3_client):
    store = S3BackupStore(bucket="nobucket", client=s3_client)
    with pytest.raises(BackupStoreError, match="S3 bucket nobucket is not usable"):
        store.setup()


# -- built from configuration ------------------------------------------------------

def test_load_the_filesystem_store(tmp_path):
    conf = make_conf(tmp_path)
    conf.set_override("file_backup_dir", str(tmp_path / "bk"), group="backup")
    store = load_store(conf)
    assert isinstance(store, FilesystemBackupStore)
    assert store.directory == str(tmp_path / "bk")
    assert not (tmp_path / "bk").exists()  # no I/O before setup


def test_load_the_s3_store(tmp_path):
    conf = make_conf(tmp_path)
    conf.set_override("backup_store", "s3", group="backup")
    conf.set_override("endpoint_url", "http://127.0.0.1:9", group="backup_s3")
    conf.set_override("bucket", "vault", group="backup_s3")
    conf.set_override("prefix", "bk", group="backup_s3")
    store = load_store(conf)
    assert isinstance(store, S3BackupStore)
    assert (store.bucket, store.prefix, store.endpoint_url) == (
        "vault", "bk/", "http://127.0.0.1:9")
    assert store.describe() == "S3 bucket vault at http://127.0.0.1:9"


def test_unknown_store(tmp_path):
    conf = make_conf(tmp_path)
    conf.set_override("backup_store", "tape", group="backup")
    with pytest.raises(BackupStoreError, match=r"backup_store = tape: no such store "
                                               r"\(installed: filesystem, s3\)"):
        load_store(conf)

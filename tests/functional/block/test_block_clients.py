"""The real clients against a lite cloud with real identity, image and block
storage (a file backend): openstacksdk, the openstack CLI, keystoneauth1 through
sovra_block.client."""

import concurrent.futures
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from block_cloud import USER_PASSWORD, add_project_member, start_cloud
from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc

MiB = 1024 * 1024
# openstacksdk warns of its own deprecations (InfluxDB metrics) on every connect
pytestmark = pytest.mark.filterwarnings("ignore::openstack.warnings._RemovedInSDKWarning")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("block-cloud"))
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def conn(cloud):
    conn = cloud.connect()
    yield conn
    conn.close()


def _file(cloud, volume_id, fmt="raw"):
    return cloud.volume_dir / f"volume-{volume_id}.{fmt}"


def _sha(path, length=None) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read(length) if length else f.read()).hexdigest()


def _write_marker(path, marker: bytes) -> None:
    with open(path, "r+b") as f:
        f.write(marker)


def test_sdk_volume_lifecycle(conn, cloud):
    bs = conn.block_storage
    volume = bs.create_volume(size=1, name="sdk-vol", metadata={"tier": "gold"})
    volume = bs.wait_for_status(volume, status="available", wait=60)
    assert volume.size == 1 and volume.name == "sdk-vol"
    assert volume.metadata == {"tier": "gold"}
    assert _file(cloud, volume.id).stat().st_size == 1024 ** 3
    assert volume.id in {v.id for v in bs.volumes()}

    bs.extend_volume(volume, 2)
    # (wait_for_status returns at once for an object that says "available" already)
    _wait_gone(lambda: None if bs.get_volume(volume).size == 2 else volume)
    assert bs.get_volume(volume).status == "available"
    bs.delete_volume(volume)
    bs.wait_for_delete(volume, wait=60)
    assert not _file(cloud, volume.id).exists()


def test_sdk_snapshot_and_volume_from_it_keep_the_bytes(conn, cloud):
    bs = conn.block_storage
    volume = bs.wait_for_status(bs.create_volume(size=1, name="src"), "available",
                                wait=60)
    marker = b"sovra-snapshot-marker-" + uuid.uuid4().hex.encode()
    _write_marker(_file(cloud, volume.id), marker)
    snap = bs.create_snapshot(volume_id=volume.id, name="snap1")
    snap = bs.wait_for_status(snap, status="available", wait=60)
    _write_marker(_file(cloud, volume.id), b"X" * len(marker))  # the source moves on

    copy = bs.wait_for_status(bs.create_volume(size=2, snapshot_id=snap.id),
                              "available", wait=60)
    assert copy.size == 2 and copy.snapshot_id == snap.id
    with open(_file(cloud, copy.id), "rb") as f:
        assert f.read(len(marker)) == marker
    clone = bs.wait_for_status(bs.create_volume(size=1, source_volid=volume.id),
                               "available", wait=60)
    assert _sha(_file(cloud, clone.id)) == _sha(_file(cloud, volume.id))

    for item in (copy, clone):
        bs.delete_volume(item)
    bs.delete_snapshot(snap)
    bs.wait_for_delete(snap, wait=60)
    bs.delete_volume(volume)
    for item in (copy, clone, volume):
        bs.wait_for_delete(item, wait=60)


def test_volume_from_an_image_and_back_to_an_image(conn, cloud, tmp_path):
    data = (b"sovra-image-marker" + os.urandom(64)).ljust(3 * MiB, b"\0")
    image = conn.image.create_image(name="raw-img", data=data, disk_format="raw",
                                    container_format="bare", visibility="private")
    bs = conn.block_storage
    volume = bs.wait_for_status(bs.create_volume(size=1, image_id=image.id,
                                                 name="from-image"),
                                "available", wait=120)
    assert volume.is_bootable
    assert volume.volume_image_metadata["image_id"] == image.id
    with open(_file(cloud, volume.id), "rb") as f:
        assert f.read(len(data)) == data

    # os-volume_upload_image: the volume's bytes become an image (qcow2: small)
    resp = conn.session.post(
        f"{cloud.block_url}/volumes/{volume.id}/action",
        json={"os-volume_upload_image": {"image_name": "from-volume",
                                         "disk_format": "qcow2"}},
        headers={"OpenStack-API-Version": "volume 3.1"})
    assert resp.status_code == 202, resp.text
    uploaded_id = resp.json()["os-volume_upload_image"]["image_id"]
    uploaded = conn.image.wait_for_status(conn.image.get_image(uploaded_id),
                                          "active", wait=120)
    assert uploaded.disk_format == "qcow2" and uploaded.virtual_size == 1024 ** 3
    bs.wait_for_status(volume, "available", wait=60)
    out = tmp_path / "downloaded.qcow2"
    with open(out, "wb") as f:
        conn.image.download_image(uploaded, output=f)
    same = subprocess.run(["qemu-img", "compare", "-f", "qcow2", "-F", "raw", str(out),
                           str(_file(cloud, volume.id))], capture_output=True, text=True)
    assert same.returncode == 0, same.stdout + same.stderr

    bs.delete_volume(volume)
    bs.wait_for_delete(volume, wait=60)
    conn.image.delete_image(uploaded)
    conn.image.delete_image(image)


def test_a_volume_from_an_image_larger_than_it_is_refused(conn):
    image = conn.image.create_image(name="big", data=b"x" * (2 * MiB),
                                    disk_format="raw", container_format="bare",
                                    min_disk=3)
    try:
        with pytest.raises(Exception) as err:
            conn.block_storage.create_volume(size=1, image_id=image.id)
        assert "at least 3GB" in str(err.value)
    finally:
        conn.image.delete_image(image)


def test_projects_are_isolated(conn, cloud):
    add_project_member(conn, "block-b", "block-b-user")
    other = cloud.connect(user="block-b-user", password=USER_PASSWORD,
                          project="block-b")
    try:
        volume = conn.block_storage.wait_for_status(
            conn.block_storage.create_volume(size=1, name="admin-only"), "available",
            wait=60)
        assert other.block_storage.find_volume(volume.id, ignore_missing=True) is None
        assert volume.id not in {v.id for v in other.block_storage.volumes()}
        with pytest.raises(sdk_exc.NotFoundException):
            other.block_storage.delete_volume(volume, ignore_missing=False)
        with pytest.raises(sdk_exc.NotFoundException):
            other.block_storage.create_volume(size=1, source_volid=volume.id)
        conn.block_storage.delete_volume(volume)
        conn.block_storage.wait_for_delete(volume, wait=60)
    finally:
        other.close()


def test_quota_holds_under_concurrent_creates(conn, cloud):
    """Twelve 1 GiB creates race for a 5 GiB quota: exactly five win, the others
    get 413, and the usage says five."""
    add_project_member(conn, "block-q", "block-q-user")
    project = conn.identity.find_project("block-q")
    conn.block_storage.update_quota_set(project.id, gigabytes=5, volumes=100)
    user = cloud.connect(user="block-q-user", password=USER_PASSWORD,
                         project="block-q")
    try:
        url = f"{cloud.block_url}/volumes"

        def create(i):
            try:
                return user.session.post(url, json={"volume": {"size": 1,
                                                               "name": f"q{i}"}},
                                         raise_exc=False).status_code
            except ks_exc.ClientException as exc:
                return repr(exc)
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            codes = sorted(pool.map(create, range(12)))
        assert codes == [202] * 5 + [413] * 7, codes
        usage = conn.block_storage.get_quota_set(project.id, usage=True)
        assert usage.usage["gigabytes"] == 5 and usage.usage["volumes"] == 5
        for volume in list(user.block_storage.volumes()):
            user.block_storage.wait_for_status(volume, "available", wait=60)
            user.block_storage.delete_volume(volume)
            user.block_storage.wait_for_delete(volume, wait=60)
        usage = conn.block_storage.get_quota_set(project.id, usage=True)
        assert usage.usage["gigabytes"] == 0 and usage.usage["volumes"] == 0
    finally:
        user.close()


def test_attachments_through_the_block_client(conn, cloud):
    """The calls compute makes: reserve, connect, complete, detach."""
    from sovra_block.client import BlockClient

    client = BlockClient(conn.session)
    volume = client.wait_volume(client.create_volume(size=1, name="att")["id"],
                                "available", timeout=60)
    server_id = str(uuid.uuid4())
    att = client.create_attachment(volume["id"], server_id)
    assert att["status"] == "reserved"
    assert client.get_volume(volume["id"])["status"] == "reserved"
    connector = {"host": "node1", "ip": "127.0.0.1", "platform": "x86_64",
                 "os_type": "linux", "multipath": False}
    att = client.update_attachment(att["id"], connector)
    info = att["connection_info"]
    assert info["driver_volume_type"] == "file"
    assert info["data"]["path"] == str(_file(cloud, volume["id"]))
    assert client.get_volume(volume["id"])["status"] == "attaching"
    client.complete_attachment(att["id"])
    shown = client.get_volume(volume["id"])
    assert shown["status"] == "in-use"
    assert shown["attachments"][0]["server_id"] == server_id
    with pytest.raises(ks_exc.BadRequest):
        client.delete_volume(volume["id"])  # attached
    with pytest.raises(ks_exc.BadRequest):
        client.create_attachment(volume["id"], str(uuid.uuid4()))  # not multiattach
    assert [a["id"] for a in client.list_attachments(volume_id=volume["id"])] == \
        [att["id"]]
    client.delete_attachment(att["id"])
    assert client.get_volume(volume["id"])["status"] == "available"
    client.delete_volume(volume["id"])


def _openstack(cloud, *args, env=None) -> str:
    cli = os.path.join(os.path.dirname(sys.executable), "openstack")
    result = subprocess.run([cli, *args], env=env or cloud.client_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def test_openstack_cli_volumes_and_snapshots(cloud):
    created = json.loads(_openstack(cloud, "volume", "create", "--size", "1",
                                    "--property", "a=b", "-f", "json", "cli-vol"))
    assert created["name"] == "cli-vol" and created["size"] == 1
    conn = cloud.connect()
    try:
        conn.block_storage.wait_for_status(conn.block_storage.get_volume(created["id"]),
                                           "available", wait=60)
    finally:
        conn.close()
    listed = json.loads(_openstack(cloud, "volume", "list", "-f", "json"))
    assert {"cli-vol"} <= {v["Name"] for v in listed}
    shown = json.loads(_openstack(cloud, "volume", "show", "-f", "json", "cli-vol"))
    assert shown["status"] == "available" and shown["properties"] == {"a": "b"}
    _openstack(cloud, "volume", "set", "--name", "cli-vol2", "cli-vol")
    snap = json.loads(_openstack(cloud, "volume", "snapshot", "create", "--volume",
                                 "cli-vol2", "-f", "json", "cli-snap"))
    assert snap["volume_id"] == created["id"]
    conn = cloud.connect()
    try:
        conn.block_storage.wait_for_status(conn.block_storage.get_snapshot(snap["id"]),
                                           "available", wait=60)
    finally:
        conn.close()
    snaps = json.loads(_openstack(cloud, "volume", "snapshot", "list", "-f", "json"))
    assert "cli-snap" in {s["Name"] for s in snaps}
    _openstack(cloud, "volume", "snapshot", "delete", "cli-snap")
    conn = cloud.connect()
    try:
        _wait_gone(lambda: conn.block_storage.find_snapshot(snap["id"],
                                                            ignore_missing=True))
        _openstack(cloud, "volume", "delete", "cli-vol2")
        _wait_gone(lambda: conn.block_storage.find_volume(created["id"],
                                                          ignore_missing=True))
    finally:
        conn.close()


def _wait_gone(find, timeout=60):
    deadline = time.monotonic() + timeout
    while find() is not None:
        assert time.monotonic() < deadline, "still there"
        time.sleep(0.2)


def test_openstack_cli_volume_transfer(conn, cloud):
    add_project_member(conn, "block-t", "block-t-user")
    volume = conn.block_storage.wait_for_status(
        conn.block_storage.create_volume(size=1, name="to-give"), "available", wait=60)
    request = json.loads(_openstack(cloud, "volume", "transfer", "request", "create",
                                    "-f", "json", "--name", "gift", volume.id))
    assert request["volume_id"] == volume.id and request["auth_key"]
    receiver = cloud.client_env(user="block-t-user", password=USER_PASSWORD,
                                project="block-t")
    _openstack(cloud, "volume", "transfer", "request", "accept", "--auth-key",
               request["auth_key"], request["id"], env=receiver)
    shown = json.loads(_openstack(cloud, "volume", "show", "-f", "json", volume.id,
                                  env=receiver))
    assert shown["status"] == "available"
    assert conn.block_storage.get_volume(volume.id).project_id == \
        conn.identity.find_project("block-t").id
    _openstack(cloud, "volume", "delete", volume.id, env=receiver)


def test_backups_through_openstacksdk_and_the_cli(conn, cloud):
    bs = conn.block_storage
    volume = bs.wait_for_status(bs.create_volume(size=1, name="to-back-up"),
                                "available", wait=60)
    marker = b"sovra-backup-" + uuid.uuid4().hex.encode()
    _write_marker(_file(cloud, volume.id), marker)
    backup = bs.wait_for_status(bs.create_backup(volume_id=volume.id, name="bk1"),
                                "available", wait=120)
    assert backup.volume_id == volume.id and backup.size == 1
    listed = json.loads(_openstack(cloud, "volume", "backup", "list", "-f", "json"))
    assert "bk1" in {b["Name"] for b in listed}
    bs.delete_volume(volume)
    bs.wait_for_delete(volume, wait=60)

    restored = bs.restore_backup(backup, name="from-backup")
    new_id = restored["volume_id"] if isinstance(restored, dict) else restored.volume_id
    new = bs.wait_for_status(bs.get_volume(new_id), "available", wait=120)
    with open(_file(cloud, new.id), "rb") as f:
        assert f.read(len(marker)) == marker
    _openstack(cloud, "volume", "backup", "delete", "bk1")
    _wait_gone(lambda: bs.find_backup(backup.id, ignore_missing=True))
    bs.delete_volume(new)
    bs.wait_for_delete(new, wait=60)

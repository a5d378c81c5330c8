"""Volume backups end to end in full mode's shape: sovra-block-volume's component
on a real RabbitMQ with a file backend and its [backup] store on S3 (moto's S3
server on 127.0.0.1, reached by boto3 over HTTP as a MinIO or Ceph RGW would be),
driven by a VolumeAgentAPI client (RPC 1.1), reporting to a recording endpoint on
the report topic (the API side's stand-in)."""

import contextlib
import hashlib
import logging
import os
import socket
import subprocess
import threading
import uuid

import boto3
import oslo_messaging
import pytest
from moto.server import ThreadedMotoServer

from sovra_block import rpc as block_rpc
from sovra_block.agent import backend as agent_backend
from sovra_block.cmd import agent
from sovra_block.drivers import base
from sovra_common import conf as sovra_conf
from sovra_common import context as sovra_context
from sovra_common import rpc

BACKEND = "storage1@files"
MiB = 1 << 20


class RecordingReports(rpc.RPCEndpoint):
    """Serves VolumeReportAPI 1.2 by recording what arrives."""

    target = oslo_messaging.Target(version="1.2")

    def __init__(self):
        self.calls = []
        self._cond = threading.Condition()

    def _add(self, name, **kwargs):
        with self._cond:
            self.calls.append((name, kwargs))
            self._cond.notify_all()

    def wait(self, name, timeout=60, **match):
        def found():
            return [kw for n, kw in self.calls if n == name and
                    all(kw.get(k) == v for k, v in match.items())]
        with self._cond:
            assert self._cond.wait_for(found, timeout), (name, match, self.calls)
            return found()[0]

    def report_capacity(self, ctxt, backend, host, availability_zone, capacity,
                        capabilities, started_at=None):
        self._add("report_capacity", backend=backend)

    def reconcile(self, ctxt, backend, volume_ids):
        return {"delete_volumes": [], "delete_snapshots": []}

    def volume_update(self, ctxt, volume_id, updates, reason=None):
        self._add("volume_update", volume_id=volume_id, updates=updates, reason=reason)

    def volume_deleted(self, ctxt, volume_id):
        self._add("volume_deleted", volume_id=volume_id)

    def backup_update(self, ctxt, backup_id, updates, reason=None, volume_status=None):
        self._add("backup_update", backup_id=backup_id, updates=updates, reason=reason,
                  volume_status=volume_status)

    def backup_deleted(self, ctxt, backup_id):
        self._add("backup_deleted", backup_id=backup_id)


@pytest.fixture(scope="module")
def s3_endpoint():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint):
    """The backup bucket's keys (it is created by the agent's store)."""
    name = f"backups-{uuid.uuid4().hex[:8]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="test",
                          aws_secret_access_key="test", region_name="us-east-1")

    def keys():
        return sorted(o["Key"] for o in
                      client.list_objects_v2(Bucket=name).get("Contents", []))
    keys.name = name
    return keys


def start_agent(rabbitmq_url, s3_endpoint, bucket_name, tmp_path, create_bucket=True):
    conf = agent.COMPONENT.new_conf()
    sovra_conf.load(conf, "sovra", args=[], config_files=[])
    conf.set_override("transport_url", rabbitmq_url, group="messaging")
    conf.set_override("host", "storage1", group="block")
    conf.set_override("enabled_backends", ["files"], group="block")
    conf.set_override("image_conversion_dir", str(tmp_path / "conversion"),
                      group="block")
    agent_backend.register_backend(conf, "files")
    conf.set_override("file_volume_dir", str(tmp_path / "volumes"), group="files")
    conf.set_override("backup_store", "s3", group="backup")
    conf.set_override("chunk_size_mib", 4, group="backup")
    for name, value in {"endpoint_url": s3_endpoint, "bucket": bucket_name,
                        "access_key": "test", "secret_key": "test",
                        "create_bucket": create_bucket, "prefix": "sovra/"}.items():
        conf.set_override(name, value, group="backup_s3")
    return conf, agent.COMPONENT.start(conf, None)


@pytest.fixture
def cloud(rabbitmq_url, s3_endpoint, bucket, tmp_path):
    conf, running = start_agent(rabbitmq_url, s3_endpoint, bucket.name, tmp_path)
    transport = rpc.build_rpc_transport(conf)
    reports = RecordingReports()
    api_side = rpc.RPCServer(transport, block_rpc.REPORT_TOPIC, "api1",
                             [reports]).start()
    try:
        yield block_rpc.VolumeAgentAPI(transport), reports, running.backends[0].driver
    finally:
        running.stop()
        api_side.stop()
        transport.cleanup()


def raw_sha256(driver, vol, tmp_path):
    out = tmp_path / f"read-{uuid.uuid4().hex}.raw"
    path = driver.volume_path(base.VolumeRef(id=vol["id"], size_gb=vol["size"],
                                             format=vol["format"]))
    subprocess.run(["qemu-img", "convert", "-U", "-f", vol["format"], "-O", "raw",
                    path, str(out)], check=True)
    with open(out, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    out.unlink()
    return digest


def write(driver, vol, offset, data, tmp_path):
    src = tmp_path / "piece"
    src.write_bytes(data)
    path = driver.volume_path(base.VolumeRef(id=vol["id"], size_gb=vol["size"],
                                             format=vol["format"]))
    subprocess.run(["qemu-io", "-f", vol["format"], "-c",
                    f"write -q -s {src} {offset} {len(data)}", path],
                   check=True, capture_output=True)


def test_backup_incremental_restore_delete_on_s3(cloud, bucket, tmp_path):
    client, reports, driver = cloud
    ctxt = sovra_context.RequestContext(user_id="u", project_id="p", roles=["member"])

    def create(fmt):
        vol = {"id": str(uuid.uuid4()), "size": 1, "format": fmt}
        client.create_volume(ctxt, BACKEND, vol)
        update = reports.wait("volume_update", volume_id=vol["id"])
        assert update["reason"] is None
        return {**vol, **update["updates"]}

    def backup_of(vol, parent=None):
        backup = {"id": str(uuid.uuid4()), "volume_id": vol["id"], "size": 1,
                  "container": None, "parent_id": parent and parent["id"],
                  "is_incremental": parent is not None, "project_id": "p"}
        client.backup_volume(ctxt, BACKEND, backup, {**vol, "restore_status": "in-use"},
                             parent)
        update = reports.wait("backup_update", backup_id=backup["id"])
        assert update["reason"] is None
        assert update["updates"]["status"] == "available"
        assert update["volume_status"] == "in-use"  # the volume, in the same report
        return backup, update["updates"]["object_count"]

    vol = create("qcow2")
    write(driver, vol, 0, os.urandom(6 * MiB), tmp_path)  # chunks 0, 1
    full, count = backup_of(vol)
    assert count == 3  # two chunks and the manifest
    assert bucket() == [f"sovra/volumebackups/{full['id']}/{leaf}"
                        for leaf in ("chunk-00000000", "chunk-00000001", "manifest")]
    write(driver, vol, 5 * MiB, b"changed", tmp_path)  # chunk 1
    want = raw_sha256(driver, vol, tmp_path)
    incr, count = backup_of(vol, full)
    assert count == 2

    target = create("raw")
    client.restore_backup(ctxt, BACKEND, incr, target)
    update = reports.wait("volume_update", volume_id=target["id"],
                          updates={"status": "available"})
    assert update["reason"] is None
    assert reports.wait("backup_update", backup_id=incr["id"],
                        updates={"status": "available"})
    assert raw_sha256(driver, target, tmp_path) == want

    client.delete_backup(ctxt, BACKEND, incr)
    reports.wait("backup_deleted", backup_id=incr["id"])
    assert [k.split("/")[2] for k in bucket()] == [full["id"]] * 3
    client.delete_backup(ctxt, BACKEND, full)
    reports.wait("backup_deleted", backup_id=full["id"])
    assert bucket() == []
    assert os.listdir(tmp_path / "conversion" / "backups") == []


def test_unreachable_bucket_is_a_reason_not_a_crash(rabbitmq_url, s3_endpoint, bucket,
                                                   tmp_path):
    conf, running = start_agent(rabbitmq_url, s3_endpoint, bucket.name, tmp_path,
                                create_bucket=False)
    transport = rpc.build_rpc_transport(conf)
    reports = RecordingReports()
    api_side = rpc.RPCServer(transport, block_rpc.REPORT_TOPIC, "api2",
                             [reports]).start()
    try:
        client = block_rpc.VolumeAgentAPI(transport)
        ctxt = sovra_context.RequestContext(user_id="u", project_id="p",
                                            roles=["member"])
        vol = {"id": str(uuid.uuid4()), "size": 1, "format": "raw"}
        client.create_volume(ctxt, BACKEND, vol)
        reports.wait("volume_update", volume_id=vol["id"])
        backup = {"id": str(uuid.uuid4()), "volume_id": vol["id"], "size": 1,
                  "container": None, "parent_id": None, "is_incremental": False,
                  "project_id": "p"}
        client.backup_volume(ctxt, BACKEND, backup, {**vol, "restore_status": "available"})
        update = reports.wait("backup_update", backup_id=backup["id"])
        assert update["updates"] == {"status": "error"}
        assert update["reason"].startswith(
            f"backup failed: S3 bucket {bucket.name} at {s3_endpoint} is not usable: ")
        assert update["volume_status"] == "available"
    finally:
        running.stop()
        api_side.stop()
        transport.cleanup()

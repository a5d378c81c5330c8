"""The volume agent in full mode's shape: sovra-block-volume's component on a real
RabbitMQ with an NBD backend (a real qemu-storage-daemon on 127.0.0.1), driven by
a VolumeAgentAPI client, reporting to a recording endpoint served on the report
topic (the API side's stand-in)."""

import subprocess
import threading
import uuid

import oslo_messaging
import pytest
from test_block_driver_nbd import free_port
from unit.block.drivers_conformance import digest

from sovra_block import rpc as block_rpc
from sovra_block.agent import backend as agent_backend
from sovra_block.cmd import agent
from sovra_block.drivers import base
from sovra_common import conf as sovra_conf
from sovra_common import context as sovra_context
from sovra_common import rpc


class RecordingReports(rpc.RPCEndpoint):
    """Serves VolumeReportAPI by recording what arrives."""

    target = oslo_messaging.Target(version="1.0")

    def __init__(self):
        self.calls = []
        self._cond = threading.Condition()

    def _add(self, name, **kwargs):
        with self._cond:
            self.calls.append((name, kwargs))
            self._cond.notify_all()

    def wait(self, name, count=1, timeout=20, **match):
        def found():
            return [kw for n, kw in self.calls if n == name and
                    all(kw.get(k) == v for k, v in match.items())]
        with self._cond:
            assert self._cond.wait_for(lambda: len(found()) >= count, timeout), \
                (name, match, self.calls)
            return found()[count - 1]

    def report_capacity(self, ctxt, backend, host, availability_zone, capacity,
                        capabilities, started_at=None):
        self._add("report_capacity", backend=backend, capabilities=capabilities)

    def volume_update(self, ctxt, volume_id, updates, reason=None):
        self._add("volume_update", volume_id=volume_id, updates=updates, reason=reason)

    def volume_deleted(self, ctxt, volume_id):
        self._add("volume_deleted", volume_id=volume_id)

    def snapshot_update(self, ctxt, snapshot_id, updates, reason=None):
        self._add("snapshot_update", snapshot_id=snapshot_id, updates=updates,
                  reason=reason)

    def snapshot_deleted(self, ctxt, snapshot_id):
        self._add("snapshot_deleted", snapshot_id=snapshot_id)

    def reconcile(self, ctxt, backend, volume_ids):
        self._add("reconcile", backend=backend, volume_ids=volume_ids)
        return {"delete_volumes": [], "delete_snapshots": []}


@pytest.fixture
def cloud(rabbitmq_url, tmp_path):
    conf = agent.COMPONENT.new_conf()
    sovra_conf.load(conf, "sovra", args=[], config_files=[])
    conf.set_override("transport_url", rabbitmq_url, group="messaging")
    conf.set_override("host", "storage1", group="block")
    conf.set_override("enabled_backends", ["nbd1"], group="block")
    conf.set_override("report_interval", 1, group="block")
    agent_backend.register_backend(conf, "nbd1")
    for name, value in {"volume_driver": "nbd", "nbd_port": free_port(),
                        "file_volume_dir": str(tmp_path / "volumes")}.items():
        conf.set_override(name, value, group="nbd1")

    transport = rpc.build_rpc_transport(
        conf, allowed_remote_exmods=("sovra_block.drivers.base",))
    reports = RecordingReports()
    api_side = rpc.RPCServer(transport, block_rpc.REPORT_TOPIC, "api1",
                             [reports]).start()
    running = agent.COMPONENT.start(conf, None)
    backends = list(running.backends)
    try:
        yield block_rpc.VolumeAgentAPI(transport), reports, running
    finally:
        running.stop()
        for backend in backends:  # the daemon outlives the agent, by design
            backend.driver.stop_daemon()
        api_side.stop()
        transport.cleanup()


def test_volume_lifecycle_over_rabbitmq_and_nbd(cloud, tmp_path):
    client, reports, running = cloud
    (service,) = running.backends
    ctxt = sovra_context.RequestContext(user_id="u", project_id="p", roles=["member"])
    reports.wait("reconcile", backend="storage1@nbd1")
    caps = reports.wait("report_capacity", backend="storage1@nbd1")["capabilities"]
    assert caps["storage_protocol"] == "nbd"

    vol = {"id": str(uuid.uuid4()), "size": 1, "format": "qcow2"}
    client.create_volume(ctxt, "storage1@nbd1", vol)
    update = reports.wait("volume_update", volume_id=vol["id"])
    assert update["reason"] is None and update["updates"]["status"] == "available"
    vol.update(update["updates"])

    info = client.initialize_connection(ctxt, "storage1@nbd1", vol, {"host": "c1"})
    assert info["driver_volume_type"] == "nbd"
    data = info["data"]
    url = f"nbd://{data['host']}:{data['port']}/{data['export_name']}"
    subprocess.run(["qemu-io", "-f", "raw", "-c", "write -q -P 0x5a 1M 256k", url],
                   check=True, capture_output=True)
    client.terminate_connection(ctxt, "storage1@nbd1", vol, {"host": "c1"})

    snap = {"id": str(uuid.uuid4()), "volume_id": vol["id"], "size": 1}
    client.create_snapshot(ctxt, "storage1@nbd1", snap, vol)
    snap.update(reports.wait("snapshot_update", snapshot_id=snap["id"])["updates"])
    copy = {"id": str(uuid.uuid4()), "size": 1, "format": "raw"}
    client.create_volume(ctxt, "storage1@nbd1", copy,
                         {"type": "snapshot", "snapshot": snap})
    assert reports.wait("volume_update", volume_id=copy["id"])["reason"] is None

    digests = []
    for v in (vol, copy):
        out = tmp_path / f"{v['id']}.raw"
        subprocess.run(["qemu-img", "convert", "-f", v["format"], "-O", "raw",
                        str(service.driver.volume_path(base.VolumeRef(
                            id=v["id"], size_gb=1, format=v["format"]))), str(out)],
                       check=True)
        digests.append(digest(out))
    assert digests[0] == digests[1]

    with pytest.raises(base.VolumeNotFound) as caught:  # a domain error, over RabbitMQ
        client.initialize_connection(ctxt, "storage1@nbd1", dict(vol, id=str(
            uuid.uuid4())), {"host": "c1"})
    assert caught.value.kwargs["volume_id"] != vol["id"]

    client.delete_snapshot(ctxt, "storage1@nbd1", snap, vol)
    reports.wait("snapshot_deleted", snapshot_id=snap["id"])
    for v in (vol, copy):
        client.delete_volume(ctxt, "storage1@nbd1", v)
        reports.wait("volume_deleted", volume_id=v["id"])
    assert service.driver.list_volume_ids() == set()

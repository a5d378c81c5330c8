"""The volume agent's endpoint and backend runner over a real FileDriver in a tmp
dir, with a recording stand-in for the API side's report endpoint and a stand-in
image service serving images made with qemu-img."""

import hashlib
import subprocess
import threading
import time
import uuid

import oslo_messaging
import pytest
from drivers_conformance import GiB, MiB, as_raw, digest, make_image, write_bytes
from test_block_driver_file import make_driver

from sovra_block.agent import backend as agent_backend
from sovra_block.agent.endpoint import KeyedLocks, VolumeAgentEndpoint
from sovra_block.drivers import base
from sovra_common import context as sovra_context
from sovra_common import exception
from sovra_image.client import ImageDataCorrupt

CONNECTOR = {"host": "compute1", "ip": "127.0.0.1"}


class Reports:
    """Records what the agent reports; ``reconcile_answer`` is what reconcile says
    (an exception instance: raised, as an unreachable API side would)."""

    def __init__(self):
        self.calls = []
        self.reconcile_answer = {"delete_volumes": [], "delete_snapshots": []}
        self._cond = threading.Condition()
        self.version_cap = "1.2"  # the API side's report endpoint's version

    def can_send_version(self, version):
        return tuple(map(int, version.split("."))) <= \
            tuple(map(int, self.version_cap.split(".")))

    def _record(self, name, *args, **kwargs):
        with self._cond:
            self.calls.append((name, args, kwargs))
            self._cond.notify_all()

    def report_capacity(self, ctxt, backend, host, availability_zone, capacity,
                        capabilities, started_at=None):
        self._record("report_capacity", backend, host, availability_zone, capacity,
                     capabilities, started_at=started_at)

    def volume_update(self, ctxt, volume_id, updates, reason=None):
        self._record("volume_update", volume_id, updates, reason=reason)

    def volume_deleted(self, ctxt, volume_id):
        self._record("volume_deleted", volume_id)

    def snapshot_update(self, ctxt, snapshot_id, updates, reason=None):
        self._record("snapshot_update", snapshot_id, updates, reason=reason)

    def snapshot_deleted(self, ctxt, snapshot_id):
        self._record("snapshot_deleted", snapshot_id)

    def backup_update(self, ctxt, backup_id, updates, reason=None, volume_status=None):
        extra = {} if volume_status is None else {"volume_status": volume_status}
        self._record("backup_update", backup_id, updates, reason=reason, **extra)

    def backup_deleted(self, ctxt, backup_id):
        self._record("backup_deleted", backup_id)

    def reconcile(self, ctxt, backend, volume_ids, timeout=60):
        self._record("reconcile", backend, sorted(volume_ids))
        if isinstance(self.reconcile_answer, Exception):
            raise self.reconcile_answer
        return self.reconcile_answer

    def named(self, name):
        with self._cond:
            return [(args, kwargs) for n, args, kwargs in self.calls if n == name]

    def last(self, name):
        return self.named(name)[-1]

    def wait_for(self, name, count=1, timeout=10):
        with self._cond:
            assert self._cond.wait_for(
                lambda: sum(1 for n, *_ in self.calls if n == name) >= count, timeout)


class Images:
    """The image service: ``add(path, disk_format, **attrs)`` publishes a file."""

    def __init__(self, store):
        self.images, self.data, self.uploads, self.deleted = {}, {}, {}, []
        self.fail_upload = None
        self._store = store  # where uploads land (sparse files)

    def add(self, path, disk_format, **attrs):
        data = path.read_bytes()
        image_id = str(uuid.uuid4())
        self.images[image_id] = {
            "id": image_id, "name": "cirros", "status": "active",
            "disk_format": disk_format, "container_format": "bare", "min_disk": 0,
            "min_ram": 0, "size": len(data), "visibility": "public",
            "checksum": hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "os_hash_algo": "sha512", "os_hash_value": hashlib.sha512(data).hexdigest(),
            "tags": [], "hw_disk_bus": "virtio", **attrs}
        self.data[image_id] = data
        return self.images[image_id]

    def __call__(self, ctxt):  # the factory: one client per context
        return self

    def get_image(self, image_id):
        if image_id not in self.images:
            raise exception.NotFound(f"image {image_id} not found")
        return self.images[image_id]

    def download(self, image_id, out, chunk_size=None, *, image=None):
        data = self.data[image_id]
        out.write(data)
        if hashlib.sha512(data).hexdigest() != self.images[image_id]["os_hash_value"]:
            raise ImageDataCorrupt(image_id=image_id, algo="sha512")
        return len(data)

    def update_image(self, image_id, **changes):
        self.images[image_id].update(changes)

    def upload(self, image_id, data):
        if self.fail_upload:
            raise self.fail_upload
        path = self._store / f"uploaded-{image_id}"
        with open(path, "wb") as out:
            while chunk := data.read(1 << 20):
                if chunk.count(0) == len(chunk):
                    out.seek(len(chunk), 1)
                else:
                    out.write(chunk)
            out.truncate()
        self.uploads[image_id] = path

    def delete_image(self, image_id):
        self.deleted.append(image_id)


@pytest.fixture
def driver(tmp_path):
    return make_driver(tmp_path)


@pytest.fixture
def reports():
    return Reports()


@pytest.fixture
def images(tmp_path):
    return Images(tmp_path)


@pytest.fixture
def endpoint(driver, reports, images, tmp_path):
    return VolumeAgentEndpoint("host1@files", driver, reports, images=images,
                               conversion_dir=str(tmp_path / "conversion"))


@pytest.fixture
def ctxt():
    return sovra_context.RequestContext(user_id="u1", project_id="p1", roles=["member"],
                                        auth_token="user-token")


def volume(size=1, fmt="raw", **extra):
    return {"id": str(uuid.uuid4()), "size": size, "format": fmt, **extra}


def leftovers(tmp_path):
    """What the agent left in its conversion directory."""
    directory = tmp_path / "conversion"
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def ref(vol):
    return base.VolumeRef(id=vol["id"], size_gb=vol["size"], format=vol["format"],
                          provider_location=vol.get("provider_location"))


def created(endpoint, reports, ctxt, vol, source=None):
    """Create ``vol`` and fold the agent's report into it."""
    endpoint.create_volume(ctxt, vol, source)
    (volume_id, updates), kwargs = reports.last("volume_update")
    assert volume_id == vol["id"]
    assert kwargs["reason"] is None, kwargs["reason"]
    vol.update(updates)
    return vol


# -- create ------------------------------------------------------------------------

def test_create_blank_volume(endpoint, reports, driver, ctxt):
    vol = volume(fmt=None)  # no format: the backend's default
    endpoint.create_volume(ctxt, vol)
    (volume_id, updates), kwargs = reports.last("volume_update")
    assert updates == {"status": "available", "format": "raw",
                       "provider_location": f"volume-{vol['id']}.raw"}
    assert kwargs == {"reason": None}
    assert driver.list_volume_ids() == {vol["id"]}


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_create_from_volume_and_from_snapshot_copy_the_bytes(endpoint, reports, driver,
                                                             ctxt, tmp_path, fmt):
    src = created(endpoint, reports, ctxt, volume(fmt=fmt))
    write_bytes(driver, ref(src), 2 * MiB, b"\x5a" * 65536 + b"sovra", tmp_path)
    want = digest(as_raw(driver, ref(src), tmp_path))

    clone = created(endpoint, reports, ctxt, volume(fmt=fmt),
                    {"type": "volume", "volume": src})
    assert digest(as_raw(driver, ref(clone), tmp_path)) == want

    snap = {"id": str(uuid.uuid4()), "volume_id": src["id"], "size": 1}
    endpoint.create_snapshot(ctxt, snap, src)
    (snap_id, updates), kwargs = reports.last("snapshot_update")
    assert (snap_id, updates["status"], updates["progress"], kwargs["reason"]) == (
        snap["id"], "available", "100%", None)
    snap["provider_location"] = updates["provider_location"]
    write_bytes(driver, ref(src), 2 * MiB, b"changed", tmp_path)

    restored = created(endpoint, reports, ctxt, volume(size=2, fmt=fmt),
                       {"type": "snapshot", "snapshot": snap})
    raw = as_raw(driver, ref(restored), tmp_path)
    assert raw.stat().st_size == 2 * GiB
    assert digest(raw, GiB) == want


@pytest.mark.parametrize("image_format", ["raw", "qcow2"])
def test_create_from_image_is_bootable_with_image_metadata(endpoint, reports, driver,
                                                           images, ctxt, tmp_path,
                                                           image_format):
    marker = b"\x17" * 4096 + b"boot sector"
    image = images.add(make_image(tmp_path, image_format, marker, offset=0),
                       image_format, min_disk=1, name="debian")
    vol = volume(fmt="qcow2")
    endpoint.create_volume(ctxt, vol, {"type": "image", "image_id": image["id"]})
    (_, updates), kwargs = reports.last("volume_update")
    assert kwargs["reason"] is None
    assert updates["status"] == "available" and updates["bootable"] is True
    assert updates["image_metadata"] == {
        "image_id": image["id"], "image_name": "debian", "disk_format": image_format,
        "container_format": "bare", "min_disk": "1", "min_ram": "0",
        "size": str(image["size"]), "checksum": image["checksum"],
        "hw_disk_bus": "virtio"}
    vol.update(updates)
    with open(as_raw(driver, ref(vol), tmp_path), "rb") as f:
        assert f.read(len(marker)) == marker
    assert leftovers(tmp_path) == []  # the download is gone


@pytest.mark.parametrize("problem, reason", [
    ({"status": "queued"}, "is queued, not active"),
    ({"container_format": "ova"}, "only bare images"),
    ({"min_disk": 5}, "min_disk"),
    ({"os_hash_value": "0" * 128}, "does not match"),
    ({"size": 1 << 60}, "does not fit in"),
])
def test_unusable_image_ends_in_error(endpoint, reports, driver, images, ctxt, tmp_path,
                                      problem, reason):
    image = images.add(make_image(tmp_path, "raw", b"x"), "raw", **problem)
    vol = volume()
    endpoint.create_volume(ctxt, vol, {"type": "image", "image_id": image["id"]})
    (_, updates), kwargs = reports.last("volume_update")
    assert updates == {"status": "error"}
    assert kwargs["reason"].startswith("create failed: ")
    assert reason in kwargs["reason"]
    assert driver.list_volume_ids() == set()  # nothing left that looks like a volume
    assert leftovers(tmp_path) == []


def test_image_larger_than_the_volume_ends_in_error(endpoint, reports, driver, images,
                                                    ctxt, tmp_path):
    image = images.add(make_image(tmp_path, "qcow2", b"x", size="3G"), "qcow2")
    vol = volume(size=2)
    endpoint.create_volume(ctxt, vol, {"type": "image", "image_id": image["id"]})
    (_, updates), kwargs = reports.last("volume_update")
    assert updates == {"status": "error"} and "exceeds" in kwargs["reason"]
    assert driver.list_volume_ids() == set()


def test_create_from_a_missing_snapshot_or_volume_ends_in_error(endpoint, reports, ctxt):
    snap = {"id": str(uuid.uuid4()), "volume_id": str(uuid.uuid4()), "size": 1}
    endpoint.create_volume(ctxt, volume(), {"type": "snapshot", "snapshot": snap})
    (_, updates), kwargs = reports.last("volume_update")
    assert updates == {"status": "error"}
    assert kwargs["reason"] == f"create failed: snapshot {snap['id']} not found"
    endpoint.create_volume(ctxt, volume(), {"type": "volume", "volume": volume()})
    assert "not found" in reports.last("volume_update")[1]["reason"]
    endpoint.create_volume(ctxt, volume(), {"type": "backup", "backup_id": "b"})
    assert "unknown source type" in reports.last("volume_update")[1]["reason"]


# -- delete, extend, snapshots -----------------------------------------------------

def test_delete_volume_reports_deleted_even_when_already_gone(endpoint, reports, driver,
                                                              ctxt):
    vol = created(endpoint, reports, ctxt, volume())
    endpoint.delete_volume(ctxt, vol)
    endpoint.delete_volume(ctxt, vol)
    assert [args for args, _ in reports.named("volume_deleted")] == [(vol["id"],)] * 2
    assert driver.list_volume_ids() == set()


def test_failed_delete_is_error_deleting(endpoint, reports, driver, ctxt, monkeypatch):
    vol = created(endpoint, reports, ctxt, volume())

    def refuse(volume):
        raise base.BackendError("volume busy")
    monkeypatch.setattr(driver, "delete_volume", refuse)
    endpoint.delete_volume(ctxt, vol)
    assert reports.last("volume_update") == (
        (vol["id"], {"status": "error_deleting"}), {"reason": "delete failed: volume busy"})
    assert not reports.named("volume_deleted")


def test_extend(endpoint, reports, ctxt, driver):
    vol = created(endpoint, reports, ctxt, volume(fmt="qcow2"))
    endpoint.extend_volume(ctxt, vol, 3)
    assert reports.last("volume_update") == (
        (vol["id"], {"status": "available", "size": 3}), {"reason": None})
    vol["size"] = 3
    endpoint.extend_volume(ctxt, dict(vol, attach_status="attached"), 4)
    assert reports.last("volume_update")[0][1] == {"status": "in-use", "size": 4}
    vol["size"] = 4
    endpoint.extend_volume(ctxt, vol, 2)
    (_, updates), kwargs = reports.last("volume_update")
    assert updates == {"status": "error_extending"}
    assert "cannot shrink" in kwargs["reason"]
    assert driver.get_capacity().provisioned_gb == 4  # unchanged


def test_snapshot_failure_and_deletion(endpoint, reports, ctxt):
    vol = volume()  # never created: the snapshot fails
    snap = {"id": str(uuid.uuid4()), "volume_id": vol["id"], "size": 1}
    endpoint.create_snapshot(ctxt, snap, vol)
    assert reports.last("snapshot_update") == (
        (snap["id"], {"status": "error"}),
        {"reason": f"snapshot failed: volume {vol['id']} not found"})
    endpoint.delete_snapshot(ctxt, snap, vol)
    assert reports.last("snapshot_deleted") == ((snap["id"],), {})


# -- attachments ---------------------------------------------------------------------

def test_connections(endpoint, reports, driver, ctxt):
    vol = created(endpoint, reports, ctxt, volume())
    info = endpoint.initialize_connection(ctxt, vol, CONNECTOR)
    assert info == {"driver_volume_type": "file",
                    "data": {"path": driver.volume_path(ref(vol)), "format": "raw"}}
    assert endpoint.terminate_connection(ctxt, vol, CONNECTOR) is None
    with pytest.raises(oslo_messaging.ExpectedException) as caught:
        endpoint.initialize_connection(ctxt, volume(), CONNECTOR)
    assert isinstance(caught.value.exc_info[1], base.VolumeNotFound)


def test_unexpected_errors_reach_the_caller_as_backend_errors(endpoint, driver, ctxt,
                                                              monkeypatch):
    def broken(volume, connector):
        raise KeyError("host")
    monkeypatch.setattr(driver, "initialize_connection", broken)
    with pytest.raises(oslo_messaging.ExpectedException) as caught:
        endpoint.initialize_connection(ctxt, volume(), {})
    error = caught.value.exc_info[1]
    assert isinstance(error, base.BackendError)
    assert error.reason == "initialize_connection failed: 'host'"


# -- upload to image -------------------------------------------------------------------

def test_copy_volume_to_image_uploads_the_bytes(endpoint, reports, driver, images, ctxt,
                                                tmp_path):
    # (raw uploads of the driver are in the conformance suite: 1 GiB each)
    disk_format = "qcow2"
    vol = created(endpoint, reports, ctxt, volume(fmt="qcow2"))
    write_bytes(driver, ref(vol), 0, b"\x42" * 8192, tmp_path)
    want = digest(as_raw(driver, ref(vol), tmp_path))
    image = images.add(make_image(tmp_path, "raw", b"placeholder"), "raw",
                       status="queued")
    endpoint.copy_volume_to_image(ctxt, vol, image["id"], disk_format, "in-use")
    assert reports.last("volume_update") == ((vol["id"], {"status": "in-use"}),
                                             {"reason": None})
    assert images.images[image["id"]]["disk_format"] == disk_format
    uploaded = images.uploads[image["id"]]
    back = tmp_path / "back.raw"
    subprocess.run(["qemu-img", "convert", "-f", disk_format, "-O", "raw",
                    str(uploaded), str(back)], check=True)
    assert digest(back) == want
    assert leftovers(tmp_path) == []


def test_failed_upload_restores_the_volume_and_drops_the_image(endpoint, reports, images,
                                                               ctxt, tmp_path):
    vol = created(endpoint, reports, ctxt, volume())
    image = images.add(make_image(tmp_path, "raw", b"p"), "raw", status="queued")
    images.fail_upload = exception.ServiceUnavailable("image store full")
    endpoint.copy_volume_to_image(ctxt, vol, image["id"], "raw", "available")
    (_, updates), kwargs = reports.last("volume_update")
    assert updates == {"status": "available"}
    assert kwargs["reason"] == "upload to image failed: image store full"
    assert images.deleted == [image["id"]]
    assert leftovers(tmp_path) == []


# -- one operation at a time per volume ------------------------------------------------

def test_operations_on_one_volume_run_one_at_a_time(endpoint, reports, driver, ctxt,
                                                    monkeypatch):
    a = created(endpoint, reports, ctxt, volume())
    b = created(endpoint, reports, ctxt, volume())
    active, peak, guard = {}, {}, threading.Lock()
    both_running = threading.Event()
    real_extend = driver.extend_volume

    def slow_extend(vol, new_size):
        with guard:
            active[vol.id] = active.get(vol.id, 0) + 1
            peak[vol.id] = max(peak.get(vol.id, 0), active[vol.id])
            if len(active) == 2 and all(active.values()):
                both_running.set()
        time.sleep(0.2)
        real_extend(vol, new_size)
        with guard:
            active[vol.id] -= 1
            if not active[vol.id]:
                del active[vol.id]
    monkeypatch.setattr(driver, "extend_volume", slow_extend)
    threads = [threading.Thread(target=endpoint.extend_volume, args=(ctxt, v, size))
               for v, size in ((a, 2), (a, 3), (a, 4), (b, 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == {a["id"]: 1, b["id"]: 1}
    assert both_running.is_set()  # different volumes do run in parallel
    assert len(endpoint._locks) == 0  # no lock kept for volumes nobody uses


def test_keyed_locks_take_several_keys_in_one_order():
    locks = KeyedLocks()
    done = []

    def worker(keys):
        for _ in range(200):
            with locks.hold(*keys):
                pass
        done.append(keys)
    threads = [threading.Thread(target=worker, args=(keys,))
               for keys in (("a", "b"), ("b", "a"), ("b",), ("a", "a"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(done) == 4 and len(locks) == 0


# -- the backend runner: reconcile and capacity reports ---------------------------------

def make_conf(tmp_path, **block):
    from sovra_block.cmd import agent
    from sovra_common import conf as sovra_conf

    conf = agent.COMPONENT.new_conf()
    sovra_conf.load(conf, "sovra", args=[], config_files=[])
    conf.set_override("transport_url", f"sovra-inproc:///unit-{uuid.uuid4().hex}",
                      group="messaging")
    conf.set_override("host", "host1", group="block")
    conf.set_override("image_conversion_dir", str(tmp_path / "conversion"),
                      group="block")
    for name, value in block.items():
        conf.set_override(name, value, group="block")
    return conf


@pytest.fixture
def service(tmp_path, driver, reports, images):
    from sovra_common import rpc

    conf = make_conf(tmp_path, report_interval=1)
    agent_backend.register_backend(conf, "files")
    transport = rpc.build_rpc_transport(conf)
    svc = agent_backend.BackendService(conf, "files", driver, transport, reports, images)
    yield svc
    svc.stop()
    transport.cleanup()


def test_reconcile_redoes_the_deletions_the_api_side_returns(service, reports, driver,
                                                             ctxt):
    keep, gone = volume(), volume(fmt="qcow2")
    for vol in (keep, gone):
        driver.create_volume(ref(vol))
    snap = {"id": str(uuid.uuid4()), "volume_id": keep["id"], "size": 1}
    driver.create_snapshot(base.SnapshotRef(id=snap["id"], volume_id=keep["id"],
                                            size_gb=1), ref(keep))
    reports.reconcile_answer = {"delete_volumes": [gone],
                                "delete_snapshots": [[snap, keep]]}
    service.start()
    reports.wait_for("report_capacity")
    assert reports.named("reconcile")[0][0] == ("host1@files",
                                                sorted([keep["id"], gone["id"]]))
    assert reports.named("volume_deleted") == [((gone["id"],), {})]
    assert reports.named("snapshot_deleted") == [((snap["id"],), {})]
    assert driver.list_volume_ids() == {keep["id"]}
    assert driver.get_capacity().provisioned_gb == 1  # the snapshot's file is gone


def test_capacity_reports_and_reconcile_retried(service, reports):
    reports.reconcile_answer = exception.ServiceUnavailable("no API yet")
    service.start()
    reports.wait_for("report_capacity")
    assert not service.reconciled.is_set()
    reports.reconcile_answer = {}
    reports.wait_for("report_capacity", 2, timeout=5)
    reports.wait_for("reconcile", 2)
    assert service.reconciled.is_set()
    (backend, host, zone, capacity, caps), kwargs = reports.last("report_capacity")
    assert (backend, host, zone) == ("host1@files", "host1", "nova")
    assert set(capacity) == {"total_gb", "free_gb", "provisioned_gb",
                             "max_over_subscription_ratio"}
    assert caps["volume_backend_name"] == "files"
    assert caps["storage_protocol"] == "file"
    assert kwargs["started_at"] == service.started_at


def test_a_missing_image_ends_in_error(endpoint, reports, driver, ctxt):
    vol = volume()
    image_id = str(uuid.uuid4())
    endpoint.create_volume(ctxt, vol, {"type": "image", "image_id": image_id})
    assert reports.last("volume_update") == (
        (vol["id"], {"status": "error"}),
        {"reason": f"create failed: image {image_id} not found"})
    assert driver.list_volume_ids() == set()

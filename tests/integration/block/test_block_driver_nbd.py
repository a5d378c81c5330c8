"""The NBD backend passes the volume driver conformance suite (raw and qcow2 files,
exported by a real qemu-storage-daemon on 127.0.0.1, read and written by qemu-io
and qemu-img as NBD clients), and keeps its exports across an agent restart."""

import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from oslo_config import cfg
from unit.block.drivers_conformance import (
    CONNECTOR,
    DriverConformance,
    MiB,
    failing_qemu_img,
    marker,  # noqa: F401 (fixture)
    read_bytes,
    volume_ref,
    write_bytes,
)

from sovra_block.conf import backend as backend_conf
from sovra_block.drivers import base, nbd

BACKEND = "exports"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_driver(tmp_path, port, **overrides):
    conf = cfg.ConfigOpts()
    conf([], project="sovra-test", default_config_files=[])
    backend_conf.register_opts(conf, BACKEND)
    conf.set_override("volume_driver", "nbd", group=BACKEND)
    conf.set_override("file_volume_dir", str(tmp_path / "volumes"), group=BACKEND)
    conf.set_override("nbd_port", port, group=BACKEND)
    for name, value in overrides.items():
        conf.set_override(name, value, group=BACKEND)
    driver = nbd.NbdDriver(conf, BACKEND)
    driver.do_setup()
    return driver


@pytest.fixture
def port():
    return free_port()


class TestNbdDriver(DriverConformance):
    @pytest.fixture(params=["raw", "qcow2"])
    def volume_format(self, request):
        return request.param

    @pytest.fixture
    def driver(self, tmp_path, port):
        driver = make_driver(tmp_path, port)
        yield driver
        driver.stop_daemon()

    def make_failing(self, driver):
        driver.qemu_img.program = failing_qemu_img(Path(driver.volume_dir).parent)

    def make_working(self, driver):
        driver.qemu_img.program = "qemu-img"


@pytest.fixture
def driver(tmp_path, port):
    driver = make_driver(tmp_path, port)
    yield driver
    driver.stop_daemon()


def nbd_url(info):
    data = info["data"]
    return f"nbd://{data['host']}:{data['port']}/{data['export_name']}"


def test_connection_info(driver, port):
    vol = volume_ref("qcow2")
    driver.create_volume(vol)
    info = driver.initialize_connection(vol, CONNECTOR)
    assert info == {"driver_volume_type": "nbd",
                    "data": {"host": "127.0.0.1", "port": port,
                             "export_name": f"volume-{vol.id}", "format": "raw"}}
    out = subprocess.run(["qemu-img", "info", "--output=json", "-f", "raw",
                          nbd_url(info)], check=True, capture_output=True, text=True)
    assert '"virtual-size": 1073741824' in out.stdout
    driver.terminate_connection(vol, CONNECTOR)
    assert subprocess.run(["qemu-img", "info", "-f", "raw", nbd_url(info)],
                          capture_output=True).returncode != 0  # export withdrawn


def test_an_exported_volume_is_kept_until_its_last_connector_leaves(driver):
    vol = volume_ref("raw")
    driver.create_volume(vol)
    info = driver.initialize_connection(vol, {"host": "c1"})
    assert driver.initialize_connection(vol, {"host": "c2"}) == info  # multiattach
    for refused in (lambda: driver.delete_volume(vol),
                    lambda: driver.extend_volume(vol, 2),
                    lambda: driver.copy_image_to_volume(vol, "/dev/null", "raw")):
        with pytest.raises(base.BackendError, match="exported to c1, c2"):
            refused()
    driver.terminate_connection(vol, {"host": "c1"})
    subprocess.run(["qemu-img", "info", "-f", "raw", nbd_url(info)], check=True,
                   capture_output=True)  # still served to c2
    driver.terminate_connection(vol, {"host": "c2"})
    driver.extend_volume(vol, 2)
    driver.delete_volume(vol)
    assert driver.list_volume_ids() == set()


def test_exports_survive_an_agent_restart_and_come_back_after_a_daemon_crash(
        tmp_path, port, marker):  # noqa: F811
    first = make_driver(tmp_path, port)
    try:
        vol = volume_ref("qcow2")
        first.create_volume(vol)
        guest = {"host": "compute7"}
        info = first.initialize_connection(vol, guest)
        write_bytes(first, vol, 0, marker, tmp_path)  # its own connect/disconnect
        assert first._record(vol.id)["connectors"] == ["compute7"]

        again = make_driver(tmp_path, port)  # the agent restarted: same daemon
        assert again._daemon_pid() == first._daemon_pid()

        pid = first._daemon_pid()
        os.kill(pid, 9)  # the daemon died (host reboot...): exports come back
        for _ in range(100):
            if again._daemon_pid() is None:
                break
            time.sleep(0.05)
        restarted = make_driver(tmp_path, port)
        assert restarted._daemon_pid() not in (None, pid)
        out = tmp_path / "read.raw"
        subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "raw", nbd_url(info),
                        str(out)], check=True, capture_output=True)
        with open(out, "rb") as f:
            assert f.read(len(marker)) == marker
        restarted.terminate_connection(vol, guest)
        assert restarted._record(vol.id) is None
    finally:
        first.stop_daemon()


def test_setup_fails_clearly_without_the_daemon(tmp_path, port):
    with pytest.raises(base.BackendError, match="not installed"):
        make_driver(tmp_path, port, nbd_daemon_path="/nonexistent/qsd")


def test_setup_fails_clearly_when_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(base.BackendError, match="failed to start"):
            make_driver(tmp_path, taken.getsockname()[1])


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_snapshot_of_an_exported_volume_is_taken_by_the_daemon(driver, tmp_path, fmt,
                                                                marker):  # noqa: F811
    """A guest (c1) holds the export and has written through it: the snapshot has
    its bytes, qcow2 metadata the daemon holds included, and the guest keeps
    its disk."""
    vol = volume_ref(fmt)
    driver.create_volume(vol)
    info = driver.initialize_connection(vol, {"host": "c1"})
    src = tmp_path / "marker"
    src.write_bytes(marker)
    subprocess.run(["qemu-io", "-f", "raw", "-c", f"write -q -s {src} 3M {len(marker)}",
                    nbd_url(info)], check=True, capture_output=True)
    snap = base.SnapshotRef(id=str(uuid.uuid4()), volume_id=vol.id, size_gb=1)
    driver.qemu_img.program = failing_qemu_img(tmp_path)  # not the one copying
    update = driver.create_snapshot(snap, vol)
    driver.qemu_img.program = "qemu-img"
    assert update == {"provider_location": f"snapshot-{snap.id}.{fmt}"}
    assert driver.create_snapshot(snap, vol) == update  # idempotent
    snap.provider_location = update["provider_location"]
    subprocess.run(["qemu-img", "info", "-f", "raw", nbd_url(info)], check=True,
                   capture_output=True)  # still exported to c1
    restored = volume_ref(fmt)
    driver.create_volume_from_snapshot(restored, snap)
    assert read_bytes(driver, restored, 3 * MiB, len(marker), tmp_path) == marker
    driver.terminate_connection(vol, {"host": "c1"})

"""The file driver passes the volume driver conformance suite in raw and qcow2 with
the real qemu-img, and keeps its own promises about files."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from importlib import metadata
from pathlib import Path

import pytest
from drivers_conformance import (
    DriverConformance,
    failing_qemu_img,
    make_image,
    marker,  # noqa: F401 (fixture)
    volume_ref,
    write_bytes,
)
from oslo_config import cfg

from sovra_block.conf import backend as backend_conf
from sovra_block.drivers import base, file

BACKEND = "files"


def make_driver(tmp_path, **overrides):
    conf = cfg.ConfigOpts()
    conf([], project="sovra-test", default_config_files=[])
    backend_conf.register_opts(conf, BACKEND)
    conf.set_override("file_volume_dir", str(tmp_path / "volumes"), group=BACKEND)
    for name, value in overrides.items():
        conf.set_override(name, value, group=BACKEND)
    driver = file.FileDriver(conf, BACKEND)
    driver.do_setup()
    return driver


class TestFileDriver(DriverConformance):
    @pytest.fixture(params=["raw", "qcow2"])
    def volume_format(self, request):
        return request.param

    @pytest.fixture
    def driver(self, tmp_path):
        return make_driver(tmp_path)

    def make_failing(self, driver):
        driver.qemu_img.program = failing_qemu_img(Path(driver.volume_dir).parent)

    def make_working(self, driver):
        driver.qemu_img.program = "qemu-img"


def test_registered_as_an_entry_point():
    (entry,) = [ep for ep in metadata.entry_points(group="sovra.block.volume_drivers")
                if ep.name == "file"]
    assert entry.load() is file.FileDriver


def test_files_are_named_by_format_and_location_is_relative(tmp_path):
    driver = make_driver(tmp_path)
    vol = volume_ref("qcow2")
    assert driver.create_volume(vol) == {"provider_location": f"volume-{vol.id}.qcow2"}
    info = driver.initialize_connection(vol, {"host": "h"})
    assert info == {"driver_volume_type": "file",
                    "data": {"path": str(tmp_path / "volumes" / f"volume-{vol.id}.qcow2"),
                             "format": "qcow2"}}
    raw = volume_ref("raw")
    driver.create_volume(raw)
    assert os.stat(driver.volume_path(raw)).st_blocks == 0  # sparse


def test_unknown_format_is_refused(tmp_path):
    driver = make_driver(tmp_path)
    with pytest.raises(base.BackendError, match="vmdk"):
        driver.create_volume(volume_ref("vmdk"))


def test_repeated_create_of_another_size_is_refused(tmp_path):
    driver = make_driver(tmp_path)
    vol = volume_ref("raw")
    driver.create_volume(vol)
    vol.size_gb = 2
    with pytest.raises(base.BackendError, match="already exists"):
        driver.create_volume(vol)


def test_temporaries_and_snapshots_are_not_volumes(tmp_path):
    driver = make_driver(tmp_path)
    vol = volume_ref("raw")
    driver.create_volume(vol)
    snap = base.SnapshotRef(id="0b0c2f2e-3a8e-4d6f-9d1e-8e4b7c8a9f01", volume_id=vol.id,
                            size_gb=1)
    driver.create_snapshot(snap, vol)
    stray = volume_ref("raw")
    leftover = tmp_path / "volumes" / f".tmp-volume-{stray.id}.raw-1234abcd"
    leftover.write_bytes(b"half")
    (tmp_path / "volumes" / "notes.txt").write_text("not a volume")
    assert driver.list_volume_ids() == {vol.id}
    driver.do_setup()  # a restart: what a dead run left is removed
    assert not leftover.exists()
    assert (tmp_path / "volumes" / "notes.txt").exists()


def test_a_killed_copy_leaves_no_complete_looking_file(tmp_path, marker):  # noqa: F811
    """SIGKILL in the middle of an image copy (no clean-up at all): the volume keeps
    its bytes, the partial copy is only a temporary, removed at the next start."""
    driver = make_driver(tmp_path)
    vol = volume_ref("raw")
    driver.create_volume(vol)
    write_bytes(driver, vol, 0, marker, tmp_path)
    image = make_image(tmp_path, "raw", bytes(len(marker)), size="512M")
    stall = tmp_path / "qemu-img-stalling"
    pidfile = tmp_path / "stalled.pid"
    stall.write_text('#!/bin/sh\nif [ "$1" = convert ]; then for last; do :; done; '
                     f'head -c 4096 /dev/zero > "$last"; echo $$ > {pidfile}; '
                     'kill -STOP $$; fi\nexec qemu-img "$@"\n')
    stall.chmod(0o755)
    code = textwrap.dedent(f"""
        import sys
        sys.path[:0] = {sys.path!r}
        from test_block_driver_file import make_driver
        from sovra_block.drivers import base
        import pathlib
        d = make_driver(pathlib.Path({str(tmp_path)!r}), qemu_img_path={str(stall)!r})
        d.copy_image_to_volume(base.VolumeRef(id={vol.id!r}, size_gb=1), {str(image)!r},
                               "raw")
    """)
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        vol_dir = tmp_path / "volumes"
        for _ in range(200):
            if pidfile.exists() and pidfile.read_text().strip():
                break
            proc.poll()
            assert proc.returncode is None, "the copy ended before it could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("the copy never started")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if pidfile.exists() and pidfile.read_text().strip():  # the orphaned qemu-img
            os.kill(int(pidfile.read_text()), signal.SIGKILL)
    assert any(n.startswith(".tmp-") for n in os.listdir(vol_dir))
    assert driver.list_volume_ids() == {vol.id}
    with open(driver.volume_path(vol), "rb") as f:
        assert f.read(len(marker)) == marker
    driver.do_setup()
    assert sorted(os.listdir(tmp_path / "volumes")) == [f"volume-{vol.id}.raw"]


def test_vmdk_with_extent_files_is_refused(tmp_path):
    driver = make_driver(tmp_path)
    image = tmp_path / "split.vmdk"
    subprocess.run(["qemu-img", "create", "-q", "-f", "vmdk", "-o",
                    "subformat=monolithicFlat", str(image), "16M"], check=True)
    vol = volume_ref("raw")
    driver.create_volume(vol)
    with pytest.raises(base.BackendError, match="monolithicFlat"):
        driver.copy_image_to_volume(vol, str(image), "vmdk")


def test_capabilities_and_capacity_follow_the_options(tmp_path):
    driver = make_driver(tmp_path, volume_backend_name="gold", reserved_percentage=100,
                         max_over_subscription_ratio=3.0)
    caps = driver.get_capabilities()
    assert caps["volume_backend_name"] == "gold"
    assert caps["storage_protocol"] == "file"
    assert caps["thin_provisioning_support"] is True
    capacity = driver.get_capacity()
    assert capacity.free_gb == 0.0  # all of it reserved
    assert capacity.max_over_subscription_ratio == 3.0


def test_setup_fails_clearly_without_qemu_img(tmp_path):
    with pytest.raises(base.BackendError, match="not installed"):
        make_driver(tmp_path, qemu_img_path="/nonexistent/qemu-img")

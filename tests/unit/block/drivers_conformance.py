"""The volume driver contract (sovra_block.drivers.base), as tests every backend runs.

A backend's test module subclasses ``DriverConformance`` and provides

- the ``driver`` fixture: a driver, set up (``do_setup`` done), with room for a few
  sparse 1 GiB volumes;
- the ``volume_format`` fixture: the format of the volumes the tests make;
- ``make_failing(driver)``: from then on the driver's data copies (clone, snapshot,
  image to volume, volume to image) fail partway, having written part of their
  output, as a crash would leave it (how is the backend's business);
  ``make_working(driver)`` undoes that.

Bytes are written and read through the connection info the driver hands out
(``qemu-io`` / ``qemu-img`` on the file path or NBD export), so the suite checks
what a guest would see, not how the backend stores it. Needs qemu-utils.
"""

import hashlib
import os
import subprocess
import uuid

import pytest

from sovra_block.drivers import base

GiB = 1 << 30
MiB = 1 << 20
CONNECTOR = {"host": "compute1", "ip": "127.0.0.1", "platform": "x86_64",
             "os_type": "linux", "multipath": False, "initiator": None}


def volume_ref(fmt, size_gb=1):
    return base.VolumeRef(id=str(uuid.uuid4()), size_gb=size_gb, format=fmt)


def snapshot_ref(volume):
    return base.SnapshotRef(id=str(uuid.uuid4()), volume_id=volume.id,
                            size_gb=volume.size_gb)


def _target(driver, volume):
    """(qemu target, format) of ``volume`` through its connection info."""
    info = driver.initialize_connection(volume, CONNECTOR)
    data = info["data"]
    if info["driver_volume_type"] == "file":
        return data["path"], data["format"]
    if info["driver_volume_type"] == "nbd":
        return f"nbd://{data['host']}:{data['port']}/{data['export_name']}", "raw"
    raise AssertionError(f"unknown connection type {info['driver_volume_type']}")


def write_bytes(driver, volume, offset, data, tmp_path):
    """Write ``data`` at ``offset`` as a guest would (qemu-io on the connection)."""
    src = tmp_path / f"marker-{uuid.uuid4().hex}"
    src.write_bytes(data)
    target, fmt = _target(driver, volume)
    subprocess.run(["qemu-io", "-f", fmt, "-c",
                    f"write -q -s {src} {offset} {len(data)}", target],
                   check=True, capture_output=True)
    driver.terminate_connection(volume, CONNECTOR)


def as_raw(driver, volume, tmp_path):
    """A raw copy of what a guest sees of ``volume`` (path of a sparse file)."""
    target, fmt = _target(driver, volume)
    out = tmp_path / f"read-{uuid.uuid4().hex}.raw"
    subprocess.run(["qemu-img", "convert", "-U", "-f", fmt, "-O", "raw", target,
                    str(out)], check=True, capture_output=True)
    driver.terminate_connection(volume, CONNECTOR)
    return out


def read_bytes(driver, volume, offset, length, tmp_path):
    raw = as_raw(driver, volume, tmp_path)
    try:
        with open(raw, "rb") as f:
            f.seek(offset)
            return f.read(length)
    finally:
        raw.unlink()


BLOCK = 64 * 1024


def digest(path, limit=None):
    """sha256 of a file's first ``limit`` bytes (all by default), as the offsets
    and bytes of its non-zero 64 KiB blocks: equal digests mean equal bytes, and
    the holes of a sparse file are skipped instead of read (SEEK_DATA)."""
    h = hashlib.sha256()
    end = os.path.getsize(path) if limit is None else limit
    with open(path, "rb") as f:
        fd, pos = f.fileno(), 0
        while pos < end:
            try:
                pos = os.lseek(fd, pos, os.SEEK_DATA) // BLOCK * BLOCK
            except OSError:  # ENXIO: only a hole is left
                break
            hole = min(os.lseek(fd, pos, os.SEEK_HOLE), end)
            f.seek(pos)
            while pos < hole:
                block = f.read(min(BLOCK, end - pos))
                if block.count(0) != len(block):
                    h.update(pos.to_bytes(8, "big") + block)
                pos += len(block)
    return h.hexdigest()


#: the digest of a file of zeros, whatever its size
ZEROS = hashlib.sha256().hexdigest()


def volume_digest(driver, volume, tmp_path, limit=None):
    raw = as_raw(driver, volume, tmp_path)
    try:
        return digest(raw, limit), os.path.getsize(raw)
    finally:
        raw.unlink()


def make_image(tmp_path, fmt, marker, size="64M", offset=MiB):
    """An image file in ``fmt`` of virtual ``size`` with ``marker`` at ``offset``."""
    path = tmp_path / f"image-{uuid.uuid4().hex[:8]}.{fmt}"
    subprocess.run(["qemu-img", "create", "-q", "-f", fmt, str(path), size],
                   check=True)
    src = tmp_path / "image-marker"
    src.write_bytes(marker)
    subprocess.run(["qemu-io", "-f", fmt, "-c",
                    f"write -q -s {src} {offset} {len(marker)}", str(path)],
                   check=True, capture_output=True)
    return path


def failing_qemu_img(directory):
    """For drivers that copy with qemu-img: a qemu-img whose convert writes part of
    its destination and dies, like a copy killed partway; everything else goes to
    the real one. Returns its path."""
    script = directory / "qemu-img-crashing"
    script.write_text('#!/bin/sh\n'
                      'if [ "$1" = convert ]; then\n'
                      '    for last; do :; done\n'
                      '    head -c 1048576 /dev/urandom > "$last"\n'
                      '    echo "convert: simulated crash" >&2\n'
                      '    exit 1\n'
                      'fi\n'
                      'exec qemu-img "$@"\n')
    script.chmod(0o755)
    return str(script)


@pytest.fixture
def marker():
    return os.urandom(256 * 1024)


class DriverConformance:
    def make_failing(self, driver):
        raise NotImplementedError

    def make_working(self, driver):
        raise NotImplementedError

    # -- set-up and reports --------------------------------------------------------

    def test_is_a_volume_driver(self, driver):
        assert isinstance(driver, base.VolumeDriver)
        assert driver.storage_protocol in ("file", "nbd")
        driver.do_setup()  # safe to call again

    def test_capabilities_name_what_the_scheduler_matches(self, driver):
        caps = driver.get_capabilities()
        for key in ("volume_backend_name", "storage_protocol", "vendor_name",
                    "driver_version", "thin_provisioning_support",
                    "thick_provisioning_support", "multiattach", "QoS_support"):
            assert key in caps, key
        assert caps["storage_protocol"] == driver.storage_protocol

    def test_capacity_counts_provisioned_volumes(self, driver, volume_format):
        before = driver.get_capacity()
        assert before.total_gb > 0
        assert 0 <= before.free_gb <= before.total_gb
        assert before.max_over_subscription_ratio >= 1.0
        driver.create_volume(volume_ref(volume_format, 2))
        after = driver.get_capacity()
        assert after.provisioned_gb == pytest.approx(before.provisioned_gb + 2)
        assert after.free_gb <= before.free_gb + 0.01  # sparse: barely less

    # -- create / delete -----------------------------------------------------------

    def test_create_volume_is_zeroed_sized_and_idempotent(self, driver, volume_format,
                                                          tmp_path):
        vol = volume_ref(volume_format)
        update = driver.create_volume(vol)
        assert vol.id in driver.list_volume_ids()
        vol.provider_location = update.get("provider_location")
        assert driver.create_volume(vol) == update  # a repeated create
        sha, size = volume_digest(driver, vol, tmp_path)
        assert size == GiB
        assert sha == ZEROS

    def test_delete_volume_is_idempotent(self, driver, volume_format):
        vol = volume_ref(volume_format)
        vol.provider_location = driver.create_volume(vol).get("provider_location")
        driver.delete_volume(vol)
        assert vol.id not in driver.list_volume_ids()
        driver.delete_volume(vol)
        driver.delete_volume(volume_ref(volume_format))  # never existed
        with pytest.raises(base.VolumeNotFound):
            driver.initialize_connection(vol, CONNECTOR)

    # -- extend --------------------------------------------------------------------

    def test_extend_keeps_data_and_reads_zeros_beyond(self, driver, volume_format,
                                                      tmp_path, marker):
        vol = volume_ref(volume_format)
        vol.provider_location = driver.create_volume(vol).get("provider_location")
        write_bytes(driver, vol, GiB - len(marker), marker, tmp_path)  # the old end
        driver.extend_volume(vol, 2)
        vol.size_gb = 2
        raw = as_raw(driver, vol, tmp_path)
        assert os.path.getsize(raw) == 2 * GiB
        with open(raw, "rb") as f:
            f.seek(GiB - len(marker))
            assert f.read(len(marker)) == marker
            assert f.read(4 * MiB) == bytes(4 * MiB)
            f.seek(2 * GiB - MiB)
            assert f.read() == bytes(MiB)
        driver.extend_volume(vol, 2)  # already that size

    def test_extend_never_shrinks(self, driver, volume_format, tmp_path):
        vol = volume_ref(volume_format, 2)
        vol.provider_location = driver.create_volume(vol).get("provider_location")
        with pytest.raises(base.BackendError):
            driver.extend_volume(vol, 1)
        assert volume_digest(driver, vol, tmp_path, limit=0)[1] == 2 * GiB

    def test_extend_missing_volume(self, driver, volume_format):
        with pytest.raises(base.VolumeNotFound):
            driver.extend_volume(volume_ref(volume_format), 2)

    # -- clone ---------------------------------------------------------------------

    def test_clone_has_the_same_bytes(self, driver, volume_format, tmp_path, marker):
        src = volume_ref(volume_format)
        src.provider_location = driver.create_volume(src).get("provider_location")
        write_bytes(driver, src, 3 * MiB, marker, tmp_path)
        src_sha, _ = volume_digest(driver, src, tmp_path)

        same = volume_ref(volume_format)
        same.provider_location = driver.create_cloned_volume(same, src).get(
            "provider_location")
        assert volume_digest(driver, same, tmp_path) == (src_sha, GiB)
        assert driver.create_cloned_volume(same, src)["provider_location"] == \
            same.provider_location  # idempotent

        bigger = volume_ref(volume_format, 2)
        bigger.provider_location = driver.create_cloned_volume(bigger, src).get(
            "provider_location")
        raw = as_raw(driver, bigger, tmp_path)
        assert os.path.getsize(raw) == 2 * GiB
        assert digest(raw, GiB) == src_sha
        with open(raw, "rb") as f:
            f.seek(2 * GiB - MiB)
            assert f.read() == bytes(MiB)
        assert {src.id, same.id, bigger.id} <= driver.list_volume_ids()

    def test_failed_clone_leaves_no_volume(self, driver, volume_format, tmp_path,
                                           marker):
        src = volume_ref(volume_format)
        src.provider_location = driver.create_volume(src).get("provider_location")
        write_bytes(driver, src, 0, marker, tmp_path)
        clone = volume_ref(volume_format)
        self.make_failing(driver)
        with pytest.raises(base.BackendError):
            driver.create_cloned_volume(clone, src)
        assert driver.list_volume_ids() == {src.id}

    # -- snapshots -----------------------------------------------------------------

    def test_snapshot_keeps_the_bytes_of_its_time(self, driver, volume_format, tmp_path,
                                                  marker):
        vol = volume_ref(volume_format)
        vol.provider_location = driver.create_volume(vol).get("provider_location")
        write_bytes(driver, vol, 5 * MiB, marker, tmp_path)
        then_sha, _ = volume_digest(driver, vol, tmp_path)

        snap = snapshot_ref(vol)
        snap.provider_location = driver.create_snapshot(snap, vol).get(
            "provider_location")
        assert driver.create_snapshot(snap, vol).get("provider_location") == \
            snap.provider_location  # idempotent
        write_bytes(driver, vol, 5 * MiB, bytes(reversed(marker)), tmp_path)
        now_sha, _ = volume_digest(driver, vol, tmp_path)
        assert now_sha != then_sha

        restored = volume_ref(volume_format)
        restored.provider_location = driver.create_volume_from_snapshot(
            restored, snap).get("provider_location")
        assert volume_digest(driver, restored, tmp_path) == (then_sha, GiB)

        bigger = volume_ref(volume_format, 2)
        driver.create_volume_from_snapshot(bigger, snap)
        sha, size = volume_digest(driver, bigger, tmp_path, limit=GiB)
        assert (sha, size) == (then_sha, 2 * GiB)

        driver.delete_snapshot(snap, vol)
        driver.delete_snapshot(snap, vol)  # idempotent
        with pytest.raises(base.SnapshotNotFound):
            driver.create_volume_from_snapshot(volume_ref(volume_format), snap)
        assert volume_digest(driver, vol, tmp_path)[0] == now_sha
        assert snap.id not in driver.list_volume_ids()

    def test_volume_from_snapshot_must_fit(self, driver, volume_format):
        vol = volume_ref(volume_format, 2)
        driver.create_volume(vol)
        snap = snapshot_ref(vol)
        snap.provider_location = driver.create_snapshot(snap, vol).get(
            "provider_location")
        small = volume_ref(volume_format, 1)
        with pytest.raises(base.BackendError):
            driver.create_volume_from_snapshot(small, snap)
        assert small.id not in driver.list_volume_ids()

    def test_failed_snapshot_leaves_no_snapshot(self, driver, volume_format):
        vol = volume_ref(volume_format)
        driver.create_volume(vol)
        snap = snapshot_ref(vol)
        self.make_failing(driver)
        with pytest.raises(base.BackendError):
            driver.create_snapshot(snap, vol)
        with pytest.raises(base.SnapshotNotFound):
            driver.create_volume_from_snapshot(volume_ref(volume_format), snap)
        assert driver.list_volume_ids() == {vol.id}

    # -- images --------------------------------------------------------------------

    @pytest.mark.parametrize("image_format", ["raw", "qcow2"])
    def test_copy_image_to_volume(self, driver, volume_format, tmp_path, marker,
                                  image_format):
        image = make_image(tmp_path, image_format, marker, offset=7 * MiB)
        vol = volume_ref(volume_format)
        vol.provider_location = driver.create_volume(vol).get("provider_location")
        write_bytes(driver, vol, 500 * MiB, marker, tmp_path)  # replaced by the image
        driver.copy_image_to_volume(vol, str(image), image_format)
        raw = as_raw(driver, vol, tmp_path)
        assert os.path.getsize(raw) == GiB  # the volume's size, not the image's
        with open(raw, "rb") as f:
            assert f.read(7 * MiB) == bytes(7 * MiB)
            assert f.read(len(marker)) == marker
            f.seek(500 * MiB)
            assert f.read(len(marker)) == bytes(len(marker))
        assert driver.list_volume_ids() == {vol.id}

    def test_image_larger_than_the_volume_is_refused(self, driver, volume_format,
                                                     tmp_path, marker):
        image = make_image(tmp_path, "qcow2", marker, size="2G")
        vol = volume_ref(volume_format)
        vol.provider_location = driver.create_volume(vol).get("provider_location")
        write_bytes(driver, vol, 0, marker, tmp_path)
        with pytest.raises(base.BackendError, match="exceeds"):
            driver.copy_image_to_volume(vol, str(image), "qcow2")
        assert read_bytes(driver, vol, 0, len(marker), tmp_path) == marker

    def test_image_with_a_backing_file_is_refused(self, driver, volume_format,
                                                  tmp_path, marker):
        base_image = make_image(tmp_path, "raw", marker)
        overlay = tmp_path / "overlay.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                        str(base_image), str(overlay)], check=True)
        vol = volume_ref(volume_format)
        driver.create_volume(vol)
        with pytest.raises(base.BackendError, match="backing file"):
            driver.copy_image_to_volume(vol, str(overlay), "qcow2")

    def test_failed_image_copy_keeps_the_old_bytes(self, driver, volume_format,
                                                   tmp_path, marker):
        image = make_image(tmp_path, "qcow2", bytes(reversed(marker)))
        vol = volume_ref(volume_format)
        vol.provider_location = driver.create_volume(vol).get("provider_location")
        write_bytes(driver, vol, MiB, marker, tmp_path)
        before = volume_digest(driver, vol, tmp_path)
        self.make_failing(driver)
        with pytest.raises(base.BackendError):
            driver.copy_image_to_volume(vol, str(image), "qcow2")
        self.make_working(driver)
        assert volume_digest(driver, vol, tmp_path) == before
        assert driver.list_volume_ids() == {vol.id}

    @pytest.mark.parametrize("disk_format", ["raw", "qcow2"])
    def test_copy_volume_to_image(self, driver, volume_format, tmp_path, marker,
                                  disk_format):
        vol = volume_ref(volume_format)
        vol.provider_location = driver.create_volume(vol).get("provider_location")
        write_bytes(driver, vol, 9 * MiB, marker, tmp_path)
        want, _ = volume_digest(driver, vol, tmp_path)
        dest = tmp_path / "upload" / f"out.{disk_format}"
        dest.parent.mkdir()
        driver.copy_volume_to_image(vol, str(dest), disk_format)
        info = subprocess.run(["qemu-img", "info", "--output=json", str(dest)],
                              check=True, capture_output=True, text=True).stdout
        assert f'"format": "{disk_format}"' in info
        back = tmp_path / "back.raw"
        subprocess.run(["qemu-img", "convert", "-f", disk_format, "-O", "raw",
                        str(dest), str(back)], check=True)
        assert digest(back) == want
        assert os.listdir(dest.parent) == [dest.name]

    def test_failed_copy_volume_to_image_leaves_no_file(self, driver, volume_format,
                                                        tmp_path):
        vol = volume_ref(volume_format)
        driver.create_volume(vol)
        dest = tmp_path / "upload" / "out.qcow2"
        dest.parent.mkdir()
        self.make_failing(driver)
        with pytest.raises(base.BackendError):
            driver.copy_volume_to_image(vol, str(dest), "qcow2")
        assert os.listdir(dest.parent) == []

    # -- connections ---------------------------------------------------------------

    def test_connection_is_idempotent(self, driver, volume_format):
        vol = volume_ref(volume_format)
        vol.provider_location = driver.create_volume(vol).get("provider_location")
        info = driver.initialize_connection(vol, CONNECTOR)
        assert info["driver_volume_type"] == driver.storage_protocol
        assert driver.initialize_connection(vol, CONNECTOR) == info
        driver.terminate_connection(vol, CONNECTOR)
        driver.terminate_connection(vol, CONNECTOR)  # idempotent
        driver.terminate_connection(vol, dict(CONNECTOR, host="elsewhere"))
        driver.terminate_connection(volume_ref(volume_format), CONNECTOR)  # unknown

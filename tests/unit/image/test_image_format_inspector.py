"""Disk format inspection: the declared format must be the content's, and qcow2/vmdk/
vhd/vdi references to other files are refused (upstream CVEs)."""

import shutil
import struct
import subprocess
import uuid

import pytest

from sovra_image.format import inspector

QEMU_IMG = shutil.which("qemu-img")
needs_qemu_img = pytest.mark.skipif(QEMU_IMG is None, reason="qemu-img not installed")


def qcow2_header(*, version=3, virtual_size=1 << 30, backing=b"", incompatible=0,
                 extensions=(), cluster_bits=16) -> bytes:
    """A minimal qcow2 header written by hand (enough for the inspector)."""
    header_length = 104 if version == 3 else 72
    ext = b"".join(struct.pack(">II", kind, len(data)) + data +
                   b"\0" * (-len(data) % 8) for kind, data in extensions)
    ext += struct.pack(">II", 0, 0)
    backing_offset = header_length + len(ext) if backing else 0
    head = struct.pack(">4sIQIIQIIQQIIQ", b"QFI\xfb", version, backing_offset,
                       len(backing), cluster_bits, virtual_size, 0, 0, 0, 0, 0, 0, 0)
    if version == 3:
        head += struct.pack(">QQQII", incompatible, 0, 0, 4, header_length)
    data = head + ext + backing
    return data + b"\0" * ((1 << cluster_bits) - len(data))


def inspect(data: bytes, disk_format: str, chunk: int = 4096):
    check = inspector.Inspector(disk_format)
    for i in range(0, len(data), chunk):
        check.feed(data[i:i + chunk])
    return check.finish()


def qemu_img(tmp_path, fmt, size="64M", name="disk", options=()) -> bytes:
    path = tmp_path / f"{name}.{fmt}"
    subprocess.run([QEMU_IMG, "create", "-q", "-f", fmt, *options, str(path), size],
                   check=True, cwd=tmp_path)
    return path.read_bytes()


class TestHandWrittenQcow2:
    def test_plain_qcow2_passes_with_its_virtual_size(self):
        assert inspect(qcow2_header(virtual_size=5 << 30), "qcow2") == 5 << 30

    def test_qcow2_v2_passes(self):
        assert inspect(qcow2_header(version=2, virtual_size=12345 * 512), "qcow2") \
            == 12345 * 512

    def test_backing_file_is_refused(self):
        data = qcow2_header(backing=b"/etc/shadow")
        with pytest.raises(inspector.ImageFormatError, match="backing file"):
            inspect(data, "qcow2")

    def test_external_data_file_bit_is_refused(self):
        with pytest.raises(inspector.ImageFormatError, match="external data file"):
            inspect(qcow2_header(incompatible=1 << 2), "qcow2")

    def test_external_data_file_extension_is_refused(self):
        data = qcow2_header(extensions=[(0x44415441, b"/dev/sda")])
        with pytest.raises(inspector.ImageFormatError, match="external data file"):
            inspect(data, "qcow2")

    def test_other_extensions_pass(self):
        assert inspect(qcow2_header(extensions=[(0x6803F857, b"x" * 48)]), "qcow2")

    def test_unknown_version_is_refused(self):
        with pytest.raises(inspector.ImageFormatError, match="version"):
            inspect(qcow2_header(version=4), "qcow2")

    def test_truncated_header_is_refused(self):
        with pytest.raises(inspector.ImageFormatError, match="truncated"):
            inspect(qcow2_header()[:50], "qcow2")

    def test_qcow2_declared_raw_is_refused(self):
        with pytest.raises(inspector.ImageFormatError, match="is a qcow2 image"):
            inspect(qcow2_header(), "raw")

    def test_raw_declared_qcow2_is_refused(self):
        with pytest.raises(inspector.ImageFormatError, match="no qcow2 header"):
            inspect(b"\0" * 100000, "qcow2")

    def test_qcow2_iso_polyglot_declared_iso_is_refused(self):
        data = bytearray(qcow2_header() + b"\0" * 40000)
        data[0x8001:0x8006] = b"CD001"
        with pytest.raises(inspector.ImageFormatError, match="is a qcow2 image"):
            inspect(bytes(data), "iso")

    def test_inspection_fails_early_while_streaming(self):
        check = inspector.Inspector("qcow2")
        with pytest.raises(inspector.ImageFormatError):
            check.feed(b"\0" * inspector.HEADER_BYTES)  # no finish() needed


class TestRawAndIso:
    def test_raw_virtual_size_is_its_size(self):
        assert inspect(b"\1" * 70000, "raw", chunk=999) == 70000

    def test_empty_raw_passes(self):
        assert inspect(b"", "raw") == 0

    def iso(self, blocks=100):
        data = bytearray(2048 * blocks)
        data[0x8000] = 1
        data[0x8001:0x8006] = b"CD001"
        struct.pack_into("<I", data, 0x8000 + 80, blocks)
        struct.pack_into("<H", data, 0x8000 + 128, 2048)
        return bytes(data)

    def test_iso_passes_with_its_volume_size(self):
        assert inspect(self.iso(), "iso") == 100 * 2048

    def test_iso_may_be_declared_raw(self):
        assert inspect(self.iso(), "raw") == 100 * 2048

    def test_non_iso_declared_iso_is_refused(self):
        with pytest.raises(inspector.ImageFormatError, match="no iso header"):
            inspect(b"\0" * 50000, "iso")

    def test_uninspected_formats_pass(self):
        assert inspect(qcow2_header(), "ami") is None


@needs_qemu_img
class TestQemuImgImages:
    def test_qcow2(self, tmp_path):
        assert inspect(qemu_img(tmp_path, "qcow2", "1G"), "qcow2", 65536) == 1 << 30

    def test_qcow2_with_backing_file_is_refused(self, tmp_path):
        qemu_img(tmp_path, "raw", "1M", name="base")
        data = qemu_img(tmp_path, "qcow2", "1M",
                        options=["-b", str(tmp_path / "base.raw"), "-F", "raw"])
        with pytest.raises(inspector.ImageFormatError, match="backing file"):
            inspect(data, "qcow2", 65536)

    def test_qcow2_with_data_file_is_refused(self, tmp_path):
        data = qemu_img(tmp_path, "qcow2", "1M",
                        options=["-o", f"data_file={tmp_path / 'data.raw'}"])
        with pytest.raises(inspector.ImageFormatError, match="external data file"):
            inspect(data, "qcow2", 65536)

    @pytest.mark.parametrize("subformat", ["monolithicSparse", "streamOptimized"])
    def test_vmdk(self, tmp_path, subformat):
        data = qemu_img(tmp_path, "vmdk", "100M", options=["-o", f"subformat={subformat}"])
        assert inspect(data, "vmdk") == 100 << 20

    def test_descriptor_only_vmdk_is_refused(self, tmp_path):
        data = qemu_img(tmp_path, "vmdk", "1M", options=["-o", "subformat=monolithicFlat"])
        with pytest.raises(inspector.ImageFormatError, match="descriptor-only"):
            inspect(data, "vmdk")

    @pytest.mark.parametrize("subformat", ["dynamic", "fixed"])
    def test_vhd(self, tmp_path, subformat):
        data = qemu_img(tmp_path, "vpc", "10M", options=["-o", f"subformat={subformat}"])
        assert inspect(data, "vhd", 65536) >= 10 << 20

    def test_vdi(self, tmp_path):
        assert inspect(qemu_img(tmp_path, "vdi", "100M"), "vdi") == 100 << 20

    def test_vhdx(self, tmp_path):
        assert inspect(qemu_img(tmp_path, "vhdx", "100M"), "vhdx", 1 << 20) == 100 << 20

    def test_differencing_vhdx_is_refused(self, tmp_path):
        data = bytearray(qemu_img(tmp_path, "vhdx", "100M"))
        # set HasParent in the file parameters (qemu-img cannot make one)
        region = data.index(b"metadata", 0x30000)
        entries, = struct.unpack_from("<H", data, region + 10)
        file_params = uuid.UUID("caa16737-fa36-4d43-b3b6-33f0aa44e76b").bytes_le
        for i in range(entries):
            entry = region + 32 + 32 * i
            if data[entry:entry + 16] == file_params:
                offset, = struct.unpack_from("<I", data, entry + 16)
                data[region + offset + 4] |= 2
        with pytest.raises(inspector.ImageFormatError, match="differencing vhdx"):
            inspect(bytes(data), "vhdx", 1 << 20)

    def test_qcow2_declared_vmdk_is_refused(self, tmp_path):
        with pytest.raises(inspector.ImageFormatError, match="is a qcow2 image"):
            inspect(qemu_img(tmp_path, "qcow2", "1M"), "vmdk")


def _vhd_footer(disk_type: int, size: int) -> bytes:
    footer = bytearray(512)
    footer[0:8] = b"conectix"
    struct.pack_into(">Q", footer, 48, size)
    struct.pack_into(">I", footer, 60, disk_type)
    return bytes(footer)


def test_fixed_vhd_footer_at_the_end():
    assert inspect(b"\0" * 4096 + _vhd_footer(2, 4096), "vhd", chunk=1000) == 4096


def test_differencing_vhd_is_refused():
    footer = _vhd_footer(4, 1 << 20)
    with pytest.raises(inspector.ImageFormatError, match="differencing"):
        inspect(footer + b"\0" * 1024 + footer, "vhd")


def test_vhd_without_footer_is_refused():
    with pytest.raises(inspector.ImageFormatError, match="no VHD footer"):
        inspect(b"\0" * 5000, "vhd")


def test_chunks_may_be_views_of_a_reused_buffer():
    """The upload feeds views of buffers it refills: the inspector keeps copies."""
    data = b"\0" * 4096 + _vhd_footer(2, 4096)
    buffer = bytearray(len(data))
    check = inspector.Inspector("vhd")
    buffer[:] = data
    check.feed(memoryview(buffer))
    buffer[:] = b"\xff" * len(buffer)  # the next chunk would land here
    assert check.finish() == 4096

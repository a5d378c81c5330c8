"""Checking uploaded image data against its declared disk_format, while it streams.

Why: a hypervisor that opens an image as qcow2 (or vmdk, vhd...) follows the
references inside it. A qcow2 whose header names a backing file or an external data
file makes whoever opens it read *another* file of the host (upstream had CVEs here),
and a file declared ``raw`` that is really a qcow2 becomes one as soon as something
probes its format. So the data is inspected before an image can become active:

* the format found in the content must be the declared one (``raw`` must not look
  like any structured disk format; ``iso`` must carry an ISO 9660 volume descriptor
  and nothing else at its start);
* qcow2: version 2 or 3, no backing file, no external data file (feature bit or
  header extension);
* vmdk: a sparse extent (``KDMV``) of type monolithicSparse or streamOptimized with
  one extent in itself; descriptor-only vmdk files (which name other files) are
  refused;
* vhd, vhdx, vdi: not a differencing disk (which names a parent file).

``virtual_size`` is read from the header where the format records it (qcow2, vmdk,
vhd, vhdx, vdi, iso; raw is its own size). ami/ari/aki/ploop content is not
inspected, nor data of container formats other than ``bare`` (the service decides
that).

The inspector keeps the first HEADER_BYTES (VHDX_HEADER_BYTES for vhdx) and the
last TAIL_BYTES of the stream, never the whole data.
"""

from __future__ import annotations

import struct
import uuid

from sovra_common import exception

HEADER_BYTES = 1024 * 1024
# vhdx keeps its metadata region a few MiB into the file (qemu-img: at 3 MiB).
VHDX_HEADER_BYTES = 8 * 1024 * 1024
TAIL_BYTES = 512
SECTOR = 512

# Formats whose content is checked; anything else passes uninspected.
INSPECTED = ("raw", "qcow2", "vmdk", "vhd", "vhdx", "vdi", "iso")

_QCOW2_MAGIC = b"QFI\xfb"
_QCOW2_INCOMPAT_DATA_FILE = 1 << 2
_QCOW2_EXT_DATA_FILE = 0x44415441
_VMDK_SPARSE_MAGIC = b"KDMV"
_VMDK_DESCRIPTOR = b"# Disk DescriptorFile"
_VMDK_ALLOWED_TYPES = ("monolithicSparse", "streamOptimized")
_VHD_COOKIE = b"conectix"
_VHD_DIFFERENCING = 4
_VHDX_SIGNATURE = b"vhdxfile"
_VHDX_REGION_TABLE = 0x30000
_VHDX_METADATA_REGION = uuid.UUID("8b7ca206-4790-4b9a-b8fe-575f050f886e")
_VHDX_FILE_PARAMETERS = uuid.UUID("caa16737-fa36-4d43-b3b6-33f0aa44e76b")
_VHDX_VIRTUAL_DISK_SIZE = uuid.UUID("2fa54224-cd1b-4876-b211-5dbed83bf4b8")
_VHDX_PARENT_LOCATOR = uuid.UUID("a8d35f2d-b30b-454d-abf7-d3d84834ab0c")
_VHDX_HAS_PARENT = 1 << 1
_VDI_SIGNATURE = 0xBEDA107F
_VDI_DIFFERENCING = 4
_QED_MAGIC = b"QED\x00"
_LUKS_MAGIC = b"LUKS\xba\xbe"
_ISO_DESCRIPTOR = 0x8000
_ISO_MAGIC = b"CD001"


class ImageFormatError(exception.Invalid):
    """The data is not what its disk_format says, or is unsafe to serve."""

    message = "Image data is not a valid %(disk_format)s image: %(reason)s."


def detect(header: bytes) -> str | None:
    """The structured disk format whose signature starts ``header``, if any.

    Order matters: a file that is both a qcow2 and an ISO (a polyglot) is a qcow2.
    """
    if header.startswith(_QCOW2_MAGIC):
        return "qcow2"
    if header.startswith(_VMDK_SPARSE_MAGIC) or header.startswith(_VMDK_DESCRIPTOR):
        return "vmdk"
    if header.startswith(_VHDX_SIGNATURE):
        return "vhdx"
    if header.startswith(_VHD_COOKIE):
        return "vhd"
    if len(header) >= 0x44 and struct.unpack_from("<I", header, 0x40)[0] == _VDI_SIGNATURE:
        return "vdi"
    if header.startswith(_QED_MAGIC):
        return "qed"
    if header.startswith(_LUKS_MAGIC):
        return "luks"
    if header[_ISO_DESCRIPTOR + 1:_ISO_DESCRIPTOR + 6] == _ISO_MAGIC:
        return "iso"
    return None


class Inspector:
    """Feed it the data as it streams; ``finish()`` raises ImageFormatError or returns
    the virtual size (None when unknown)."""

    def __init__(self, disk_format: str):
        self.disk_format = disk_format
        self._header = bytearray()
        self._tail = b""
        self._size = 0
        self._detected: str | None = None
        self._header_checked = False
        self._header_limit = VHDX_HEADER_BYTES if disk_format == "vhdx" else HEADER_BYTES

    @property
    def size(self) -> int:
        return self._size

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk; raises ImageFormatError as soon as the header shows
        the data is refused."""
        self._size += len(chunk)
        missing = self._header_limit - len(self._header)
        if missing > 0:
            self._header += chunk[:missing]
        # bytes() copies: the caller may reuse the chunk's buffer.
        self._tail = (self._tail + chunk)[-TAIL_BYTES:] if len(chunk) < TAIL_BYTES \
            else bytes(chunk[-TAIL_BYTES:])
        if not self._header_checked and len(self._header) >= self._header_limit:
            self._check_header()

    def finish(self) -> int | None:
        if not self._header_checked:
            self._check_header()
        if self.disk_format not in INSPECTED:
            return None
        if self._detected is None:
            footer = self._tail[-SECTOR:] if len(self._tail) >= SECTOR else b""
            if footer.startswith(_VHD_COOKIE):
                self._detected = "vhd"
                self._match()
                return self._vhd(footer)
            if self.disk_format == "vhd":
                self._refuse("no VHD footer found")
            return self._size
        return self._virtual_size()

    # -- the checks -------------------------------------------------------------

    def _refuse(self, reason: str):
        raise ImageFormatError(disk_format=self.disk_format, reason=reason)

    def _check_header(self) -> None:
        self._header_checked = True
        if self.disk_format not in INSPECTED:
            return
        self._detected = detect(bytes(self._header))
        if self._detected is None:
            if self.disk_format not in ("raw", "vhd"):  # vhd: the footer may be at the end
                self._refuse(f"no {self.disk_format} header found")
            return
        self._match()
        self._virtual_size()  # parses, so unsafe content is refused early

    def _match(self) -> None:
        detected, declared = self._detected, self.disk_format
        if declared == "raw":
            if detected != "iso":  # an ISO 9660 image is raw data with a filesystem
                self._refuse(f"the data is a {detected} image")
        elif detected != declared:
            self._refuse(f"the data is a {detected} image")

    def _virtual_size(self) -> int | None:
        header = bytes(self._header)
        parse = {"qcow2": self._qcow2, "vmdk": self._vmdk, "vhd": self._vhd,
                 "vhdx": self._vhdx, "vdi": self._vdi, "iso": self._iso
                 }.get(self._detected)
        if self._detected == "iso" and self.disk_format == "raw":
            return self._size
        if parse is None:
            return None
        return parse(header)

    def _need(self, header: bytes, length: int, what: str) -> None:
        if len(header) < length:
            self._refuse(f"truncated {what}")

    def _qcow2(self, header: bytes) -> int:
        self._need(header, 72, "qcow2 header")
        (version, backing_offset, backing_size, cluster_bits,
         virtual_size) = struct.unpack_from(">IQIIQ", header, 4)
        if version not in (2, 3):
            self._refuse(f"unsupported qcow2 version {version}")
        if not 9 <= cluster_bits <= 21:
            self._refuse(f"invalid qcow2 cluster size 2^{cluster_bits}")
        if backing_offset or backing_size:
            self._refuse("a qcow2 image with a backing file is not allowed")
        if version == 2:
            return virtual_size
        self._need(header, 104, "qcow2 v3 header")
        incompatible, = struct.unpack_from(">Q", header, 72)
        header_length, = struct.unpack_from(">I", header, 100)
        if incompatible & _QCOW2_INCOMPAT_DATA_FILE:
            self._refuse("a qcow2 image with an external data file is not allowed")
        cluster_end = min(1 << cluster_bits, len(header))
        offset = header_length
        while offset + 8 <= cluster_end:
            ext_type, ext_length = struct.unpack_from(">II", header, offset)
            if ext_type == 0:
                break
            if ext_type == _QCOW2_EXT_DATA_FILE:
                self._refuse("a qcow2 image with an external data file is not allowed")
            offset += 8 + (ext_length + 7) // 8 * 8
        return virtual_size

    def _vmdk(self, header: bytes) -> int:
        if header.startswith(_VMDK_DESCRIPTOR):
            self._refuse("a descriptor-only vmdk refers to other files")
        self._need(header, 44, "vmdk header")
        capacity, _grain, desc_offset, desc_size = struct.unpack_from("<QQQQ", header, 12)
        if not desc_offset or not desc_size:
            self._refuse("vmdk without an embedded descriptor")
        start, end = desc_offset * SECTOR, (desc_offset + desc_size) * SECTOR
        if end > HEADER_BYTES:
            self._refuse("vmdk descriptor too far into the file")
        self._need(header, min(end, self._size), "vmdk descriptor")
        descriptor = header[start:end].split(b"\x00", 1)[0].decode("latin-1")
        create_type, extents = None, []
        for line in descriptor.splitlines():
            line = line.strip()
            if line.startswith("createType"):
                create_type = line.partition("=")[2].strip().strip('"')
            elif line.startswith(("RW ", "RDONLY ", "NOACCESS ")):
                extents.append(line.split())
        if create_type not in _VMDK_ALLOWED_TYPES:
            self._refuse(f"vmdk createType {create_type!r} is not allowed "
                         f"(only {', '.join(_VMDK_ALLOWED_TYPES)})")
        if len(extents) != 1 or len(extents[0]) < 3 or extents[0][2] != "SPARSE":
            self._refuse("a vmdk must have exactly one sparse extent, in itself")
        return capacity * SECTOR

    def _vhd(self, footer: bytes) -> int:
        self._need(footer, 64, "vhd footer")
        current_size, = struct.unpack_from(">Q", footer, 48)
        disk_type, = struct.unpack_from(">I", footer, 60)
        if disk_type == _VHD_DIFFERENCING:
            self._refuse("a differencing vhd refers to a parent disk")
        return current_size

    def _vhdx(self, header: bytes) -> int:
        table = _VHDX_REGION_TABLE
        self._need(header, table + 16, "vhdx region table")
        if header[table:table + 4] != b"regi":
            self._refuse("no vhdx region table")
        count, = struct.unpack_from("<I", header, table + 8)
        region = None
        for i in range(min(count, 2047)):
            entry = table + 16 + 32 * i
            self._need(header, entry + 32, "vhdx region table")
            if uuid.UUID(bytes_le=header[entry:entry + 16]) == _VHDX_METADATA_REGION:
                region, = struct.unpack_from("<Q", header, entry + 16)
        if region is None:
            self._refuse("no vhdx metadata region")
        if region + 32 > len(header):
            self._refuse("vhdx metadata beyond the inspected header")
        if header[region:region + 8] != b"metadata":
            self._refuse("invalid vhdx metadata table")
        entries, = struct.unpack_from("<H", header, region + 10)
        items = {}
        for i in range(min(entries, 2047)):
            entry = region + 32 + 32 * i
            self._need(header, entry + 32, "vhdx metadata table")
            item = uuid.UUID(bytes_le=header[entry:entry + 16])
            items[item] = region + struct.unpack_from("<I", header, entry + 16)[0]
        if _VHDX_PARENT_LOCATOR in items:
            self._refuse("a differencing vhdx refers to a parent disk")
        for needed in (_VHDX_FILE_PARAMETERS, _VHDX_VIRTUAL_DISK_SIZE):
            if needed not in items:
                self._refuse("incomplete vhdx metadata")
            self._need(header, items[needed] + 8, "vhdx metadata")
        flags, = struct.unpack_from("<I", header, items[_VHDX_FILE_PARAMETERS] + 4)
        if flags & _VHDX_HAS_PARENT:
            self._refuse("a differencing vhdx refers to a parent disk")
        virtual_size, = struct.unpack_from("<Q", header, items[_VHDX_VIRTUAL_DISK_SIZE])
        return virtual_size

    def _vdi(self, header: bytes) -> int:
        self._need(header, 0x178, "vdi header")
        image_type, = struct.unpack_from("<I", header, 0x4C)
        if image_type == _VDI_DIFFERENCING:
            self._refuse("a differencing vdi refers to a parent disk")
        disk_size, = struct.unpack_from("<Q", header, 0x170)
        return disk_size

    def _iso(self, header: bytes) -> int:
        self._need(header, _ISO_DESCRIPTOR + 130, "iso volume descriptor")
        blocks, = struct.unpack_from("<I", header, _ISO_DESCRIPTOR + 80)
        block_size, = struct.unpack_from("<H", header, _ISO_DESCRIPTOR + 128)
        return blocks * block_size

"""qemu-img, as the file-based drivers use it: always with an explicit format (never
probed: a raw volume a guest wrote a qcow2 header into must stay raw), failures
raised as BackendError with qemu-img's own message."""

import json
import os
import shutil
import struct
import subprocess

from sovra_block.drivers.base import BackendError

QCOW2_MAGIC = b"QFI\xfb"
#: Image formats accepted as a source of copy_image_to_volume (qemu-img names).
SOURCE_FORMATS = {"raw", "qcow2", "vmdk", "vdi", "vhdx", "vpc", "qed"}
#: Formats a volume or an uploaded image may be written in.
TARGET_FORMATS = {"raw", "qcow2", "vmdk", "vdi", "vhdx", "vpc"}
# Glance disk_format names that qemu-img spells otherwise.
_ALIASES = {"vhd": "vpc", "img": "raw", "iso": "raw", "ami": "raw"}
# What qemu-img info may use on an untrusted image (a crafted header can make it
# allocate or compute without bound): 1 GiB of address space, 30 s of CPU.
INFO_LIMITS = ("--as=1073741824", "--cpu=30")


def qemu_format(disk_format: str) -> str:
    """The qemu-img name of an Image API ``disk_format``."""
    return _ALIASES.get(disk_format, disk_format)


class QemuImg:
    """One qemu-img program (path from ``[<backend>] qemu_img_path``)."""

    def __init__(self, program: str = "qemu-img", timeout: float | None = None):
        self.program = program
        self.timeout = timeout

    def run(self, *args: str, limits: tuple[str, ...] = ()) -> str:
        """Run qemu-img with ``args``; ``limits``: prlimit(1) options, applied if
        prlimit is installed."""
        command = [self.program, *args]
        prlimit = shutil.which("prlimit") if limits else None
        if prlimit:
            command = [prlimit, *limits, "--", *command]
        try:
            done = subprocess.run(command, capture_output=True,
                                  text=True, timeout=self.timeout, check=False)
        except FileNotFoundError as exc:
            raise BackendError(f"{self.program} is not installed") from exc
        except subprocess.TimeoutExpired as exc:
            raise BackendError(f"qemu-img {args[0]} timed out") from exc
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip() or f"exit {done.returncode}"
            raise BackendError(f"qemu-img {args[0]} failed: {detail}")
        return done.stdout

    def version(self) -> str:
        return self.run("--version").splitlines()[0]

    def info(self, path: str, fmt: str, *, shared: bool = False,
             limited: bool = False) -> dict:
        """qemu-img info as a dict (virtual-size, format, backing-filename...);
        ``limited`` for an untrusted file (INFO_LIMITS)."""
        args = ["info", "--output=json", "-f", fmt]
        if shared:
            args.append("-U")
        out = self.run(*args, path, limits=INFO_LIMITS if limited else ())
        try:
            return json.loads(out)
        except ValueError as exc:
            raise BackendError(f"qemu-img info gave no JSON for {path}") from exc

    def create(self, path: str, fmt: str, size_bytes: int) -> None:
        self.run("create", "-q", "-f", fmt, path, str(size_bytes))

    def convert(self, src: str, src_fmt: str, dest: str, dest_fmt: str, *,
                shared: bool = False) -> None:
        """Copy ``src`` to a new ``dest``, keeping zeros sparse (-S 4k); ``shared``
        reads a source another process holds open for writing (-U)."""
        args = ["convert", "-q", "-f", src_fmt, "-O", dest_fmt, "-S", "4k"]
        if shared:
            args.append("-U")
        self.run(*args, src, dest)

    def resize(self, path: str, fmt: str, size_bytes: int) -> None:
        self.run("resize", "-q", "-f", fmt, path, str(size_bytes))


def virtual_size(path: str, fmt: str) -> int:
    """The guest-visible size of a volume file in bytes, without running qemu-img
    (raw: the file's length; qcow2: the header's size field)."""
    if fmt == "raw":
        return os.stat(path).st_size
    with open(path, "rb") as f:
        header = f.read(32)
    if len(header) < 32 or header[:4] != QCOW2_MAGIC:
        raise BackendError(f"{path} is not a qcow2 file")
    return struct.unpack(">Q", header[24:32])[0]

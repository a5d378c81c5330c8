"""The test guest image (devstack/tools/build-test-image.sh), booted for real.

The image is built once per session (the builder caches it, so reruns take well
under a second) and booted with plain QEMU under TCG from a qcow2 overlay, never from
the built file itself: once from its disk alone with a user-mode NIC (DHCP), and
with an OpenStack config drive made here with genisoimage, the way the libvirt
driver makes them, attached as an IDE cdrom and as a virtio disk. Every boot must
reach `ready` within 60 s, and a QEMU `system_powerdown` must make the guest power
off (QEMU exits) within 15 s.
"""

import contextlib
import json
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[3]
BUILDER = TOP / "devstack" / "tools" / "build-test-image.sh"
PREFIX = "sovra-test-image: "
READY_TIMEOUT = 60
POWEROFF_TIMEOUT = 15
# terminal control sequences the firmware and the shell write to the serial port
_ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[c()][0-9A-Za-z]?)")

UUID = "0b4f1d4e-8f5c-4d0e-9a57-3c2f0f2d9b11"
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTheTestGuest sovra@test"
USER_DATA = ('#!/bin/sh\necho "hello from user data"\n'
             "  indented line with $dollar, \\backslash and 'quotes'\n"
             "last line, no newline after it")


@pytest.fixture(scope="session")
def test_image(tmp_path_factory) -> Path:
    image = tmp_path_factory.mktemp("guest-image") / "sovra-test-image.qcow2"
    result = subprocess.run(["bash", str(BUILDER), str(image)], capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, f"{BUILDER} failed:\n{result.stdout}\n{result.stderr}"
    return image


def _qemu_img_info(path: Path) -> dict:
    out = subprocess.run(["qemu-img", "info", "--output=json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


class Guest:
    """One QEMU process on an overlay of the image, its console in a file."""

    def __init__(self, image: Path, workdir: Path, extra_args=(), disk_size=None):
        self.workdir = workdir
        self.overlay = workdir / "overlay.qcow2"
        self.console = workdir / "console.log"
        self.monitor = workdir / "monitor.sock"
        create = ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
                  "-b", str(image.resolve()), str(self.overlay)]
        if disk_size:
            create.append(str(disk_size))
        subprocess.run(create, check=True)
        self.args = [
            "qemu-system-x86_64", "-machine", "pc", "-accel", "tcg", "-m", "256",
            "-nographic", "-serial", f"file:{self.console}",
            "-monitor", f"unix:{self.monitor},server,nowait",
            "-drive", f"file={self.overlay},if=virtio,format=qcow2",
            *extra_args]
        self.proc = None
        self.started = None

    def __enter__(self):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc.stdout.close()

    def text(self) -> str:
        try:
            raw = self.console.read_bytes()
        except FileNotFoundError:
            return ""
        return _ESCAPES.sub("", raw.decode("utf-8", "replace")).replace("\r", "")

    def lines(self) -> list[str]:
        return self.text().split("\n")

    def _qemu_output(self) -> str:
        if self.proc.poll() is None:
            return "(QEMU still running)"
        return self.proc.stdout.read().decode("utf-8", "replace")

    def wait_for(self, line: str, timeout: float) -> float:
        """Wait until `line` is a whole console line; return the seconds since start."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if line in self.lines():
                return time.monotonic() - self.started
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"no {line!r} on the console within {timeout} s; QEMU: "
                    f"{self._qemu_output()}\nconsole:\n{self.text()}", pytrace=False)

    def powerdown(self) -> float:
        """ACPI power button through the QEMU monitor; seconds until QEMU exits."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.monitor))
            _read_until(sock, b"(qemu) ")  # the monitor's banner and prompt
            sock.sendall(b"system_powerdown\n")
            sent = time.monotonic()
            # Stay connected until the monitor has run the command and prompts again:
            # QEMU drops what it has not read yet from a client that hangs up.
            _read_until(sock, b"\n(qemu) ")
        try:
            self.proc.wait(POWEROFF_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {POWEROFF_TIMEOUT} s after system_powerdown;"
                        f" console:\n{self.text()}", pytrace=False)
        return time.monotonic() - sent


def _read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _assert_in_order(lines: list[str], expected: list[str]):
    at = -1
    for line in expected:
        assert line in lines[at + 1:], f"{line!r} missing (or out of order) in {lines}"
        at = lines.index(line, at + 1)


def _config_drive(workdir: Path) -> Path:
    """An OpenStack config drive, made the way the libvirt driver makes it."""
    root = workdir / "config-drive"
    latest = root / "openstack" / "latest"
    latest.mkdir(parents=True)
    (latest / "meta_data.json").write_text(json.dumps({
        "uuid": UUID, "name": "guest-one", "hostname": "guest-one.novalocal",
        "public_keys": {"mykey": PUBLIC_KEY},
        "keys": [{"name": "mykey", "type": "ssh", "data": PUBLIC_KEY}],
        "launch_index": 0, "availability_zone": "nova", "project_id": "p1",
        "meta": {"uuid": "not-the-instance", "hostname": "not-the-host"},
        "devices": []}))
    (latest / "user_data").write_text(USER_DATA)
    (latest / "network_data.json").write_text(
        json.dumps({"links": [], "networks": [], "services": []}))
    iso = workdir / "config-drive.iso"
    subprocess.run(["genisoimage", "-quiet", "-o", str(iso), "-V", "config-2", "-r", "-J",
                    str(root)], check=True)
    return iso


def test_boots_from_its_disk_with_dhcp(test_image, tmp_path):
    info = _qemu_img_info(test_image)
    assert info["format"] == "qcow2"
    assert test_image.stat().st_size < 40 * 1024 * 1024
    size = info["virtual-size"] + 32 * 1024 * 1024  # a resized root disk
    with Guest(test_image, tmp_path, ["-nic", "user,model=virtio-net-pci"],
               disk_size=size) as guest:
        seconds = guest.wait_for(PREFIX + "ready", READY_TIMEOUT)
        print(f"boot to ready: {seconds:.1f} s")
        text = guest.text()
        # the BIOS booted the disk: SeaBIOS -> MBR -> SYSLINUX -> kernel
        assert "Booting from Hard Disk" in text and "SYSLINUX" in text, text
        _assert_in_order(guest.lines(), [
            PREFIX + "booted",
            PREFIX + "no-config-drive",
            PREFIX + f"disk vda size={size}",
            PREFIX + "eth0 address=10.0.2.15/24",  # QEMU's user-mode DHCP server
            PREFIX + "ready",
        ])
        guest.powerdown()


@pytest.mark.parametrize("attach", ["ide-cdrom", "virtio-disk"])
def test_config_drive_and_powerdown(test_image, tmp_path, attach):
    iso = _config_drive(tmp_path)
    if attach == "ide-cdrom":
        # libvirt's <disk device='cdrom'> on bus ide (machine pc): /dev/sr0
        args = ["-drive", f"file={iso},if=ide,index=2,media=cdrom,format=raw,readonly=on"]
        # and no NIC at all
        net = [PREFIX + "no-nic"]
    else:
        # libvirt's <disk device='disk'> on bus virtio: /dev/vdb; a NIC on a hub with
        # no DHCP server: the guest gives up after ~10 s
        args = ["-drive", f"file={iso},if=virtio,format=raw,readonly=on",
                "-netdev", "hubport,id=net0,hubid=0",
                "-device", "virtio-net-pci,netdev=net0"]
        net = [PREFIX + "eth0 no-lease"]
    with Guest(test_image, tmp_path, ["-nic", "none", *args]) as guest:
        seconds = guest.wait_for(PREFIX + "ready", READY_TIMEOUT)
        print(f"boot to ready ({attach}): {seconds:.1f} s")
        lines = guest.lines()
        _assert_in_order(lines, [
            PREFIX + "booted",
            PREFIX + f"instance-uuid={UUID}",
            PREFIX + "hostname=guest-one.novalocal",
            PREFIX + "public-keys=1",
            PREFIX + "user-data-begin",
            *USER_DATA.split("\n"),
            PREFIX + "user-data-end",
            *net,
            PREFIX + "ready",
        ])
        begin = lines.index(PREFIX + "user-data-begin")
        end = lines.index(PREFIX + "user-data-end")
        assert lines[begin + 1:end] == USER_DATA.split("\n")  # verbatim
        assert PREFIX + "no-config-drive" not in lines

        seconds = guest.powerdown()
        print(f"system_powerdown to exit: {seconds:.1f} s")
        assert PREFIX + "powering off" in guest.lines()

"""The test guest image (devstack/tools/build-test-image.sh), booted for real.

The image is built once per session (the builder caches it, so reruns take well
under a second) and booted with plain QEMU under TCG from a qcow2 overlay, never from
the built file itself: once from its disk alone with a user-mode NIC (DHCP), and
with an OpenStack config drive made here with genisoimage, the way the libvirt
driver makes them, attached as an IDE cdrom and as a virtio disk; the boot without
a config drive gets its metadata from a metadata service at 169.254.169.254 (QEMU's
user-mode network placed on 169.254.169.0/24, port 80 of that address forwarded to
a small responder this test writes). Every boot must reach `ready` within 60 s, and
a QEMU `system_powerdown` must make the guest power off (QEMU exits) within 15 s.
User data that starts with "#!" runs as a script after `ready`, its output framed.
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
# As a script (it starts with "#!"), USER_DATA echoes; its third line fails on
# stderr ("indented" is no command); its last runs busybox's `last` with arguments
# it refuses (status 1).
USER_SCRIPT_OUTPUT = ["hello from user data",
                      "/run/user-script: line 3: indented: not found"]
USER_SCRIPT_RC = 1
# The metadata service's user data: pings QEMU's user-mode gateway, reads the
# metadata service itself, ends without a newline and exits 3.
SERVICE_UUID = "5d0c7c2e-2a52-4d4c-bd53-7e3b3d3e8a01"
SERVICE_SCRIPT = ("#!/bin/sh\n"
                  'echo "script on $(hostname)"\n'
                  "ping -c 1 -W 5 169.254.169.2 >/dev/null && echo ping-gateway-ok\n"
                  "wget -q -O - http://169.254.169.254/openstack/latest/meta_data.json"
                  " | grep -c " + SERVICE_UUID + "\n"
                  "printf 'no newline at the end'\n"
                  "exit 3\n")
# Serves one HTTP request on stdin/stdout (QEMU runs it per guest connection):
# the file under DOCROOT, or a 404; logs each path to LOG.
RESPONDER = """\
import os, sys
docroot, log = sys.argv[1], sys.argv[2]
request = sys.stdin.buffer.readline().decode("latin-1").split()
while sys.stdin.buffer.readline() not in (b"\\r\\n", b"\\n", b""):
    pass
path = request[1] if len(request) > 1 else "/"
with open(log, "a") as f:
    f.write(path + "\\n")
file = os.path.join(docroot, path.lstrip("/"))
if ".." not in path and os.path.isfile(file):
    body, status = open(file, "rb").read(), "200 OK"
else:
    body, status = b"not found", "404 Not Found"
sys.stdout.buffer.write(b"HTTP/1.0 " + status.encode() + b"\\r\\nContent-Length: "
                        + str(len(body)).encode() + b"\\r\\n\\r\\n" + body)
sys.stdout.flush()
"""


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


def _metadata_service(workdir: Path) -> tuple[str, Path]:
    """A `-nic` user-mode network on 169.254.169.0/24 whose 169.254.169.254:80 is a
    metadata service (meta_data.json and a user data script); and its request log."""
    latest = workdir / "metadata" / "openstack" / "latest"
    latest.mkdir(parents=True)
    (latest / "meta_data.json").write_text(json.dumps({
        "uuid": SERVICE_UUID, "name": "guest-two", "hostname": "guest-two.novalocal",
        "public_keys": {"k1": PUBLIC_KEY, "k2": PUBLIC_KEY},
        "launch_index": 0, "availability_zone": "nova", "project_id": "p1"}))
    (latest / "user_data").write_text(SERVICE_SCRIPT)
    responder = workdir / "responder.py"
    responder.write_text(RESPONDER)
    log = workdir / "metadata-requests.log"
    nic = ("user,model=virtio-net-pci,net=169.254.169.0/24,guestfwd=tcp:169.254.169.254"
           f":80-cmd:python3 {responder} {workdir / 'metadata'} {log}")
    return nic, log


def test_boots_from_its_disk_with_dhcp_and_metadata_service(test_image, tmp_path):
    info = _qemu_img_info(test_image)
    assert info["format"] == "qcow2"
    assert test_image.stat().st_size < 40 * 1024 * 1024
    size = info["virtual-size"] + 32 * 1024 * 1024  # a resized root disk
    nic, requests_log = _metadata_service(tmp_path)
    with Guest(test_image, tmp_path, ["-nic", nic], disk_size=size) as guest:
        seconds = guest.wait_for(PREFIX + "ready", READY_TIMEOUT)
        print(f"boot to ready: {seconds:.1f} s")
        text = guest.text()
        # the BIOS booted the disk: SeaBIOS -> MBR -> SYSLINUX -> kernel
        assert "Booting from Hard Disk" in text and "SYSLINUX" in text, text
        guest.wait_for(PREFIX + "user-script-end rc=3", 20)
        lines = guest.lines()
        _assert_in_order(lines, [
            PREFIX + "booted",
            PREFIX + "no-config-drive",
            PREFIX + f"disk vda size={size}",
            PREFIX + "eth0 address=169.254.169.15/24",  # QEMU's user-mode DHCP server
            PREFIX + "metadata-source=metadata-service",
            PREFIX + f"instance-uuid={SERVICE_UUID}",
            PREFIX + "hostname=guest-two.novalocal",
            PREFIX + "public-keys=2",
            PREFIX + "user-data-begin",
            *SERVICE_SCRIPT.rstrip("\n").split("\n"),
            PREFIX + "user-data-end",
            PREFIX + "ready",
            PREFIX + "user-script-begin",
            "script on guest-two",  # the hostname came from the metadata
            "ping-gateway-ok",      # busybox ping
            "1",                    # busybox wget, the metadata service again
            "no newline at the end",
            PREFIX + "user-script-end rc=3",
        ])
        assert PREFIX + "metadata-source=config-drive" not in lines
        begin = lines.index(PREFIX + "user-script-begin")
        end = lines.index(PREFIX + "user-script-end rc=3")
        assert lines[begin + 1:end] == ["script on guest-two", "ping-gateway-ok", "1",
                                        "no newline at the end"]
        assert requests_log.read_text().split() == [
            "/openstack/latest/meta_data.json", "/openstack/latest/user_data",
            "/openstack/latest/meta_data.json"]
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
            PREFIX + "metadata-source=config-drive",
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
        assert PREFIX + "metadata-source=metadata-service" not in lines
        # the user data is a script: it runs after ready, its output framed
        guest.wait_for(PREFIX + f"user-script-end rc={USER_SCRIPT_RC}", 15)
        _assert_in_order(guest.lines(), [
            PREFIX + "ready",
            PREFIX + "user-script-begin",
            *USER_SCRIPT_OUTPUT,
            PREFIX + f"user-script-end rc={USER_SCRIPT_RC}",
        ])

        seconds = guest.powerdown()
        print(f"system_powerdown to exit: {seconds:.1f} s")
        assert PREFIX + "powering off" in guest.lines()

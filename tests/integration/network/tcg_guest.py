"""Real guests for the network lab (network_lab.Lab): the test image
(devstack/tools/build-test-image.sh) under QEMU TCG, started inside a node's
namespace with its NIC a tap named as compute names it (``tap<port id[:11]>``,
the port's MAC, virtio), so the node's network agent plugs it like a server's.

The serial console is a unix socket (the guest's root shell, which starts once
the boot is over) logged to a file: ``lines()`` reads what the guest printed,
``sh(command)`` runs a shell command on it and returns (exit status, output).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

PREFIX = "sovra-test-image: "
TOP = Path(__file__).resolve().parents[3]
BUILDER = TOP / "devstack" / "tools" / "build-test-image.sh"
# terminal control sequences the firmware and the shell write to the serial port
_ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[c()][0-9A-Za-z]?)")


def build_image(path: Path) -> Path:
    """The test image at ``path`` (cached by the builder: fast after the first)."""
    done = subprocess.run(["bash", str(BUILDER), str(path)], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return path


class TcgGuest:
    def __init__(self, image: Path, workdir: Path, name: str, namespace: str,
                 port: dict, memory_mib: int = 192):
        self.name, self.namespace, self.port = name, namespace, port
        self.workdir = workdir / name
        self.workdir.mkdir(parents=True)
        self.tap = "tap" + port["id"][:11]
        self.overlay = self.workdir / "overlay.qcow2"
        self.console = self.workdir / "console.log"
        self.socket_path = self.workdir / "console.sock"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                        str(image.resolve()), str(self.overlay)], check=True)
        self.args = [
            "ip", "netns", "exec", namespace,  # execs QEMU: the pid is QEMU's
            "qemu-system-x86_64", "-machine", "pc", "-accel", "tcg",
            "-m", str(memory_mib), "-nographic", "-nodefaults", "-no-user-config",
            "-chardev", f"socket,id=con,path={self.socket_path},server=on,wait=off,"
                        f"logfile={self.console}",
            "-serial", "chardev:con", "-monitor", "none",
            "-drive", f"file={self.overlay},if=virtio,format=qcow2",
            "-netdev", f"tap,id=n0,ifname={self.tap},script=no,downscript=no",
            "-device", f"virtio-net-pci,netdev=n0,mac={port['mac_address']}"]
        self.proc = None
        self.started = None
        self._sock = None

    def start(self) -> TcgGuest:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return self

    def stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)
            self.proc.stdout.close()

    # --- the console -----------------------------------------------------------------
    def text(self) -> str:
        try:
            raw = self.console.read_bytes()
        except FileNotFoundError:
            return ""
        return _ESCAPES.sub("", raw.decode("utf-8", "replace")).replace("\r", "")

    def lines(self) -> list[str]:
        return self.text().split("\n")

    def value(self, key: str) -> str | None:
        """The last ``sovra-test-image: <key>=<value>`` line's value."""
        found = None
        for line in self.lines():
            if line.startswith(PREFIX + key + "="):
                found = line[len(PREFIX) + len(key) + 1:]
        return found

    def wait_for(self, line: str, timeout: float) -> float:
        """Seconds from start until ``line`` is a whole console line."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if line in self.lines():
                return time.monotonic() - self.started
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name}: QEMU exited: "
                                     f"{self.proc.stdout.read().decode(errors='replace')}")
            time.sleep(0.1)
        raise AssertionError(f"{self.name}: no {line!r} within {timeout} s; console:\n"
                             f"{self.text()[-3000:]}")

    def sh(self, command: str, timeout: float = 30.0) -> tuple[int, list[str]]:
        """Run ``command`` in the console's shell: (exit status, output lines)."""
        if self._sock is None:
            self._sock = socket.socket(socket.AF_UNIX)
            self._sock.connect(str(self.socket_path))
            self._sock.setblocking(False)
        token = f"cmd{secrets.token_hex(4)}"
        # the markers are printed, not typed: the shell's echo of this line never
        # matches them whole
        self._sock.sendall(f"echo {token}-begin; {command}; echo {token}-end rc=$?\n"
                           .encode())
        end = re.compile(rf"^{token}-end rc=(\d+)$")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._drain()
            lines = self.lines()
            for i, line in enumerate(lines):
                match = end.match(line)
                if match:
                    begin = lines.index(f"{token}-begin")
                    return int(match.group(1)), lines[begin + 1:i]
            time.sleep(0.1)
        raise AssertionError(f"{self.name}: {command!r} did not end within {timeout} s;"
                             f" console:\n{self.text()[-2000:]}")

    def _drain(self) -> None:
        """Read what the console sent us (the log file has it): a full socket
        would stall the guest's serial port."""
        with contextlib.suppress(BlockingIOError):
            while self._sock.recv(65536):
                pass

    def ping(self, address: str, count: int = 1, wait: int = 1) -> bool:
        rc, _ = self.sh(f"ping -c {count} -W {wait} {address} >/dev/null 2>&1",
                        timeout=count * wait + 20)
        return rc == 0

    def ping_eventually(self, address: str, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping(address):
                return True
        return False

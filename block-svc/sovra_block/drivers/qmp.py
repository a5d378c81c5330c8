"""A small QMP client for the daemons the drivers run (qemu-storage-daemon): one
connection per command, commands serialised (a QMP socket chardev takes one client
at a time), errors raised as BackendError with QEMU's own description."""

from __future__ import annotations

import json
import socket
import threading

from sovra_block.drivers.base import BackendError


class QMPError(BackendError):
    """QEMU answered a command with an error; ``error_class`` is its class."""

    @property
    def error_class(self) -> str:
        return str(self.kwargs.get("error_class", ""))


class QMPClient:
    def __init__(self, path: str, timeout: float = 30.0):
        self.path = path
        self.timeout = timeout
        self._lock = threading.Lock()

    def execute(self, command: str, **arguments):
        """Run ``command``; its ``return`` value. Events on the way are skipped."""
        with self._lock:
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(self.timeout)
                    sock.connect(self.path)
                    stream = sock.makefile("rw", encoding="utf-8", newline="\n")
                    greeting = self._read(stream)
                    if "QMP" not in greeting:
                        raise BackendError(f"{self.path} does not speak QMP")
                    self._run(stream, "qmp_capabilities", {})
                    return self._run(stream, command, arguments)
            except OSError as exc:
                raise BackendError(f"QMP socket {self.path}: {exc}") from exc

    @staticmethod
    def _read(stream) -> dict:
        line = stream.readline()
        if not line:
            raise BackendError("the QMP peer closed the connection")
        return json.loads(line)

    def _run(self, stream, command, arguments):
        stream.write(json.dumps({"execute": command, "arguments": arguments}) + "\n")
        stream.flush()
        while True:
            message = self._read(stream)
            if "event" in message:
                continue
            if "error" in message:
                error = message["error"]
                raise QMPError(reason=f"{command}: {error.get('desc', error)}",
                               error_class=error.get("class", ""))
            return message.get("return")

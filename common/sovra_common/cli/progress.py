"""Live progress for long operations: a byte counter around an upload and a poller
for ``--wait``. Both draw one line that rewrites itself, on a terminal only."""

from __future__ import annotations

import os
import time


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


class ProgressReader:
    """A file wrapper that reports the bytes read so far to ``stream`` (when it is a
    terminal): ``Uploading disk.qcow2: 12.0 MiB / 40.0 MiB (30%) 5.8 MiB/s``.

    Iterating yields chunks, so it can be the body of a streamed PUT."""

    def __init__(self, fileobj, stream, label: str, total: int | None = None,
                 chunk_size: int = 1024 * 1024, interval: float = 0.2, clock=time.monotonic):
        self._file = fileobj
        self._stream = stream
        self._label = label
        self.total = total if total is not None else _size_of(fileobj)
        self.done = 0
        self._chunk = chunk_size
        self._interval = interval
        self._clock = clock
        self._start = clock()
        self._last = 0.0
        self._live = bool(getattr(stream, "isatty", lambda: False)())

    def __iter__(self):
        while True:
            data = self._file.read(self._chunk)
            if not data:
                self.finish()
                return
            self.done += len(data)
            self._draw()
            yield data

    def line(self) -> str:
        elapsed = max(self._clock() - self._start, 1e-6)
        text = f"{self._label}: {_human(self.done)}"
        if self.total:
            text += f" / {_human(self.total)} ({100 * self.done // self.total}%)"
        return f"{text} {_human(self.done / elapsed)}/s"

    def _draw(self, force: bool = False) -> None:
        now = self._clock()
        if self._live and (force or now - self._last >= self._interval):
            self._last = now
            self._stream.write("\r\x1b[K" + self.line())
            self._stream.flush()

    def finish(self) -> None:
        if self._live:
            self._draw(force=True)
            self._stream.write("\n")
            self._stream.flush()
            self._live = False


def _size_of(fileobj) -> int | None:
    try:
        return os.fstat(fileobj.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None


class WaitFailed(Exception):
    """The resource reached an error state (the message says why) or time ran out."""


def wait_for(fetch, *, ready: set[str], failed: set[str] = frozenset({"error", "ERROR"}),
             status_key: str = "status", stream=None, label: str = "",
             timeout: float = 600, interval: float = 1.0, fault=None,
             clock=time.monotonic, sleep=time.sleep) -> dict:
    """Poll ``fetch()`` until its ``status_key`` is in ``ready``; draw
    ``label: <status> [<task_state>] 12s`` on a terminal. Raises WaitFailed on a
    ``failed`` status (with ``fault(obj)``'s message when given) or on timeout."""
    start = clock()
    live = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
    while True:
        obj = fetch()
        status = obj.get(status_key)
        if live:
            task = obj.get("OS-EXT-STS:task_state") or obj.get("task_state")
            extra = f" [{task}]" if task else ""
            stream.write(f"\r\x1b[K{label}: {status}{extra} {clock() - start:.0f}s")
            stream.flush()
        if status in ready or status in failed or clock() - start >= timeout:
            if live:
                stream.write("\n")
                stream.flush()
        if status in ready:
            return obj
        if status in failed:
            why = fault(obj) if fault else None
            raise WaitFailed(f"{label or 'resource'} is {status}" + (f": {why}" if why else ""))
        if clock() - start >= timeout:
            raise WaitFailed(f"{label or 'resource'} still {status} after {timeout:.0f}s")
        sleep(interval)

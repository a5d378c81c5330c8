"""Lite mode: what each SQLite file's writers did in a run, from the lock they
take turns on in the cloud's process (``sovra_common.db.engine``'s per-file
write lock): write transactions, and how long the lock was held.

    writers = sqlite_writers.watch({"compute": tmp / "compute.db"})  # before the
    before = sqlite_writers.snapshot(writers)                   # cloud opens them
    ...
    sqlite_writers.report(before, sqlite_writers.snapshot(writers), cycles, elapsed)
"""

import os
import threading
import time

from sovra_common.db import engine as db_engine


class TimedLock:
    """A lock like threading.Lock's (acquire, release), counting its holds and
    their time (written while held, so without a race)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.holds = 0
        self.held = 0.0  # seconds
        self._since = 0.0

    def acquire(self, blocking=True, timeout=-1):
        if not self._lock.acquire(blocking, timeout):
            return False
        self._since = time.perf_counter()
        return True

    def release(self):
        self.held += time.perf_counter() - self._since
        self.holds += 1
        self._lock.release()


def watch(paths: dict) -> dict[str, TimedLock]:
    """{name: path} -> {name: its TimedLock}, put in place of the file's write
    lock; call before anything in the process opens the files."""
    with db_engine._WRITE_LOCKS_GUARD:
        return {name: db_engine._WRITE_LOCKS.setdefault(os.path.realpath(path),
                                                        TimedLock())
                for name, path in paths.items()}


def snapshot(locks: dict[str, TimedLock]) -> dict[str, tuple[int, float]]:
    return {name: (lock.holds, lock.held) for name, lock in locks.items()}


def report(before, after, cycles: int, elapsed: float) -> None:
    """Print each file's write transactions per cycle and lock-held share
    between two snapshots."""
    print("SQLite writers (the per-file write lock of the cloud process): write "
          "transactions per boot+delete cycle, and how much of the run the lock "
          "was held")
    for name, (holds, held) in after.items():
        holds, held = holds - before[name][0], held - before[name][1]
        print(f"  {name:10} {holds / cycles:5.1f} per cycle, held "
              f"{100 * held / elapsed:3.0f}% of the run "
              f"({1000 * held / max(holds, 1):.1f} ms a transaction)")

"""A separate process that uses the etcd coordinator, for test_coordination_etcd.py.

    python3 coordination_worker.py contend URL LOG TAG ROUNDS HOLD GO
        Connect, create GO.TAG, wait for GO to exist; then ROUNDS times: take lock
        "shared", append "start TAG i MONOTONIC" to LOG, hold it HOLD seconds, append
        "end TAG i MONOTONIC", release, pause a little.
    python3 coordination_worker.py hold URL READY GROUP MEMBER TTL
        Register MEMBER in GROUP and take lock "held-by-victim", both with TTL, write
        READY, then sleep until killed.

CLOCK_MONOTONIC is one clock for every process of the host, so the parent can
compare the times.
"""

import os
import sys
import time

from sovra_common.coordination import coordinator_from_url


def _append(path, line):
    # One write() per line, O_APPEND: lines of the two processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def contend(url, log, tag, rounds, hold, go):
    with coordinator_from_url(url, lock_ttl=5) as coord:
        open(f"{go}.{tag}", "w").close()
        deadline = time.monotonic() + 30
        while not os.path.exists(go):
            if time.monotonic() > deadline:
                sys.exit("no go")
            time.sleep(0.01)
        for i in range(int(rounds)):
            with coord.lock("shared", timeout=30):
                _append(log, f"start {tag} {i} {time.monotonic():.6f}")
                time.sleep(float(hold))
                _append(log, f"end {tag} {i} {time.monotonic():.6f}")
            time.sleep(0.02)  # the lock is not fair: let the other one in


def hold(url, ready, group, member, ttl):
    coord = coordinator_from_url(url)
    coord.start()
    coord.heartbeat(group, member, {"pid": os.getpid()}, ttl=int(ttl))
    with coord.lock("held-by-victim", timeout=10, ttl=int(ttl)):
        with open(ready, "w") as f:
            f.write(str(os.getpid()))
        while True:
            time.sleep(60)


if __name__ == "__main__":
    {"contend": contend, "hold": hold}[sys.argv[1]](*sys.argv[2:])

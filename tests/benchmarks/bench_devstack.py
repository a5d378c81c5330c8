"""devstack/stack.sh lite: time to a ready cloud, and the idle all-in-one's memory
(figures, not a test).

    python3 tests/benchmarks/bench_devstack.py [--virt-driver fake|libvirt]
        [--idle SECONDS] [--keep]

Runs stack.sh twice in a temporary data dir on free ports, installing into this
interpreter's virtualenv (SOVRA_VENV: the Python packages are already there, as
the issue's "from a fresh clone with the packages cached" asks): once on the empty
data dir (databases created, keys made, identity bootstrapped, flavors and the test
image seeded), once more on the same data (a restart). Then it lets the cloud sit
idle and prints the RSS of the sovra-allinone process (and of its children, if any),
and finally runs unstack.sh and clean.sh (unless --keep).
Targets (issue 9): ready in under 60 s, idle all-in-one under 400 MiB RSS.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("IDENTITY", "PLACEMENT", "IMAGE", "COMPUTE", "NETWORK", "BLOCK", "METADATA")


def _free_ports(count):
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def rss_mib(pid) -> float:
    """RSS of ``pid`` and every descendant, in MiB."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
        todo.extend(children.get(current, []))
    return total / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--virt-driver", default="fake", choices=("fake", "libvirt"))
    parser.add_argument("--idle", type=float, default=20.0,
                        help="seconds the cloud sits idle before RSS is read")
    parser.add_argument("--keep", action="store_true", help="leave the cloud up")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="sovra-bench-devstack-"))
    data_dir = tmp / "stack"
    local_conf = tmp / "local.conf"
    local_conf.write_text(f"VIRT_DRIVER={args.virt_driver}\n")
    env = {**os.environ, "SOVRA_DATA_DIR": str(data_dir), "SOVRA_VENV": sys.prefix,
           "SOVRA_LOCAL_CONF": str(local_conf),
           **{f"SOVRA_{name}_PORT": str(port)
              for name, port in zip(SERVICES, _free_ports(len(SERVICES)), strict=True)}}
    for name in ("OS_CLOUD", "SOVRA_MODE", "SOVRA_DATABASE", "SOVRA_MESSAGING",
                 "SOVRA_COORDINATION", "SOVRA_PROCESSES", "SOVRA_VIRT_DRIVER"):
        env.pop(name, None)

    def script(name):
        started = time.monotonic()
        done = subprocess.run([str(ROOT / "devstack" / name)], env=env, text=True,
                              capture_output=True, timeout=900)
        if done.returncode:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"{name} failed ({done.returncode})")
        return time.monotonic() - started

    try:
        first = script("stack.sh")
        again = script("stack.sh")
        time.sleep(args.idle)
        pid = int((data_dir / "run" / "allinone.pid").read_text())
        print(f"stack.sh lite ({args.virt_driver} driver), empty data dir: {first:5.1f} s"
              "   (target < 60 s)")
        print(f"stack.sh lite again on the same data (restart):   {again:5.1f} s")
        print(f"idle sovra-allinone after {args.idle:.0f} s: {rss_mib(pid):6.1f} MiB RSS"
              "   (target < 400 MiB)")
    finally:
        if not args.keep:
            script("unstack.sh")
            script("clean.sh")
            print(f"(stopped and removed {data_dir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""devstack/stack.sh lite: time to a ready cloud, and the idle all-in-one's memory
(figures, not a test).

    python3 tests/benchmarks/bench_devstack.py [--fresh-clone] [--virt-driver fake|libvirt]
        [--idle SECONDS] [--keep]

Default: runs stack.sh twice in a temporary data dir on free ports, installing into
this interpreter's virtualenv (SOVRA_VENV: the Python packages are already
there): once on the empty data dir (databases created, keys made, identity
bootstrapped, flavors and the test image seeded), once more on the same data (a
restart).

--fresh-clone: what issue 9's target is about: `git clone` of this checkout's HEAD
into a temporary directory, then its devstack/stack.sh with the data dir inside the
clone and nothing given (a new virtualenv, Sovra and the openstack CLI installed
into it from the wheelhouse a previous run filled, ~/.cache/sovra/wheels: run it
twice, the first run fills it), then a restart on the same data.

Each run prints its wall time and CPU time (stack.sh and everything it ran: on a
busy machine wall time is mostly waiting for a core), the load average before and
after, and the time of each step stack.sh logged ([stack Ns] lines). Then the cloud
sits idle and the RSS of the sovra-allinone process (and of its children, if any)
is printed; finally unstack.sh and clean.sh (unless --keep; the clone is removed
too). Targets (issue 9): ready in under 60 s, idle all-in-one under 400 MiB RSS.
Runs as root start the network agent (the public network on 172.24.4.0/24): one
lite cloud per machine at a time.
"""

import argparse
import os
import re
import resource
import shutil
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


STEP = re.compile(r"^\[stack +(\d+)s\] (.*)$")


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def steps(output: str) -> list[tuple[int, str]]:
    """(seconds the step took, its line) for each [stack Ns] line of stack.sh's
    output, up to the next one (the last: up to "Sovra is up in N s")."""
    marks = [(int(m[1]), m[2]) for m in map(STEP.match, output.splitlines()) if m]
    if not marks:
        return []
    end = re.search(r"Sovra is up in (\d+) s", output)
    times = [t for t, _ in marks[1:]] + [int(end[1]) if end else marks[-1][0]]
    return [(after - at, text) for (at, text), after in zip(marks, times, strict=True)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh-clone", action="store_true",
                        help="git clone HEAD and run its stack.sh with nothing given "
                             "(its own virtualenv)")
    parser.add_argument("--virt-driver", default="fake", choices=("fake", "libvirt"))
    parser.add_argument("--idle", type=float, default=20.0,
                        help="seconds the cloud sits idle before RSS is read")
    parser.add_argument("--keep", action="store_true", help="leave the cloud up")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="sovra-bench-devstack-"))
    top = ROOT
    if args.fresh_clone:
        top = tmp / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(top)], check=True)
        data_dir = top / ".stack"
    else:
        data_dir = tmp / "stack"
    local_conf = tmp / "local.conf"
    local_conf.write_text(f"VIRT_DRIVER={args.virt_driver}\n")
    env = {**os.environ, "SOVRA_DATA_DIR": str(data_dir),
           "SOVRA_LOCAL_CONF": str(local_conf),
           **{f"SOVRA_{name}_PORT": str(port)
              for name, port in zip(SERVICES, _free_ports(len(SERVICES)), strict=True)}}
    if not args.fresh_clone:
        env["SOVRA_VENV"] = sys.prefix
    for name in ("OS_CLOUD", "SOVRA_MODE", "SOVRA_DATABASE", "SOVRA_MESSAGING",
                 "SOVRA_COORDINATION", "SOVRA_PROCESSES", "SOVRA_VIRT_DRIVER",
                 *(("SOVRA_VENV",) if args.fresh_clone else ())):
        env.pop(name, None)

    def script(name, label=None):
        load, cpu, started = _load(), _children_cpu(), time.monotonic()
        done = subprocess.run([str(top / "devstack" / name)], env=env, text=True,
                              capture_output=True, timeout=900)
        if done.returncode:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"{name} failed ({done.returncode})")
        wall = time.monotonic() - started
        if label:
            print(f"{label}: {wall:5.1f} s wall, {_children_cpu() - cpu:5.1f} s CPU"
                  f"   ({load} before, {_load()} after)")
            for took, text in steps(done.stdout):
                print(f"    {took:4d} s  {text[:100]}")
        return wall

    print(f"stack.sh lite ({args.virt_driver} driver) from "
          f"{'a fresh clone of ' + str(ROOT) if args.fresh_clone else str(ROOT)}"
          f", data dir {data_dir}   (target: ready < 60 s)")
    try:
        script("stack.sh", "empty data dir")
        script("stack.sh", "again on the same data (restart)")
        time.sleep(args.idle)
        pid = int((data_dir / "run" / "allinone.pid").read_text())
        print(f"idle sovra-allinone after {args.idle:.0f} s: {rss_mib(pid):6.1f} MiB RSS"
              f"   (target < 400 MiB; {_load()})")
    finally:
        if not args.keep:
            script("unstack.sh")
            script("clean.sh")
            shutil.rmtree(tmp, ignore_errors=True)
            print(f"(stopped and removed {data_dir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

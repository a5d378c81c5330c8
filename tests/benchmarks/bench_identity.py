"""Identity token speed over loopback, Sovra vs Keystone (figures, not a test).

Usage (from the repository root, with a test tox env's interpreter):

    .tox/suite/bin/python tests/benchmarks/bench_identity.py \\
        [--seconds S] [--concurrency C] [--keystone-venv DIR] [--keystone-cache]

    reference: python3 -m venv /tmp/ref-keystone
               /tmp/ref-keystone/bin/pip install keystone cheroot

Each API is served by ONE child process: Sovra's sovra-identity-api (cheroot, 16
threads, SQLite file, Fernet keys in a temp dir, bootstrapped with sovra-manage)
and, with ``--keystone-venv`` (Keystone's dependencies conflict with Sovra's, so it
has its own interpreter), Keystone's WSGI app from PyPI under the same cheroot
server with the same 16 threads (SQLite file, fernet tokens, keystone-manage
bootstrap, its default configuration otherwise: no cache, as the issue asks;
``--keystone-cache`` turns on its in-process dogpile memory cache to compare
against a tuned Keystone too). Both use bcrypt with cost 12: the cost is read back
from each side's stored admin password hash and printed.

Both servers run at once and each measurement runs on Sovra then Keystone back to
back, so that both see the same machine load; the load average is printed with
every figure (the machine is shared: compare the ratios, not the absolute rates).
Driven from this process with `requests` sessions over 127.0.0.1:

- issue (password): POST /v3/auth/tokens with a password, project scope. Bound by
  bcrypt (cost 12, ~0.25 s of CPU per login on both sides, as it should be).
- issue (token): POST /v3/auth/tokens rescoping an existing token (no bcrypt):
  what the token machinery itself costs. The issue's "issue" target is this one.
- validate: GET /v3/auth/tokens?nocatalog with X-Subject-Token, as every other
  service's auth middleware does on a cache miss. Each request is a different
  token of a pool of 50, authenticated by the admin token.

Prints requests/s, median and p99 latency and the server's CPU time per request
(from /proc: what a request costs the server whatever else the machine runs) for
each, the Sovra/Keystone ratios and whether the issue's targets hold (issue and
validate >= 3x Keystone, p99 validate under 5 ms).
"""

import argparse
import datetime
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import requests

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet's deprecation warning on import
    from sovra_common.cmd import manage
    from sovra_identity.cmd import manage as identity_manage
    from sovra_identity.db import DATABASE

PASSWORD = "bench-admin-pw"
BCRYPT_COST = 12
POOL = 50
TARGET_RATIO = 3.0
TARGET_P99_MS = 5.0


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def _cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _bcrypt_cost(db_file, query):
    """The cost of the stored admin password hash ("$2b$12$..." -> 12)."""
    with sqlite3.connect(db_file) as db:
        (hashed,) = db.execute(query).fetchone()
    parts = hashed.split("$")
    if len(parts) < 4 or not parts[1].startswith("2"):
        raise SystemExit(f"not a bcrypt hash in {db_file}: {hashed[:8]}...")
    return int(parts[2])


class Side:
    """One identity API to measure: how to set it up, start and stop it."""

    def __init__(self, name, tmp):
        self.name = name
        self.tmp = os.path.join(tmp, name)
        os.makedirs(self.tmp)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}/v3"
        self.log = os.path.join(self.tmp, "server.log")
        self.proc = None
        self.command = None
        self.cost = None
        self.version = ""

    def start(self):
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(self.command, stdout=log, stderr=log)

    def fail(self, message):
        tail = ""
        if os.path.exists(self.log):
            with open(self.log, errors="replace") as f:
                tail = "".join(f.readlines()[-20:])
        raise SystemExit(f"{self.name}: {message}\n--- its log (tail):\n{tail}")

    def wait(self):
        for _ in range(600):
            if self.proc.poll() is not None:
                self.fail("the identity API exited")
            try:
                requests.get(self.base, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.fail("the identity API did not start in 60 s")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def setup_sovra(tmp):
    side = Side("sovra", tmp)
    conf = os.path.join(side.tmp, "sovra-identity.conf")
    db_file = os.path.join(side.tmp, "identity.db")
    with open(conf, "w") as f:
        f.write(f"[database]\nconnection = sqlite:///{db_file}\n"
                f"[fernet_tokens]\nkey_repository = {side.tmp}/keys\n"
                f"[identity]\npassword_hash_rounds = {BCRYPT_COST}\n"
                f"[api]\nbind_port = {side.port}\n"
                "[messaging]\nnotifications_enabled = false\n")
    for argv in (["db", "sync"], ["fernet", "setup"],
                 ["bootstrap", "--password", PASSWORD,
                  "--public-url", f"{side.base}"]):
        rc = manage.main(["--config-file", conf, "identity", *argv],
                         services=[DATABASE], commands=identity_manage.COMMANDS)
        if rc:
            raise SystemExit(f"sovra setup failed: {argv}")
    side.cost = _bcrypt_cost(db_file, "SELECT password_hash FROM users WHERE name='admin'")
    side.command = [sys.executable, "-W", "ignore", "-m", "sovra_identity.cmd.api",
                    "--config-file", conf]
    return side


# Keystone's WSGI app under the same server and threads as Sovra's ApiServer
# (sovra_common/wsgi/server.py: cheroot, numthreads=16, wsgi.input_terminated).
_KEYSTONE_SERVER = """
import sys
from cheroot import wsgi
from keystone.server.flask import core
conf, port = sys.argv[1:3]
del sys.argv[1:]  # keystone parses the command line too
app = core.initialize_application(name="public", config_files=[conf])
def call(environ, start_response):
    environ["wsgi.input_terminated"] = True
    return app(environ, start_response)
server = wsgi.Server(("127.0.0.1", int(port)), call, numthreads=16)
server.safe_start()
"""


def setup_keystone(tmp, venv, cache):
    side = Side("keystone", tmp)
    conf = os.path.join(side.tmp, "keystone.conf")
    db_file = os.path.join(side.tmp, "keystone.db")
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    group = subprocess.run(["id", "-gn"], capture_output=True, text=True).stdout.strip()
    with open(conf, "w") as f:
        f.write(f"[database]\nconnection = sqlite:///{db_file}\n"
                "[token]\nprovider = fernet\n"
                f"[fernet_tokens]\nkey_repository = {side.tmp}/fernet\n"
                f"[fernet_receipts]\nkey_repository = {side.tmp}/receipts\n"
                f"[credential]\nkey_repository = {side.tmp}/credential\n"
                "[identity]\npassword_hash_algorithm = bcrypt\n"
                f"password_hash_rounds = {BCRYPT_COST}\n"
                "[oslo_messaging_notifications]\ndriver = noop\n")
        if cache:
            f.write("[cache]\nenabled = true\nbackend = dogpile.cache.memory\n")
    km = [os.path.join(venv, "bin", "keystone-manage"), "--config-file", conf]
    for argv in (["db_sync"],
                 ["fernet_setup", "--keystone-user", user, "--keystone-group", group],
                 ["credential_setup", "--keystone-user", user, "--keystone-group", group],
                 ["bootstrap", "--bootstrap-password", PASSWORD,
                  "--bootstrap-region-id", "RegionOne",
                  "--bootstrap-public-url", side.base]):
        done = subprocess.run(km + argv, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"keystone-manage {argv[0]} failed:\n{done.stderr[-2000:]}")
    side.cost = _bcrypt_cost(db_file, "SELECT p.password_hash FROM password p "
                             "JOIN local_user u ON p.local_user_id = u.id "
                             "WHERE u.name = 'admin'")
    python = os.path.join(venv, "bin", "python")
    side.version = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('keystone'))"],
        capture_output=True, text=True).stdout.strip()
    side.command = [python, "-W", "ignore", "-c", _KEYSTONE_SERVER, conf, str(side.port)]
    return side


def _password_auth():
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}


def _token_auth(token):
    return {"auth": {"identity": {"methods": ["token"], "token": {"id": token}},
                     "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}


def prepare(side):
    """Log in, make the validation pool, warm the server up (not measured)."""
    first = requests.post(f"{side.base}/auth/tokens?nocatalog", json=_password_auth(),
                          timeout=30)
    if first.status_code != 201:
        side.fail(f"login failed: {first.status_code} {first.text}")
    side.admin = first.headers["X-Subject-Token"]
    side.pool = []
    for _ in range(POOL):
        resp = requests.post(f"{side.base}/auth/tokens?nocatalog",
                             json=_token_auth(side.admin), timeout=30)
        if resp.status_code != 201:
            side.fail(f"rescope failed: {resp.status_code} {resp.text}")
        side.pool.append(resp.headers["X-Subject-Token"])
    with requests.Session() as s:
        for token in side.pool[:10]:
            s.get(f"{side.base}/auth/tokens?nocatalog", timeout=30,
                  headers={"X-Auth-Token": side.admin, "X-Subject-Token": token})


REQUESTS = {
    "issue (password)": lambda side, s, i: s.post(
        f"{side.base}/auth/tokens?nocatalog", json=_password_auth(), timeout=60),
    "issue (token)": lambda side, s, i: s.post(
        f"{side.base}/auth/tokens?nocatalog", json=_token_auth(side.admin), timeout=60),
    "validate": lambda side, s, i: s.get(
        f"{side.base}/auth/tokens?nocatalog", timeout=60,
        headers={"X-Auth-Token": side.admin, "X-Subject-Token": side.pool[i % POOL]}),
}


def run(side, name, seconds, concurrency):
    """{rate, median, p99, count} of ``name`` against ``side`` for ``seconds``."""
    make_request = REQUESTS[name]
    latencies, failures = [], []
    lock, stop = threading.Lock(), time.monotonic() + seconds

    def worker(n):
        mine, i = [], n
        with requests.Session() as session:
            while time.monotonic() < stop and not failures:
                start = time.perf_counter()
                resp = make_request(side, session, i)
                mine.append(time.perf_counter() - start)
                if resp.status_code not in (200, 201):
                    failures.append(f"HTTP {resp.status_code}: {resp.text[:300]}")
                i += concurrency
        with lock:
            latencies.extend(mine)

    began, cpu = time.monotonic(), _cpu_seconds(side.proc.pid)
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    cpu = _cpu_seconds(side.proc.pid) - cpu
    if failures:
        side.fail(f"{name}: {failures[0]}")
    latencies.sort()
    result = {"rate": len(latencies) / elapsed, "count": len(latencies),
              "median": statistics.median(latencies) * 1000,
              "cpu": cpu * 1000 / len(latencies),
              "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000}
    print(f"  {side.name:<9} {result['rate']:8.1f} req/s   median {result['median']:8.2f} ms"
          f"   p99 {result['p99']:8.2f} ms   server CPU {result['cpu']:7.2f} ms/req"
          f"   ({result['count']} requests)   {_load()}",
          flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="per measurement and side (issue (password): twice that)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="client threads (the servers have 16 threads each)")
    parser.add_argument("--keystone-venv", default=os.environ.get("SOVRA_BENCH_KEYSTONE_VENV"),
                        help="a virtualenv with keystone and cheroot installed")
    parser.add_argument("--keystone-cache", action="store_true",
                        help="Keystone with its in-process memory cache on ([cache])")
    args = parser.parse_args()
    print(f"bench_identity {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"concurrency {args.concurrency}, {args.seconds:g} s per measurement; {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        sides = [setup_sovra(tmp)]
        if args.keystone_venv:
            sides.append(setup_keystone(tmp, args.keystone_venv, args.keystone_cache))
        try:
            for side in sides:
                side.start()
            for side in sides:
                side.wait()
                prepare(side)
                label = f"{side.name} {side.version}".strip()
                print(f"{label}: token length {len(side.admin)}, "
                      f"bcrypt cost {side.cost}, one process, cheroot 16 threads"
                      + (", [cache] memory" if side.name == "keystone"
                         and args.keystone_cache else ""))
            results = {side.name: {} for side in sides}
            for name in REQUESTS:
                print(f"{name}:")
                seconds = args.seconds * (2 if name == "issue (password)" else 1)
                for side in sides:
                    results[side.name][name] = run(side, name, seconds, args.concurrency)
        finally:
            for side in sides:
                side.stop()
    if len(sides) == 1:
        return
    sovra, keystone = results["sovra"], results["keystone"]
    print(f"--- Sovra / Keystone {sides[1].version} (requests per second), {_load()}")
    for name in REQUESTS:
        ratio = sovra[name]["rate"] / keystone[name]["rate"]
        if name == "issue (password)":
            verdict = "(bcrypt cost 12 on both sides: bound by bcrypt, no target)"
        else:
            verdict = (f"target >= {TARGET_RATIO:g}x: "
                       + ("MET" if ratio >= TARGET_RATIO else "MISSED"))
        cpu = keystone[name]["cpu"] / sovra[name]["cpu"]
        print(f"{name:<18} {ratio:7.2f}x   (server CPU per request: {cpu:.2f}x less)   "
              f"{verdict}")
    p99 = sovra["validate"]["p99"]
    print(f"{'validate p99':<18} {p99:7.2f} ms (Sovra; Keystone "
          f"{keystone['validate']['p99']:.2f} ms)   target < {TARGET_P99_MS:g} ms: "
          + ("MET" if p99 < TARGET_P99_MS else "MISSED"))


if __name__ == "__main__":
    main()

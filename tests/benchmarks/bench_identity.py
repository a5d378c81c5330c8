"""Identity token speed over loopback, Sovra vs Keystone (figures, not a test).

    python3 tests/benchmarks/bench_identity.py [--seconds S] [--concurrency C]
        [--keystone-venv DIR]

Serves the identity API in ONE child process (sovra-identity-api: cheroot, 16
threads, SQLite file, Fernet keys in a temp dir, bootstrapped as usual) and drives
it from this process with `requests` sessions over 127.0.0.1. With
``--keystone-venv`` (a virtualenv where ``pip install keystone cheroot`` was run:
Keystone's dependencies conflict with Sovra's, so it does not share the
interpreter), Keystone is set up the same way (SQLite file, fernet, its
``keystone-manage bootstrap``) and served by the same cheroot server with the same
16 threads, one process; the same measurements run against it and the ratios are
printed. Measured:

- issue (password): POST /v3/auth/tokens with a password, project scope. Bound by
  bcrypt (cost 12, ~0.3 s of CPU per login, as it should be).
- issue (token): POST /v3/auth/tokens rescoping an existing token (no bcrypt):
  what the token machinery itself costs.
- validate: GET /v3/auth/tokens?nocatalog with X-Subject-Token, as every other
  service's auth middleware does on a cache miss. Each request is a different
  token of a pool, authenticated by a service token.

Prints requests/s and median/p99 latency for each.
"""

import argparse
import os
import socket
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


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup_sovra(tmp, port):
    conf = os.path.join(tmp, "sovra-identity.conf")
    with open(conf, "w") as f:
        f.write(f"[database]\nconnection = sqlite:///{tmp}/identity.db\n"
                f"[fernet_tokens]\nkey_repository = {tmp}/keys\n"
                f"[api]\nbind_port = {port}\n[messaging]\nnotifications_enabled = false\n")
    for argv in (["db", "sync"], ["fernet", "setup"],
                 ["bootstrap", "--password", PASSWORD,
                  "--public-url", f"http://127.0.0.1:{port}/v3"]):
        rc = manage.main(["--config-file", conf, "identity", *argv],
                         services=[DATABASE], commands=identity_manage.COMMANDS)
        if rc:
            raise SystemExit(f"setup failed: {argv}")
    return [sys.executable, "-W", "ignore", "-m", "sovra_identity.cmd.api",
            "--config-file", conf]


# Keystone's WSGI app under the same server and threads as Sovra's ApiServer.
_KEYSTONE_SERVER = """
import sys
from cheroot import wsgi
from keystone.server.flask import core
conf, port = sys.argv[1:3]
del sys.argv[1:]  # keystone parses the command line too
app = core.initialize_application(name="public", config_files=[conf])
server = wsgi.Server(("127.0.0.1", int(port)), app, numthreads=16)
server.safe_start()
"""


def _setup_keystone(tmp, port, venv):
    conf = os.path.join(tmp, "keystone.conf")
    with open(conf, "w") as f:
        f.write(f"[database]\nconnection = sqlite:///{tmp}/keystone.db\n"
                "[token]\nprovider = fernet\n"
                f"[fernet_tokens]\nkey_repository = {tmp}/fernet\n"
                f"[fernet_receipts]\nkey_repository = {tmp}/receipts\n"
                f"[credential]\nkey_repository = {tmp}/credential\n"
                "[oslo_messaging_notifications]\ndriver = noop\n")
    km = [os.path.join(venv, "bin", "keystone-manage"), "--config-file", conf]
    for argv in (["db_sync"],
                 ["fernet_setup", "--keystone-user", "root", "--keystone-group", "root"],
                 ["credential_setup", "--keystone-user", "root", "--keystone-group", "root"],
                 ["bootstrap", "--bootstrap-password", PASSWORD,
                  "--bootstrap-region-id", "RegionOne",
                  "--bootstrap-public-url", f"http://127.0.0.1:{port}/v3"]):
        subprocess.run(km + argv, check=True, capture_output=True)
    return [os.path.join(venv, "bin", "python"), "-W", "ignore", "-c", _KEYSTONE_SERVER,
            conf, str(port)]


def _wait(url, proc):
    for _ in range(200):
        if proc.poll() is not None:
            raise SystemExit("the identity API exited")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise SystemExit("the identity API did not start")


def _password_auth():
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}


def _token_auth(token):
    return {"auth": {"identity": {"methods": ["token"], "token": {"id": token}},
                     "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}


def _run(name, seconds, concurrency, make_request):
    latencies, lock, stop = [], threading.Lock(), time.monotonic() + seconds

    def worker(n):
        session = requests.Session()
        mine, i = [], 0
        while time.monotonic() < stop:
            start = time.perf_counter()
            resp = make_request(session, n, i)
            mine.append(time.perf_counter() - start)
            if resp.status_code not in (200, 201):
                raise SystemExit(f"{name}: HTTP {resp.status_code}: {resp.text}")
            i += 1
        with lock:
            latencies.extend(mine)

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    rate = len(latencies) / elapsed
    print(f"{name:<22} {rate:8.1f} req/s   "
          f"median {statistics.median(latencies) * 1000:6.2f} ms   "
          f"p99 {p99 * 1000:6.2f} ms   ({len(latencies)} requests, "
          f"concurrency {concurrency})")
    return rate


def _measure(name, command, port, seconds, concurrency):
    base = f"http://127.0.0.1:{port}/v3"
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(base, proc)
        first = requests.post(f"{base}/auth/tokens?nocatalog", json=_password_auth(),
                              timeout=10)
        if first.status_code != 201:
            raise SystemExit(f"{name}: login failed: {first.status_code} {first.text}")
        admin = first.headers["X-Subject-Token"]
        pool = [requests.post(f"{base}/auth/tokens?nocatalog", json=_token_auth(admin),
                              timeout=10).headers["X-Subject-Token"] for _ in range(50)]
        print(f"--- {name} (token length {len(admin)})")
        return {
            "issue (password)": _run("issue (password)", seconds, concurrency,
                                     lambda s, n, i: s.post(
                                         f"{base}/auth/tokens?nocatalog",
                                         json=_password_auth(), timeout=30)),
            "issue (token)": _run("issue (token)", seconds, concurrency,
                                  lambda s, n, i: s.post(
                                      f"{base}/auth/tokens?nocatalog",
                                      json=_token_auth(admin), timeout=30)),
            "validate": _run("validate", seconds, concurrency,
                             lambda s, n, i: s.get(
                                 f"{base}/auth/tokens?nocatalog", timeout=30,
                                 headers={"X-Auth-Token": admin,
                                          "X-Subject-Token": pool[i % len(pool)]})),
        }
    finally:
        proc.terminate()
        proc.wait(10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--keystone-venv", default=os.environ.get("SOVRA_BENCH_KEYSTONE_VENV"),
                        help="a virtualenv with keystone and cheroot installed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        sovra = _measure("sovra", _setup_sovra(tmp, port), port, args.seconds,
                         args.concurrency)
        if not args.keystone_venv:
            return
        port = _free_port()
        keystone = _measure("keystone", _setup_keystone(tmp, port, args.keystone_venv),
                            port, args.seconds, args.concurrency)
    print("--- sovra / keystone (requests per second)")
    for name, rate in sovra.items():
        print(f"{name:<22} {rate / keystone[name]:6.2f}x")


if __name__ == "__main__":
    main()

"""A full-mode cloud for bench_compute.py --full: each service its own process.

identity, placement, image and compute APIs (their console scripts), the compute
conductor, and the agents (fake driver) in ``agent_processes`` processes of this
module's own (``python compute_cloud_full.py agents DIR HOST...``: several agents
per process, sharing one placement client, one etcd coordinator and one token
cache, as sovra-allinone's agents do); over this run's own RabbitMQ and etcd, one
MariaDB database per service (the integration tier's servers: private ports and
data dirs, stopped at the end), or with ``database="sqlite"`` a SQLite file per
service as in lite mode (the compute API and the conductor then share one file
from two processes: their writers wait in SQLite's busy handler). Every process
is a child of the benchmark, in a session of its own, logging to ``<name>.log`` in
the cloud's directory; ``stop()`` ends each by its PID.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "functional" / "compute")]

from compute_cloud import ADMIN_PASSWORD, SERVICE_PASSWORD, Cloud, _write_conf  # noqa: E402
from integration import servers  # noqa: E402

BIN = Path(sys.executable).parent
APIS = ("identity", "placement", "image", "compute")
# (kind, console script, conf files) in start order; the agents come after
SERVICES = (("identity-api", "sovra-identity-api", "identity"),
            ("placement-api", "sovra-placement-api", "placement"),
            ("image-api", "sovra-image-api", "image"),
            ("compute-api", "sovra-compute-api", "compute"),
            ("compute-conductor", "sovra-compute-conductor", "compute"))


class FullCloud(Cloud):
    """compute_cloud.Cloud's URLs and admin token, for a cloud of processes."""

    def __init__(self, tmp, urls, rabbit, etcd, mariadb=None):
        super().__init__(tmp=tmp, auth_url=f"{urls['identity']}/v3",
                         compute_url=f"{urls['compute']}/v2.1",
                         placement_url=urls["placement"], image_url=urls["image"],
                         drivers={}, running=[], resources=None)
        self.servers = {"rabbitmq": rabbit, "etcd": etcd, "mariadb": mariadb}
        self.procs = []  # (kind, Popen)

    def spawn(self, kind, argv, logname):
        with open(self.tmp / f"{logname}.log", "ab") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((kind, proc))
        return proc

    def pids(self) -> dict:
        """{process kind: [pid, ...]}: the cloud's processes and the servers'."""
        kinds = {}
        for kind, proc in self.procs:
            kinds.setdefault(kind, []).append(proc.pid)
        for kind, server in self.servers.items():
            if server is not None:
                kinds[kind] = server.pids()
        return kinds

    def check_alive(self):
        for kind, proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} (pid {proc.pid}) exited {proc.returncode}; "
                                   f"see its log in {self.tmp}")

    def server_side_boots(self) -> list:
        """(created_at, launched_at) of every server that launched."""
        if self.servers["mariadb"] is None:
            import contextlib
            import sqlite3

            with contextlib.closing(sqlite3.connect(self.tmp / "compute.db")) as conn:
                return conn.execute("SELECT created_at, launched_at FROM instances "
                                    "WHERE launched_at IS NOT NULL").fetchall()
        with self.servers["mariadb"].connect(database="compute") as conn, \
                conn.cursor() as cur:
            cur.execute("SELECT created_at, launched_at FROM instances "
                        "WHERE launched_at IS NOT NULL")
            return list(cur.fetchall())

    def stop(self):
        for _kind, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _kind, proc in reversed(self.procs):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        for server in self.servers.values():
            if server is not None:
                server.stop()


def _identity_setup(tmp, conf_file, auth_url, urls):
    from sovra_common.cmd import manage
    from sovra_identity.cmd import manage as identity_manage
    from sovra_identity.db import DATABASE

    def id_manage(*argv):
        code = manage.main(["--config-file", str(conf_file), "identity", *argv],
                           services=[DATABASE], commands=identity_manage.COMMANDS)
        if code != 0:
            raise RuntimeError(f"sovra-manage identity {' '.join(argv)} exited {code}")
    id_manage("db", "sync")
    id_manage("fernet", "setup")
    id_manage("credential-keys", "setup")
    id_manage("bootstrap", "--password", ADMIN_PASSWORD, "--region", "RegionOne",
              "--public-url", auth_url)
    for stype, name, url in (("placement", "placement", urls["placement"]),
                             ("image", "glance", urls["image"]),
                             ("compute", "nova", f"{urls['compute']}/v2.1")):
        id_manage("register-service", "--type", stype, "--name", name, "--public-url",
                  url, "--user", name, "--password", SERVICE_PASSWORD)


def _db_sync(name, conf_file):
    from importlib import import_module

    from sovra_common.cmd import manage

    database = import_module(f"sovra_{name}.db").DATABASE
    if manage.main(["--config-file", str(conf_file), name, "db", "sync"],
                   services=[database], commands=[]) != 0:
        raise RuntimeError(f"sovra-manage {name} db sync failed")


def start_full_cloud(tmp: Path, *, hosts, agent_processes=4, compute_extra="",
                     database="mariadb", timeout=300.0) -> FullCloud:
    """Start everything, wait until every agent's node is up in os-services."""
    rabbit = etcd = mariadb = None
    cloud = None
    try:
        rabbit = servers.RabbitMQServer().start()
        etcd = servers.EtcdServer().start()
        if database == "mariadb":
            mariadb = servers.MariaDBServer().start()
        ports = dict(zip(APIS, servers.free_ports(len(APIS)), strict=True))
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        cloud = FullCloud(tmp, urls, rabbit, etcd, mariadb)
        bus = rabbit.url
        (tmp / "sovra.conf").write_text(
            f"[messaging]\ntransport_url = {bus}\n"
            "[coordination]\nbackend_url = etcd3+http://127.0.0.1:"
            f"{etcd.port}?prefix=/sovra-bench-{uuid.uuid4().hex[:8]}\n")
        service = {"auth_url": cloud.auth_url}
        extras = {
            "identity": (f"[fernet_tokens]\nkey_repository = {tmp / 'fk'}\n"
                         f"[credential]\nkey_repository = {tmp / 'ck'}\n"),
            "placement": "",
            "image": (f"[image]\nfilesystem_store_datadir = {tmp / 'images'}\n"
                      f"staging_dir = {tmp / 'staging'}\n"),
            "compute": ("[compute]\nhost = controller\nplacement_interface = public\n"
                        + compute_extra)}
        users = {"placement": "placement", "image": "glance", "compute": "nova"}
        files = {}
        for name in APIS:
            files[name] = _write_conf(
                tmp / f"sovra-{name}.conf", bus, ports[name],
                mariadb.url_for(name) if mariadb else f"sqlite:///{tmp / name}.db",
                service=({**service, "user": users[name]} if name in users else None),
                extra=extras[name])
        _identity_setup(tmp, files["identity"], cloud.auth_url, urls)
        for name in APIS[1:]:
            _db_sync(name, files[name])
        for kind, script, name in SERVICES:
            cloud.spawn(kind, [str(BIN / script), "--config-file", str(tmp / "sovra.conf"),
                               "--config-file", str(files[name])], kind)
        for host in hosts:
            (tmp / f"sovra-compute-{host}.conf").write_text(
                f"[compute]\nhost = {host}\nvirt_driver = fake\n")
        for i in range(agent_processes):
            mine = list(hosts[i::agent_processes])
            if mine:
                cloud.spawn("compute-agents", [sys.executable, __file__, "agents",
                                               str(tmp), *mine], f"agents-{i}")
        _wait_up(cloud, ports, len(hosts), timeout)
        return cloud
    except BaseException:
        if cloud is not None:
            cloud.stop()
        else:
            for server in (mariadb, etcd, rabbit):
                if server is not None:
                    server.stop()
        raise


def _wait_up(cloud, ports, agents, timeout):
    import requests

    deadline = time.monotonic() + timeout
    for port in ports.values():
        while not servers.port_open(port):
            cloud.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"port {port} not open after {timeout:.0f} s")
            time.sleep(0.1)
    token = cloud.admin_token()
    while True:
        cloud.check_alive()
        resp = requests.get(f"{cloud.compute_url}/os-services", timeout=30,
                            headers={"X-Auth-Token": token})
        if resp.ok:
            up = sum(1 for s in resp.json()["services"]
                     if s["binary"] == "nova-compute" and s["state"] == "up")
            if up >= agents:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"agents not up after {timeout:.0f} s "
                               f"({resp.status_code}: {resp.text[:200]})")
        time.sleep(0.5)


def run_agents(tmp: Path, hosts) -> int:
    """The agent process: ``hosts``' agents, each with the common file, the compute
    file and its own; until SIGTERM."""
    from sovra_common import log as sovra_log
    from sovra_common import process
    from sovra_common.auth import sessions
    from sovra_compute import placement_client
    from sovra_compute.cmd import agent as compute_agent

    component = compute_agent.COMPONENT

    def load(host):
        conf = component.new_conf()
        conf(args=["--config-file", str(tmp / "sovra.conf"),
                   "--config-file", str(tmp / "sovra-compute.conf"),
                   "--config-file", str(tmp / f"sovra-compute-{host}.conf")],
             project="sovra", default_config_files=[])
        return conf

    confs = [load(host) for host in hosts]
    sovra_log.setup(confs[0], f"compute-agents-{hosts[0]}")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    resources = process.ProcessResources(confs[0]).start()
    # one service login for the process's nodes, as lite mode's simulated nodes
    placement = placement_client.PlacementClient(sessions.service_session(confs[0]),
                                                 interface="public")
    running = []
    try:
        for conf in confs:
            running.append(component.start(conf, resources, placement=placement))
        stop.wait()
    finally:
        for handle in reversed(running):
            handle.stop()
        resources.stop()
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "agents":
        sys.exit(f"usage: {sys.argv[0]} agents CLOUD_DIR HOST...")
    sys.exit(run_agents(Path(sys.argv[2]), sys.argv[3:]))

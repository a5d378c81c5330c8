"""Real RabbitMQ, MariaDB and etcd servers, and the host's libvirtd, for the
integration tier.

Each server runs as a child process of the test run, in its own process group,
on free 127.0.0.1 ports, with all of its state in a private temp dir. So it never
collides with a devstack install or with another test server, and stop() can end
every process it started (by process group) and remove the temp dir.

    server = EtcdServer().start()     # blocks until the server really answers
    ...
    server.stop()                     # idempotent; also on a failed start

Set SOVRA_KEEP_SERVER_DIRS=1 to keep the temp dirs (logs, data) after stop().

LibvirtDaemon is the exception: qemu:///system is one daemon per host, so it is
reused when it runs already, and stop() stops it only if start() started it.
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import kombu
import pymysql

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
INSTALL_HINT = "run devstack/tools/install-packages.sh test"
# sbin dirs are often missing from a non-root PATH.
_EXTRA_BIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")


class ServerError(RuntimeError):
    """A server failed to start; the message carries the tail of its log."""


class MissingBinary(ServerError):
    """A server program is not installed."""


def find_binary(name, dirs=None):
    """Full path of program `name`, from `dirs` (default: PATH and sbin dirs)."""
    if dirs is None:
        dirs = os.environ.get("PATH", "").split(os.pathsep) + list(_EXTRA_BIN_DIRS)
    path = shutil.which(name, path=os.pathsep.join(dirs))
    if path is None:
        raise MissingBinary(f"{name} is not installed: {INSTALL_HINT}")
    return path


def free_ports(count):
    """`count` distinct TCP ports that are free on 127.0.0.1 right now."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def port_open(port):
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def group_pids(pgid):
    """Live (non-zombie) processes of process group `pgid`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            pids.append(int(entry.name))
    return pids


class Server:
    """Shared lifecycle: temp dir, child processes, readiness wait, stop."""

    name = "server"
    start_timeout = 60.0
    stop_timeout = 30.0

    def __init__(self):
        self.port = None
        self.tmpdir = None
        self._procs = []  # Popen objects, in start order; the last is the server
        self._last_error = None

    # --- implemented by each server -------------------------------------------
    def _launch(self):
        """Prepare self.tmpdir, set self.port, and _spawn() the server."""
        raise NotImplementedError

    def _ready(self):
        """A real request to the server; raises while it is not ready."""
        raise NotImplementedError

    # --- lifecycle ---------------------------------------------------------------
    def start(self):
        self.tmpdir = Path(tempfile.mkdtemp(prefix=f"sovra-{self.name}-{os.getpid()}-"))
        try:
            self._launch()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for proc in reversed(self._procs):
            self._terminate(proc)
        self._procs.clear()
        if self.tmpdir is not None and not os.environ.get("SOVRA_KEEP_SERVER_DIRS"):
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def pids(self):
        """Every live process this server started (all its process groups)."""
        return [pid for proc in self._procs for pid in group_pids(proc.pid)]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # --- helpers for subclasses -------------------------------------------------
    def _spawn(self, logname, argv, env=None):
        """Start argv as a child in a new process group, output to logname.log."""
        with open(self.tmpdir / f"{logname}.log", "ab") as log:
            proc = subprocess.Popen(
                argv, env=env, cwd=self.tmpdir, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._procs.append(proc)
        return proc

    def _run(self, logname, argv, timeout=120):
        """Run a preparation command to completion, output to logname.log."""
        with open(self.tmpdir / f"{logname}.log", "ab") as log:
            result = subprocess.run(argv, cwd=self.tmpdir, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
        if result.returncode != 0:
            raise self._error(f"{Path(argv[0]).name} exited {result.returncode}", logname)

    def _wait_port(self, port, proc, timeout):
        deadline = time.monotonic() + timeout
        while not port_open(port):
            self._check_alive(proc)
            if time.monotonic() > deadline:
                raise self._error(f"port {port} not open after {timeout:.0f} s")
            time.sleep(0.05)

    def _wait_ready(self):
        proc = self._procs[-1]
        deadline = time.monotonic() + self.start_timeout
        self._wait_port(self.port, proc, self.start_timeout)
        while True:
            try:
                self._ready()
                return
            except Exception as exc:  # not ready yet: keep the reason for the error
                self._last_error = f"{type(exc).__name__}: {exc}"
            self._check_alive(proc)
            if time.monotonic() > deadline:
                raise self._error(f"not ready after {self.start_timeout:.0f} s "
                                  f"(last check: {self._last_error})")
            time.sleep(0.1)

    def _check_alive(self, proc):
        if proc.poll() is not None:
            raise self._error(f"{Path(proc.args[0]).name} exited {proc.returncode}")

    def _error(self, what, logname=None):
        logname = logname or self.name
        return ServerError(f"{self.name} failed to start: {what}\n"
                           f"--- last lines of {logname}.log ---\n{self.log_tail(logname)}")

    def log_tail(self, logname=None, lines=40):
        try:
            text = (self.tmpdir / f"{logname or self.name}.log").read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    def _terminate(self, proc):
        """SIGTERM the process group, SIGKILL what is left after stop_timeout."""
        pgid = proc.pid  # start_new_session: the child leads its own group
        if proc.poll() is None:
            _killpg(pgid, signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                _killpg(pgid, signal.SIGKILL)
                proc.wait()
        # Grandchildren (e.g. Erlang's port programs) may outlive the leader briefly.
        deadline = time.monotonic() + 5
        while group_pids(pgid):
            if time.monotonic() > deadline:
                _killpg(pgid, signal.SIGKILL)
                deadline += 5
            time.sleep(0.05)


def _killpg(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


class RabbitMQServer(Server):
    """RabbitMQ in the foreground with its own epmd; user `sovra`, vhost `/`."""

    name = "rabbitmq"
    user = "sovra"

    def __init__(self):
        super().__init__()
        self.password = secrets.token_hex(12)

    @property
    def url(self):
        """oslo.messaging transport URL (default vhost)."""
        return f"rabbit://{self.user}:{self.password}@{HOST}:{self.port}/"

    def _launch(self):
        # Debian's /usr/sbin/rabbitmq-server su's to the rabbitmq user; this
        # script runs the broker as us, so it stays our child.
        server = find_binary("rabbitmq-server", dirs=["/usr/lib/rabbitmq/bin"])
        epmd = find_binary("epmd")
        self.port, dist_port, epmd_port = free_ports(3)
        tmp = self.tmpdir
        (tmp / "rabbitmq.conf").write_text(
            f"default_user = {self.user}\n"
            f"default_pass = {self.password}\n"
            "default_vhost = /\n")
        (tmp / "enabled_plugins").write_text("[].\n")  # no management on 0.0.0.0
        (tmp / "rabbitmq-env.conf").write_text("")    # ignore /etc/rabbitmq's
        env = dict(
            os.environ,
            HOME=str(tmp),  # the Erlang cookie goes here
            ERL_EPMD_ADDRESS=HOST,
            ERL_EPMD_PORT=str(epmd_port),
            ERL_CRASH_DUMP=str(tmp / "erl_crash.dump"),
            RABBITMQ_NODENAME=f"sovra-test-{os.getpid()}-{self.port}@localhost",
            RABBITMQ_NODE_IP_ADDRESS=HOST,
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(dist_port),
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}",
            RABBITMQ_CONF_ENV_FILE=str(tmp / "rabbitmq-env.conf"),
            RABBITMQ_CONFIG_FILE=str(tmp / "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(tmp / "advanced.config"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(tmp / "enabled_plugins"),
            RABBITMQ_MNESIA_BASE=str(tmp / "mnesia"),
            RABBITMQ_LOG_BASE=str(tmp / "log"),
            RABBITMQ_LOGS="-",  # to stdout, i.e. rabbitmq.log
            RABBITMQ_PID_FILE=str(tmp / "rabbitmq.pid"),
        )
        # Our own epmd first, as our child; else the broker would daemonize one.
        epmd_proc = self._spawn("epmd", [epmd, "-port", str(epmd_port), "-address", HOST], env)
        self._wait_port(epmd_port, epmd_proc, timeout=10)
        self._broker = (server, env)
        self._spawn(self.name, [server], env)

    def restart(self, down_for=0.0):
        """Stop the broker (its queues and what is in them go: they are not
        durable), wait ``down_for`` seconds, start it again on the same port."""
        broker = self._procs.pop()
        self._terminate(broker)
        time.sleep(down_for)
        server, env = self._broker
        self._spawn(self.name, [server], env)
        self._wait_ready()

    def _ready(self):
        with kombu.Connection(self.url.replace("rabbit://", "amqp://", 1),
                              connect_timeout=2) as conn:
            conn.connect()


class MariaDBServer(Server):
    """mariadbd with a fresh datadir; user `sovra` (password) may do anything."""

    name = "mariadb"
    user = "sovra"
    _DB_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")

    def __init__(self):
        super().__init__()
        self.password = secrets.token_hex(12)

    def url_for(self, dbname):
        """Create database `dbname` if needed; return its SQLAlchemy URL."""
        if not self._DB_NAME.match(dbname):
            raise ValueError(f"bad database name {dbname!r}")
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{dbname}` "
                        "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return (f"mysql+pymysql://{self.user}:{self.password}@{HOST}:{self.port}/"
                f"{dbname}?charset=utf8mb4")

    def connect(self, **kwargs):
        """A PyMySQL connection as `sovra` over TCP."""
        return pymysql.connect(host=HOST, port=self.port, user=self.user,
                               password=self.password, charset="utf8mb4",
                               connect_timeout=5, **kwargs)

    def _launch(self):
        install_db = find_binary("mariadb-install-db")
        mariadbd = find_binary("mariadbd")
        (self.port,) = free_ports(1)
        tmp = self.tmpdir
        run_as = ["--user=root"] if os.geteuid() == 0 else []
        # Its own directory for temporary tables, not the shared /tmp: the system
        # tables' set-up once lost one of its temporary tables there in CI.
        (tmp / "tmp").mkdir()
        private_tmp = f"--tmpdir={tmp / 'tmp'}"
        self._run("install-db", [
            install_db, "--no-defaults", f"--datadir={tmp / 'data'}", *run_as,
            private_tmp, "--skip-test-db", "--skip-name-resolve"])
        # Runs at server start, before it accepts connections (root is socket-only).
        (tmp / "init.sql").write_text(
            f"CREATE USER IF NOT EXISTS '{self.user}'@'%' IDENTIFIED BY '{self.password}';\n"
            f"GRANT ALL PRIVILEGES ON *.* TO '{self.user}'@'%' WITH GRANT OPTION;\n")
        self._spawn(self.name, [
            mariadbd, "--no-defaults", *run_as,
            f"--datadir={tmp / 'data'}", f"--socket={tmp / 'mariadb.sock'}",
            f"--pid-file={tmp / 'mariadb.pid'}", private_tmp,
            f"--bind-address={HOST}", f"--port={self.port}", "--skip-name-resolve",
            f"--init-file={tmp / 'init.sql'}",
            # --no-defaults would leave the compiled-in latin1
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
            # a throwaway server: trade durability for speed
            "--innodb-flush-log-at-trx-commit=2",
            # several servers may start at once (tests, parallel sessions): native AIO
            # contexts are a per-machine limit whose exhaustion aborts mariadbd
            "--innodb-use-native-aio=0",
        ])

    def _ready(self):
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")


class EtcdServer(Server):
    """A one-member etcd cluster."""

    name = "etcd"

    @property
    def endpoint(self):
        return (HOST, self.port)

    def _launch(self):
        etcd = find_binary("etcd")
        self.port, peer_port = free_ports(2)
        client_url, peer_url = f"http://{HOST}:{self.port}", f"http://{HOST}:{peer_port}"
        self._spawn(self.name, [
            etcd, "--name", "sovra-test", "--data-dir", str(self.tmpdir / "data"),
            "--listen-client-urls", client_url, "--advertise-client-urls", client_url,
            "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
            "--initial-cluster", f"sovra-test={peer_url}",
            "--initial-cluster-state", "new",
            "--initial-cluster-token", f"sovra-test-{secrets.token_hex(4)}",
            "--logger", "zap", "--log-outputs", "stderr",
        ])

    def _ready(self):
        # no proxy, even if http_proxy is set: the server is on loopback
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://{HOST}:{self.port}/health", timeout=2) as resp:
            body = resp.read().decode()
        if '"health":"true"' not in body.replace(" ", ""):
            raise ServerError(f"unhealthy: {body}")


class LibvirtDaemon:
    """The host's libvirtd on qemu:///system, with its virtlogd.

    Not a private server like the others: qemu:///system is one daemon per host, at
    fixed paths. start() runs devstack/tools/start-libvirt.sh (devstack/lib/libvirt.sh),
    which, unless libvirtd answers already, starts virtlogd and libvirtd as root the
    way init would and records them in a state file; stop() stops only what that file
    names, so a libvirtd that ran before (a developer's, devstack's) keeps running.
    Guests are the tests' to remove: a stopped libvirtd leaves them running.
    """

    name = "libvirt"
    uri = "qemu:///system"
    script = ROOT / "devstack" / "tools" / "start-libvirt.sh"
    timeout = 120.0

    def __init__(self):
        self.tmpdir = None
        self.started = {}  # daemon name -> PID, of those start() started

    @property
    def state_file(self):
        return self.tmpdir / "libvirt.started"

    def start(self):
        for program in ("libvirtd", "virtlogd", "virsh"):
            find_binary(program)
        self.tmpdir = Path(tempfile.mkdtemp(prefix=f"sovra-{self.name}-{os.getpid()}-"))
        try:
            self._script("start-libvirt", str(self.state_file))
            self.started = self._read_state()
        except BaseException:
            with contextlib.suppress(ServerError):  # keep the start's error
                self.stop()
            raise
        return self

    def stop(self):
        """Stop the daemons start() started, if any; idempotent."""
        if self.tmpdir is None:
            return
        try:
            if self.state_file.exists():
                self._script("stop-libvirt", "--stop", str(self.state_file))
        finally:
            self.started = {}
            if not os.environ.get("SOVRA_KEEP_SERVER_DIRS"):
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _script(self, logname, *args):
        log_path = self.tmpdir / f"{logname}.log"
        with open(log_path, "ab") as log:
            try:
                result = subprocess.run(
                    [str(self.script), *args], stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                failure = f"did not finish in {self.timeout:.0f} s"
            else:
                failure = result.returncode and f"exited {result.returncode}"
        if failure:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
            raise ServerError(f"{self.name}: {self.script.name} {' '.join(args)} {failure}"
                              f"\n--- its output ---\n{tail}")

    def _read_state(self):
        """{daemon: pid} from the state file: "DAEMON PID STARTTIME" lines."""
        started = {}
        for line in self.state_file.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                daemon, pid = line.split()[:2]
                started[daemon] = int(pid)
        return started

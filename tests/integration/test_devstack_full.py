"""devstack/stack.sh in full mode: MariaDB, RabbitMQ and etcd started by stack.sh itself,
one supervised process per API and agent (the network agent too: as root it wires
stack.sh's public and private networks and router1); the real openstack CLI uses
it; a server is a QEMU guest of the compute agent's own process (the libvirt
driver, on the host's libvirtd); an API killed with SIGKILL comes back by itself;
devstack/check.sh fails once the network agent is stopped; unstack.sh leaves
nothing running, no guest either, nor the network agent's namespaces; clean.sh
removes it.

The guest's boot (its console's marker) is test_devstack.py's to check: here ACTIVE
is enough (the driver code is the same in both modes, and waiting costs time).

Every port (the APIs' and the servers') is a free one and the data dir is a temporary
one, so it never collides with the integration tier's own servers, another test run
or a developer's cloud. Installs into this test run's virtualenv (SOVRA_VENV).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from integration.test_devstack import (
    alive_network_agents,
    check_seeded_networks,
    clean_at_teardown,
    guests_under,
    network_api,
    qemu_processes_under,
    volume_round_trip,
    wait_ping,
)

ROOT = Path(__file__).resolve().parents[2]
PORT_SETTINGS = ("IDENTITY", "PLACEMENT", "IMAGE", "COMPUTE", "NETWORK", "BLOCK",
                 "METADATA", "MYSQL", "RABBIT", "RABBIT_DIST", "EPMD", "ETCD", "ETCD_PEER")


def _free_ports(count):
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def _port_open(port) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _http_answers(url) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        opener.open(url, timeout=1).close()
    except urllib.error.HTTPError:
        pass  # any status: the API answers
    except OSError:
        return False
    return True


def _alive(pid) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _processes_mentioning(text):
    """PIDs of live processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline and _alive(entry.name):
                found.append(int(entry.name))
    return found


def _recorded_pids(run_dir):
    """{pid file name: pid} for every PID file stack.sh and its supervisors wrote."""
    pids = {}
    for path in [*run_dir.glob("*.pid"), *run_dir.glob("*.child")]:
        try:
            pids[path.name] = int(path.read_text().strip())
        except (OSError, ValueError):
            pass
    return pids


def test_full_stack_supervise_unstack_clean(tmp_path, libvirt_uri, request):
    data_dir = tmp_path / "stack"
    local_conf = tmp_path / "local.conf"
    local_conf.write_text("MODE=full\nVIRT_DRIVER=libvirt\n")
    ports = dict(zip(PORT_SETTINGS, _free_ports(len(PORT_SETTINGS)), strict=True))
    env = {**os.environ, "SOVRA_DATA_DIR": str(data_dir), "SOVRA_VENV": sys.prefix,
           "SOVRA_LOCAL_CONF": str(local_conf),
           **{f"SOVRA_{name}_PORT": str(port) for name, port in ports.items()}}
    for name in ("OS_CLOUD", "SOVRA_MODE", "SOVRA_DATABASE", "SOVRA_MESSAGING",
                 "SOVRA_COORDINATION", "SOVRA_PROCESSES", "SOVRA_VIRT_DRIVER"):
        env.pop(name, None)
    clean_at_teardown(request, env, data_dir)

    def script(name, timeout=120):
        return subprocess.run([str(ROOT / "devstack" / name)], env=env, capture_output=True,
                              text=True, timeout=timeout)

    run_dir = data_dir / "run"
    started = time.monotonic()
    stack = script("stack.sh", timeout=600)
    stack_seconds = time.monotonic() - started
    try:
        assert stack.returncode == 0, stack.stdout + stack.stderr
        assert "Sovra is up" in stack.stdout and "full mode:" in stack.stdout
        print(f"stack.sh (full, empty data dir): {stack_seconds:.1f} s")
        compute_conf = (data_dir / "etc" / "sovra-compute.conf").read_text()
        assert "virt_driver = libvirt" in compute_conf
        instances_path = next(line.split(" = ", 1)[1] for line in
                              compute_conf.splitlines()
                              if line.startswith("instances_path = "))

        common = (data_dir / "etc" / "sovra.conf").read_text()
        assert "rabbit://sovra:" in common and f"127.0.0.1:{ports['RABBIT']}/sovra" in common
        assert f"etcd3+http://127.0.0.1:{ports['ETCD']}" in common
        for service in ("identity", "image", "placement", "network", "block"):
            conf = (data_dir / "etc" / f"sovra-{service}.conf").read_text()
            assert ("mysql+pymysql://sovra:" in conf
                    and f"@127.0.0.1:{ports['MYSQL']}/sovra_{service}" in conf)
        pids = _recorded_pids(run_dir)
        apis = {f"sovra-{s}-api" for s in ("identity", "image", "placement", "network",
                                           "block")} | {"sovra-block-volume",
                                                        "sovra-network-agent",
                                                        "sovra-compute-metadata"}
        assert {f"{name}.pid" for name in apis} | {f"{name}.child" for name in apis} | {
            "mariadb.pid", "rabbitmq.pid", "etcd.pid", "epmd.pid"} <= set(pids)
        assert len({pids[f"{name}.child"] for name in apis}) == len(apis)  # one each
        dead = [name for name, pid in pids.items()
                if name != "rabbitmq-launcher.pid" and not _alive(pid)]
        assert not dead, (dead, stack.stdout)

        cli_env = {**env, "OS_CLIENT_CONFIG_FILE": str(data_dir / "clouds.yaml")}
        openstack = str(Path(sys.prefix) / "bin" / "openstack")

        def cli(*args):
            out = subprocess.run([openstack, *args, "-f", "json"], env=cli_env,
                                 capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
            return json.loads(out.stdout)

        token = cli("--os-cloud", "sovra-demo", "token", "issue")
        assert token["project_id"]
        # the network agent, its own process over RabbitMQ and etcd, wires the
        # networks stack.sh made: router1's gateway answers this host
        get = network_api(data_dir / "clouds.yaml")
        assert list(alive_network_agents(get).values()) == ["127.0.0.1"]
        router_id, gateway = check_seeded_networks(
            get, network_api(data_dir / "clouds.yaml", "sovra-demo"))
        wait_ping(gateway)
        # the network API on MariaDB: a network and a port with an address from IPAM
        cli("--os-cloud", "sovra-demo", "network", "create", "net1")
        cli("--os-cloud", "sovra-demo", "subnet", "create", "--network", "net1",
            "--subnet-range", "10.30.0.0/24", "sub1")
        port = cli("--os-cloud", "sovra-demo", "port", "create", "--network", "net1", "p1")
        assert port["fixed_ips"][0]["ip_address"].startswith("10.30.0.")
        disk = tmp_path / "disk.raw"
        disk.write_bytes(b"\0" * 1024 * 1024)
        image = cli("--os-cloud", "sovra-demo", "image", "create", "--file", str(disk),
                    "--disk-format", "raw", "--container-format", "bare", "tiny")
        assert image["status"] == "active" and image["size"] == 1024 * 1024
        provider = cli("--os-cloud", "sovra-admin", "resource", "provider", "create",
                       "node1")
        assert provider["generation"] == 0
        # block-api and the volume agent, separate processes over RabbitMQ: a volume
        available = volume_round_trip(openstack, cli_env, data_dir / "data" / "volumes")
        print(f"vol1 available after {available:.1f} s")

        # compute's API, conductor and agent, separate processes over RabbitMQ with
        # their liveness in etcd: a server boots to ACTIVE, a guest on libvirt
        server = cli("--os-cloud", "sovra-demo", "server", "create", "--flavor",
                     "m1.tiny", "--image", "test-image", "--no-network", "--wait", "vm1")
        assert server["status"] == "ACTIVE"
        assert guests_under(libvirt_uri, instances_path) == [f"sovra-{server['id']}"]

        # kill -9 the image API: its supervisor starts it again
        child_file = run_dir / "sovra-image-api.child"
        killed = int(child_file.read_text())
        os.kill(killed, signal.SIGKILL)
        killed_at = time.monotonic()
        image_url = f"http://127.0.0.1:{ports['IMAGE']}/"
        while not _http_answers(image_url):
            assert time.monotonic() < killed_at + 30, "the image API did not come back"
            time.sleep(0.1)
        back_after = time.monotonic() - killed_at
        print(f"image API back {back_after:.1f} s after kill -9")
        assert back_after < 15
        images = cli("--os-cloud", "sovra-demo", "image", "list")
        assert "tiny" in [i["Name"] for i in images]
        restarted = int(child_file.read_text())
        assert restarted != killed and _alive(restarted) and not _alive(killed)
        out_log = (data_dir / "log" / "sovra-image-api.out").read_text()
        assert f"pid {killed} exited on signal SIGKILL" in out_log

        # the health check: all up; then the network agent stops (its supervisor,
        # and with it the agent, which leaves the agents' group): GET /v2.0/agents
        # lists it with alive false, and check.sh (sovra status) says it is down
        check = script("check.sh", timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "network agent" in check.stdout and "all up" in check.stdout
        os.kill(pids["sovra-network-agent.pid"], signal.SIGTERM)
        deadline = time.monotonic() + 30
        while alive_network_agents(get):
            assert time.monotonic() < deadline, "the stopped network agent is listed"
            time.sleep(0.5)
        check = script("check.sh", timeout=60)
        assert check.returncode == 1, check.stdout + check.stderr
        [row] = [line for line in check.stdout.splitlines()
                 if line.startswith("network agent")]
        assert "down (last heartbeat" in row, check.stdout
    finally:
        pids = _recorded_pids(run_dir)
        unstack = script("unstack.sh")
    assert unstack.returncode == 0, unstack.stdout + unstack.stderr
    assert not [name for name, pid in pids.items() if _alive(pid)], unstack.stdout
    assert not _processes_mentioning(str(data_dir)), unstack.stdout
    assert not [name for name, port in ports.items() if _port_open(port)], unstack.stdout
    assert "deleted 1 server" in unstack.stdout, unstack.stdout
    assert f"qrouter-{router_id}" not in subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert guests_under(libvirt_uri, instances_path) == []
    assert qemu_processes_under(instances_path) == []
    clean = script("clean.sh")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert not data_dir.exists() and not Path(instances_path).exists()

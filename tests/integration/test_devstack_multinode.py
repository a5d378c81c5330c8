"""Multi-node devstack on one machine: network namespaces as hosts.

A controller and two compute nodes, each a network namespace of its own with one
address on a bridge (itself in a fourth, "switch" namespace), each running its own
devstack/stack.sh from this clone with its own data dir: the controller in full mode
(MariaDB, RabbitMQ, etcd and every API bound to its address, plus its own compute
agent), the compute nodes with NODE_ROLE=compute (only the compute agent, joined to
the controller's bus, etcd and catalog, with a copy of the controller's secrets and
no database credentials). Servers in an anti-affinity group land on all three nodes;
`sovra status` sees every agent; a compute node whose agent stops is reported down;
unstack.sh on every node leaves nothing running.

Every node runs a network agent too (stack.sh runs as root), its VXLAN endpoint
the node's address; the controller serves DHCP and router1. A port bound to cn1,
its tap a veth whose peer is in a "guest" namespace with the port's MAC and
address, reaches router1's interface on ctl over VXLAN between the namespaces.
Each node's agent has its own namespace prefix: the nodes share the machine's
namespace names.

cn2 also runs a volume agent (ENABLED_SERVICES names block-volume): its NBD backend
keeps volumes in cn2's data dir and exports them on cn2's address. A volume of a
type naming that backend is created there and attached to the server on cn1: in
use, its export answers from cn1's namespace over the bridge; detached, available
again and no longer exported.

The virt driver is the fake one: a guest's boot is test_devstack*.py's and the
libvirt driver's tests' to check (tests/integration/compute/test_libvirt_nbd_volumes.py
for NBD volumes in real guests); here the subject is the nodes joining one cloud.
"""

import contextlib
import ctypes
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from integration.test_devstack import (
    alive_network_agents,
    network_api,
    service_api,
    wait_ping,
)

ROOT = Path(__file__).resolve().parents[2]
SUBNET = "10.77.{}.{}"
CLONE_NEWNET = 0x40000000


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


@pytest.fixture
def hosts():
    """{name: (namespace, address)}: ctl, cn1, cn2 on one bridge (namespace sw)."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("network namespaces need root and iproute2")
    tag = uuid.uuid4().hex[:6]
    switch = f"smn{tag}-sw"
    made = []
    nodes = {}
    try:
        _ip("netns", "add", switch)
        made.append(switch)
        _ip("-n", switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", switch, "link", "set", "br0", "up")
        net = int(tag[:2], 16) % 200 + 20   # a /24 of 10.77.x.0: namespaces' own
        for index, name in enumerate(("ctl", "cn1", "cn2"), start=1):
            namespace = f"smn{tag}-{name}"
            _ip("netns", "add", namespace)
            made.append(namespace)
            address = SUBNET.format(net, index)
            _ip("-n", switch, "link", "add", f"v{name}", "type", "veth", "peer", "name",
                "eth0", "netns", namespace)
            _ip("-n", switch, "link", "set", f"v{name}", "master", "br0", "up")
            _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
            _ip("-n", namespace, "link", "set", "eth0", "up")
            _ip("-n", namespace, "link", "set", "lo", "up")
            nodes[name] = (namespace, address)
        yield nodes
    finally:
        for namespace in reversed(made):
            _ip("netns", "delete", namespace, check=False)


class Node:
    """A host: its namespace, its data dir and local.conf (SERVICE_HOST: the
    controller's address)."""

    def __init__(self, name, namespace, tmp_path, local_conf, service_host):
        self.name, self.namespace = name, namespace
        self.data_dir = tmp_path / name / "stack"
        self.data_dir.parent.mkdir(parents=True)
        conf = tmp_path / name / "local.conf"
        conf.write_text(local_conf + f"SERVICE_HOST={service_host}\nNODE_NAME={name}\n"
                        f"NETWORK_NAMESPACE_PREFIX={namespace}-\n")
        self.env = {**os.environ, "SOVRA_DATA_DIR": str(self.data_dir),
                    "SOVRA_VENV": sys.prefix, "SOVRA_LOCAL_CONF": str(conf)}
        for key in list(self.env):
            if key.startswith(("OS_", "SOVRA_")) and key not in (
                    "SOVRA_DATA_DIR", "SOVRA_VENV", "SOVRA_LOCAL_CONF", "SOVRA_CACHE_DIR"):
                self.env.pop(key)

    def run(self, *argv, env=None, timeout=120):
        return subprocess.run(["ip", "netns", "exec", self.namespace, *argv],
                              env=env or self.env, capture_output=True, text=True,
                              timeout=timeout)

    def script(self, name, timeout=120):
        return self.run(str(ROOT / "devstack" / name), timeout=timeout)

    def pids(self):
        found = {}
        for path in [*(self.data_dir / "run").glob("*.pid"),
                     *(self.data_dir / "run").glob("*.child")]:
            try:
                found[path.name] = int(path.read_text().strip())
            except (OSError, ValueError):
                pass
        return found


def _alive(pid) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextlib.contextmanager
def in_netns(namespace):
    """This thread in ``namespace``'s network stack meanwhile (the sockets it opens
    stay there: use them only inside)."""
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/thread-self/ns/net") as home, open(f"/run/netns/{namespace}") as there:
        if libc.setns(there.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {namespace}")
        try:
            yield
        finally:
            libc.setns(home.fileno(), CLONE_NEWNET)


def guest_reaches_router(ctl, get, hosts):
    """A port of demo's private network bound to cn1 and plugged there by hand (what
    compute does for a guest): its tap turns the port ACTIVE, and from the guest's
    namespace router1's interface (on ctl, the router node) answers ping: VXLAN
    between cn1's and ctl's addresses."""
    private = get("/v2.0/networks?name=private")["networks"][0]
    router = get("/v2.0/routers?name=router1")["routers"][0]
    router_ip = get(f"/v2.0/ports?device_id={router['id']}&network_id={private['id']}")[
        "ports"][0]["fixed_ips"][0]["ip_address"]
    prefix = get(f"/v2.0/subnets?network_id={private['id']}")["subnets"][0]["cidr"].split(
        "/")[1]
    out = ctl.run(str(Path(sys.prefix) / "bin" / "openstack"), "--os-cloud", "sovra-admin",
                  "port", "create", "--network", private["id"], "--project",
                  private["project_id"], "--host", "cn1", "-f", "json", "guest1",
                  env={**ctl.env, "OS_CLIENT_CONFIG_FILE": str(ctl.data_dir /
                                                                "clouds.yaml")})
    assert out.returncode == 0, out.stderr
    port = json.loads(out.stdout)
    address = port["fixed_ips"][0]["ip_address"]
    cn1 = hosts["cn1"][0]
    guest = f"{cn1}-guest"
    tap = f"tap{port['id'][:11]}"
    _ip("netns", "add", guest)
    try:
        _ip("-n", cn1, "link", "add", tap, "type", "veth", "peer", "name", "eth0",
            "netns", guest)
        _ip("-n", cn1, "link", "set", tap, "up")
        _ip("-n", guest, "link", "set", "eth0", "address", port["mac_address"], "mtu",
            str(private["mtu"]), "up")
        _ip("-n", guest, "addr", "add", f"{address}/{prefix}", "dev", "eth0")
        deadline = time.monotonic() + 30
        while get(f"/v2.0/ports/{port['id']}")["port"]["status"] != "ACTIVE":
            assert time.monotonic() < deadline, "cn1's agent did not plug the port"
            time.sleep(0.5)
        wait_ping(router_ip, netns=guest)
    finally:
        _ip("netns", "delete", guest, check=False)


def nbd_info(namespace, address, volume_id):
    """`qemu-img info` of the volume's NBD export at ``address`` (cn2's NBD server),
    from ``namespace``: the completed process."""
    return subprocess.run(
        ["ip", "netns", "exec", namespace, "qemu-img", "info", "--output", "json",
         f"nbd://{address}:10809/volume-{volume_id}"],
        capture_output=True, text=True, timeout=30)


def nbd_volume_on_another_node(cli, block_get, storage, hosts, server_id):
    """A volume of a type naming cn2's backend (``storage``) lives there, a file in
    its data dir; attached to the server on cn1 it is in-use, exported on cn2's
    address and read from cn1's namespace; detached, available and no longer
    exported. The openstack CLI acts; the block storage API (``block_get``) is
    polled for the outcome."""
    cli("volume", "type", "create", "--property", "volume_backend_name=nbd", "on-cn2")
    volume = cli("volume", "create", "--type", "on-cn2", "--size", "1", "nv1")

    def wait_status(wanted, timeout=60):
        deadline = time.monotonic() + timeout
        while (shown := block_get(f"/volumes/{volume['id']}")["volume"])[
                "status"] != wanted:
            assert shown["status"] not in ("error", "error_attaching"), shown
            assert time.monotonic() < deadline, f"nv1 not {wanted}: {shown}"
            time.sleep(0.5)
        return shown

    shown = wait_status("available")
    assert shown["os-vol-host-attr:host"] == "cn2@nbd#nbd", shown
    assert (storage.data_dir / "data" / "volumes" / f"volume-{volume['id']}.raw").stat(
        ).st_size == 1024 ** 3
    cn1, cn2_address = hosts["cn1"][0], hosts["cn2"][1]
    assert nbd_info(cn1, cn2_address, volume["id"]).returncode != 0   # not exported

    cli("server", "add", "volume", server_id, volume["id"])
    shown = wait_status("in-use")
    assert [a["server_id"] for a in shown["attachments"]] == [server_id], shown
    info = nbd_info(cn1, cn2_address, volume["id"])   # over the bridge, from cn1
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["virtual-size"] == 1024 ** 3

    cli("server", "remove", "volume", server_id, volume["id"], output=False)
    assert wait_status("available")["attachments"] == []
    assert nbd_info(cn1, cn2_address, volume["id"]).returncode != 0   # withdrawn


def test_controller_and_two_compute_nodes(hosts, tmp_path):
    _, ctl_address = hosts["ctl"]
    ctl = Node("ctl", hosts["ctl"][0], tmp_path, "MODE=full\nVIRT_DRIVER=fake\n",
               ctl_address)
    nodes = [ctl]
    try:
        started = time.monotonic()
        stack = ctl.script("stack.sh", timeout=600)
        assert stack.returncode == 0, stack.stdout + stack.stderr
        print(f"controller stack.sh: {time.monotonic() - started:.1f} s")
        common = (ctl.data_dir / "etc" / "sovra.conf").read_text()
        assert f"@{ctl_address}:5672/" in common and f"http://{ctl_address}:2379" in common

        secrets = tmp_path / "controller-secrets"   # what an operator would scp
        shutil.copytree(ctl.data_dir / "secrets", secrets)
        agents = {"cn1": ("compute-agent", "network-agent"),
                  "cn2": ("compute-agent", "network-agent", "block-volume")}
        for name in ("cn1", "cn2"):
            node = Node(name, hosts[name][0], tmp_path,
                        f"MODE=full\nNODE_ROLE=compute\nVIRT_DRIVER=fake\n"
                        f"ENABLED_SERVICES={','.join(agents[name])}\n"
                        f"CONTROLLER_SECRETS={secrets}\n", ctl_address)
            nodes.append(node)
            started = time.monotonic()
            joined = node.script("stack.sh", timeout=300)
            assert joined.returncode == 0, joined.stdout + joined.stderr
            print(f"{name} stack.sh: {time.monotonic() - started:.1f} s")
            assert f"Compute node {name} is up" in joined.stdout
            agent_conf = (node.data_dir / "etc" / "sovra-compute.conf").read_text()
            assert "[database]" not in agent_conf and f"host = {name}" in agent_conf
            assert not (node.data_dir / "secrets").exists()   # made nothing of its own
            # only the agents run there (and their supervisors)
            assert set(node.pids()) == {f"sovra-{agent}.{kind}" for agent in agents[name]
                                        for kind in ("pid", "child")}

        cli_env = {**ctl.env, "OS_CLIENT_CONFIG_FILE": str(ctl.data_dir / "clouds.yaml")}
        openstack = str(Path(sys.prefix) / "bin" / "openstack")

        def cli(*args, output=True):
            """openstack as admin: its JSON output (output=False: a command that
            prints nothing)."""
            out = ctl.run(openstack, "--os-cloud", "sovra-admin", *args,
                          *(("-f", "json") if output else ()), env=cli_env)
            assert out.returncode == 0, out.stderr
            return json.loads(out.stdout) if output else None

        def sovra_status():
            """(exit status, {agent host: status}) of `sovra status`."""
            out = ctl.run(str(Path(sys.prefix) / "bin" / "sovra"), "--os-cloud",
                          "sovra-admin", "status", "-f", "json", env=cli_env, timeout=60)
            rows = json.loads(out.stdout)
            return out.returncode, {r["Name"]: r["Status"] for r in rows
                                    if r["Service"] == "compute agent"}

        services = cli("compute", "service", "list")
        assert {(s["Host"], s["State"]) for s in services} == {
            ("ctl", "up"), ("cn1", "up"), ("cn2", "up")}
        # block storage: the controller's file backend and cn2's NBD backend, up
        assert sorted((s["Host"], s["State"]) for s in cli("volume", "service", "list")
                      ) == [("cn2@nbd", "up"), ("ctl@file", "up")]
        block_conf = (nodes[2].data_dir / "etc" / "sovra-block.conf").read_text()
        assert f"nbd_listen_address = {hosts['cn2'][1]}\n" in block_conf
        assert "[database]" not in block_conf
        hypervisors = cli("hypervisor", "list")
        assert {h["Hypervisor Hostname"] for h in hypervisors} == {"ctl", "cn1", "cn2"}

        group = cli("server", "group", "create", "--policy",
                    "anti-affinity", "spread")
        server_on = {}
        for index in range(3):
            server = cli("server", "create", "--flavor", "m1.tiny",
                         "--image", "test-image", "--no-network", "--hint",
                         f"group={group['id']}", "--wait", f"vm{index}")
            assert server["status"] == "ACTIVE"
            server_on[server["OS-EXT-SRV-ATTR:host"]] = server["id"]
        assert set(server_on) == {"ctl", "cn1", "cn2"}

        started = time.monotonic()
        with in_netns(ctl.namespace):   # where the controller's address is
            nbd_volume_on_another_node(
                cli, service_api(ctl.data_dir / "clouds.yaml", "block-storage"),
                nodes[2], hosts, server_on["cn1"])
        print(f"cn2's NBD volume attached to cn1's server and detached: "
              f"{time.monotonic() - started:.1f} s")

        assert sovra_status() == (0, {"ctl": "up", "cn1": "up", "cn2": "up"})

        # a network agent per node, each with its node's address as VXLAN endpoint
        with in_netns(ctl.namespace):   # where the controller's address is
            get = network_api(ctl.data_dir / "clouds.yaml")
            assert alive_network_agents(get) == {name: address
                                                 for name, (_, address) in hosts.items()}
            guest_reaches_router(ctl, get, hosts)
        check = ctl.script("check.sh")
        assert check.returncode == 0, check.stdout + check.stderr

        # a compute node stops: the cloud sees its agent down, the health check fails
        nbd_pidfile = nodes[2].data_dir / "data" / "nbd-nbd" / "qsd.pid"
        nbd_daemon = int(nbd_pidfile.read_text())
        down = nodes[2].script("unstack.sh")
        assert down.returncode == 0, down.stdout + down.stderr
        # the volume agent's NBD server, which outlives the agent, stopped with it
        assert f"stopping qsd (pid {nbd_daemon})" in down.stdout, down.stdout
        assert not _alive(nbd_daemon) and not nbd_pidfile.exists()
        deadline = time.monotonic() + 60
        while True:
            services = cli("compute", "service", "list", "--host", "cn2")
            if services and services[0]["State"] == "down":
                break
            assert time.monotonic() < deadline, services
            time.sleep(1)
        code, agents = sovra_status()
        assert code == 1 and agents["cn2"].startswith("down"), agents
        assert agents["ctl"] == agents["cn1"] == "up"
        # its network agent left with it: check.sh names it
        check = ctl.script("check.sh")
        assert check.returncode == 1, check.stdout + check.stderr
        assert any(line.split()[:3] == ["network", "agent", "cn2"]
                   and "down" in line for line in check.stdout.splitlines()), check.stdout
    finally:
        leftovers = {}
        for node in reversed(nodes):
            pids = node.pids()
            result = node.script("unstack.sh")
            leftovers[node.name] = (result, [n for n, pid in pids.items() if _alive(pid)])
        for node in nodes:
            node.script("clean.sh")
    for name, (result, alive) in leftovers.items():
        assert result.returncode == 0, (name, result.stdout + result.stderr)
        assert not alive, (name, alive, result.stdout)

"""devstack/stack.sh as a new user runs it: from an empty data dir to a cloud the real
openstack CLI can use, with a server that is a real QEMU guest (the libvirt driver,
on the host's libvirtd), then unstack.sh, then clean.sh.

Runs on free ports and a temporary data dir, so it never touches a developer's own
.stack/ or a cloud on the default ports. Installs into this test run's virtualenv
(SOVRA_VENV), which already holds Sovra, libvirt-python and the openstack CLI.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import libvirt
import yaml
from keystoneauth1 import session
from keystoneauth1.identity import v3

ROOT = Path(__file__).resolve().parents[2]
READY = "sovra-test-image: ready"
BOOT_TIMEOUT = 90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def guests_under(uri, instances_path):
    """Names of the libvirt domains whose files are under ``instances_path``."""
    conn = libvirt.open(uri)
    try:
        names = []
        for domain in conn.listAllDomains(0):
            try:
                if f"'{instances_path}/" in domain.XMLDesc(0):
                    names.append(domain.name())
            except libvirt.libvirtError:
                continue  # gone meanwhile (another test's guest)
        return names
    finally:
        conn.close()


def qemu_processes_under(instances_path):
    """PIDs of QEMU processes whose command line names a file under it."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "qemu-system" in cmdline and f"{instances_path}/" in cmdline:
                found.append(int(entry.name))
    return found


def volume_round_trip(openstack, cli_env, volume_dir, timeout=60):
    """Through the openstack CLI as the demo user: create a 1 GiB volume, see it
    available (a file of 1 GiB in ``volume_dir``, the file backend's), delete it,
    see it gone (and its file). Returns the seconds to available."""
    def cli(*args):
        out = subprocess.run([openstack, "--os-cloud", "sovra-demo", *args], env=cli_env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if "json" in args else out.stdout

    started = time.monotonic()
    volume = cli("volume", "create", "--size", "1", "vol1", "-f", "json")
    assert volume["size"] == 1 and volume["name"] == "vol1"
    while (shown := cli("volume", "show", volume["id"], "-f", "json"))["status"] != \
            "available":
        assert shown["status"] == "creating", shown
        assert time.monotonic() < started + timeout, f"vol1 not available: {shown}"
        time.sleep(0.5)
    available = time.monotonic() - started
    assert shown["type"] == "__DEFAULT__" and str(shown["bootable"]).lower() == "false"
    volume_file = Path(volume_dir) / f"volume-{volume['id']}.raw"
    assert volume_file.stat().st_size == 1024 ** 3
    listed = cli("volume", "list", "-f", "json")
    assert [(v["ID"], v["Status"]) for v in listed] == [(volume["id"], "available")]
    cli("volume", "delete", "vol1")
    while cli("volume", "list", "-f", "json"):
        assert time.monotonic() < started + 2 * timeout, "vol1 is not deleted"
        time.sleep(0.5)
    assert not volume_file.exists()
    return available


def service_api(clouds_yaml, service_type, cloud="sovra-admin"):
    """GET on the catalog's ``service_type`` API as ``cloud`` of stack.sh's
    clouds.yaml: path -> JSON."""
    auth = yaml.safe_load(Path(clouds_yaml).read_text())["clouds"][cloud]["auth"]
    sess = session.Session(auth=v3.Password(**auth))
    return lambda path: sess.get(path, endpoint_filter={
        "service_type": service_type, "interface": "public"}).json()


def network_api(clouds_yaml, cloud="sovra-admin"):
    """GET on the network API as ``cloud`` of stack.sh's clouds.yaml: path -> JSON."""
    return service_api(clouds_yaml, "network", cloud)


def alive_network_agents(get) -> dict:
    """{host: tunneling_ip} of the network agents the API lists alive."""
    return {a["host"]: a["configurations"].get("tunneling_ip")
            for a in get("/v2.0/agents")["agents"] if a["alive"]}


def check_seeded_networks(get, demo_get, public_range="172.24.4.0/24"):
    """stack.sh's networks, once each: public (external, flat, on the host's veth),
    demo's private, router1 between them, ICMP and SSH in demo's default group.
    Returns (router1's id, its address on public)."""
    networks = get("/v2.0/networks")["networks"]
    names = [n["name"] for n in networks]
    assert names.count("public") == names.count("private") == 1, names
    public = next(n for n in networks if n["name"] == "public")
    assert public["router:external"] and public["provider:network_type"] == "flat"
    subnets = {s["name"]: s for s in get("/v2.0/subnets")["subnets"]}
    assert subnets["public-subnet"]["cidr"] == public_range
    assert not subnets["public-subnet"]["enable_dhcp"]
    private = next(n for n in networks if n["name"] == "private")
    routers = get("/v2.0/routers")["routers"]
    assert [r["name"] for r in routers] == ["router1"]
    router = routers[0]
    assert router["project_id"] == private["project_id"] == demo_get(
        "/v2.0/networks?name=private")["networks"][0]["project_id"]
    assert router["external_gateway_info"]["network_id"] == public["id"]
    interfaces = get(f"/v2.0/ports?device_id={router['id']}&network_id={private['id']}")
    assert len(interfaces["ports"]) == 1
    group = demo_get("/v2.0/security-groups?name=default")["security_groups"][0]
    rules = [(r["direction"], r["protocol"], r["port_range_min"])
             for r in group["security_group_rules"] if r["ethertype"] == "IPv4"]
    assert rules.count(("ingress", "icmp", None)) == 1, rules
    assert rules.count(("ingress", "tcp", 22)) == 1, rules
    return router["id"], router["external_gateway_info"]["external_fixed_ips"][0][
        "ip_address"]


def wait_ping(address, timeout=30, netns=None):
    """Until ``address`` answers one ping (from ``netns``, or this host)."""
    argv = ["ping", "-c1", "-W1", address]
    if netns:
        argv = ["ip", "netns", "exec", netns, *argv]
    deadline = time.monotonic() + timeout
    while subprocess.run(argv, capture_output=True).returncode != 0:
        assert time.monotonic() < deadline, f"{address} does not answer ping"
        time.sleep(0.5)


def clean_at_teardown(request, env, data_dir):
    """Run clean.sh at teardown if the test did not get to: a failed test leaves no
    cloud running, and no guests' directory outside its tmp dir."""
    def clean():
        if data_dir.exists():
            subprocess.run([str(ROOT / "devstack/clean.sh")], env=env, capture_output=True,
                           timeout=120)
    request.addfinalizer(clean)


def test_stack_use_unstack_clean(tmp_path, libvirt_uri, request):
    data_dir = tmp_path / "stack"
    ports = {f"SOVRA_{name.upper()}_PORT": str(_free_port())
             for name in ("identity", "placement", "image", "compute", "network", "block",
                          "metadata")}
    # lite, whatever devstack/local.conf says; the libvirt driver or an error (auto
    # would fall back to fake with a warning, and this test would boot nothing)
    local_conf = tmp_path / "local.conf"
    local_conf.write_text("VIRT_DRIVER=libvirt\n")
    env = {**os.environ, **ports, "SOVRA_DATA_DIR": str(data_dir),
           "SOVRA_VENV": sys.prefix, "SOVRA_LOCAL_CONF": str(local_conf)}
    for name in ("OS_CLOUD", "SOVRA_MODE", "SOVRA_DATABASE", "SOVRA_MESSAGING",
                 "SOVRA_COORDINATION", "SOVRA_PROCESSES", "SOVRA_VIRT_DRIVER"):
        env.pop(name, None)
    clean_at_teardown(request, env, data_dir)
    started = time.monotonic()
    stack = subprocess.run([str(ROOT / "devstack/stack.sh")], env=env, capture_output=True,
                           text=True, timeout=600)
    print(f"stack.sh (lite, empty data dir): {time.monotonic() - started:.1f} s")
    assert stack.returncode == 0, stack.stdout + stack.stderr
    assert "Sovra is up" in stack.stdout and "openstack --os-cloud" in stack.stdout
    assert "lite mode:" in stack.stdout and "libvirt/QEMU guests" in stack.stdout
    assert "console log show vm1" in stack.stdout
    assert "test-image --network private --wait vm1" in stack.stdout
    assert "volume create --size 1 v1" in stack.stdout
    assert f"http://127.0.0.1:{ports['SOVRA_BLOCK_PORT']}/v3" in stack.stdout
    assert "fake virt driver" not in stack.stdout + stack.stderr
    assert "networks wired by the network agent" in stack.stdout   # (root)
    assert "no network agent" not in stack.stdout + stack.stderr
    # compute's metadata API and the agent's proxy share one secret of this cloud
    network_conf = (data_dir / "etc" / "sovra-network.conf").read_text()
    secret = (data_dir / "secrets" / "metadata-proxy").read_text()
    assert f"metadata_proxy_shared_secret = {secret}\n" in network_conf
    assert f"metadata_url = http://127.0.0.1:{ports['SOVRA_METADATA_PORT']}" in network_conf
    compute_conf = (data_dir / "etc" / "sovra-compute.conf").read_text()
    assert "virt_driver = libvirt" in compute_conf
    assert f"proxy_shared_secret = {secret}\n" in compute_conf and len(secret) >= 20
    instances_path = next(line.split(" = ", 1)[1] for line in compute_conf.splitlines()
                          if line.startswith("instances_path = "))
    # pytest's tmp dirs are 0700: QEMU cannot reach the data dir, so the guests live
    # in a directory of their own (a symlink in the data dir points there)
    assert instances_path.startswith("/var/lib/sovra/devstack-"), instances_path
    assert (data_dir / "data" / "instances").resolve() == Path(instances_path)
    identity_port = int(ports["SOVRA_IDENTITY_PORT"])
    try:
        cli_env = {**env, "OS_CLIENT_CONFIG_FILE": str(data_dir / "clouds.yaml")}
        openstack = str(Path(sys.prefix) / "bin" / "openstack")

        def cli(*args):
            out = subprocess.run([openstack, *args, "-f", "json"], env=cli_env,
                                 capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
            return json.loads(out.stdout)

        token = cli("--os-cloud", "sovra-demo", "token", "issue")
        demo_projects = cli("--os-cloud", "sovra-demo", "project", "list")
        assert [p["Name"] for p in demo_projects] == ["demo"]
        assert token["project_id"] == demo_projects[0]["ID"]
        services = {s["Type"] for s in cli("--os-cloud", "sovra-admin", "catalog", "list")}
        assert {"identity", "image", "placement", "network", "block-storage",
                "volumev3"} <= services

        # the network agent, inside sovra-allinone, wires what stack.sh created:
        # router1's gateway answers this host through the public network's veth
        get = network_api(data_dir / "clouds.yaml")
        demo_get = network_api(data_dir / "clouds.yaml", "sovra-demo")
        assert list(alive_network_agents(get).values()) == ["127.0.0.1"]
        router_id, gateway = check_seeded_networks(get, demo_get)
        wait_ping(gateway)
        assert f"qrouter-{router_id}" in subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True).stdout

        # the other services authenticate users through identity, as deployed
        disk = tmp_path / "disk.raw"
        disk.write_bytes(b"\0" * 1024 * 1024)
        image = cli("--os-cloud", "sovra-demo", "image", "create", "--file", str(disk),
                    "--disk-format", "raw", "--container-format", "bare", "tiny")
        assert image["status"] == "active" and image["size"] == 1024 * 1024
        provider = cli("--os-cloud", "sovra-admin", "resource", "provider", "create",
                       "node1")
        assert provider["generation"] == 0
        net = cli("--os-cloud", "sovra-demo", "network", "create", "net1")
        subnet = cli("--os-cloud", "sovra-demo", "subnet", "create", "--network", "net1",
                     "--subnet-range", "10.20.0.0/24", "sub1")
        assert subnet["network_id"] == net["id"] and subnet["gateway_ip"] == "10.20.0.1"
        # a volume: a file of the controller's file backend, in the data dir
        available = volume_round_trip(openstack, cli_env, data_dir / "data" / "volumes")
        print(f"vol1 available after {available:.1f} s")

        # a server is a QEMU guest booted from test-image: ACTIVE, then its console
        # shows the guest's boot marker; deleted, it leaves no guest nor allocation
        started = time.monotonic()
        server = cli("--os-cloud", "sovra-demo", "server", "create", "--flavor",
                     "m1.tiny", "--image", "test-image", "--no-network", "--wait", "vm1")
        assert server["status"] == "ACTIVE"
        active = time.monotonic() - started
        console = ""
        while READY not in console:
            assert time.monotonic() < started + BOOT_TIMEOUT, \
                f"{READY!r} not on vm1's console in {BOOT_TIMEOUT} s:\n{console}"
            time.sleep(1)
            console = subprocess.run(
                [openstack, "--os-cloud", "sovra-demo", "console", "log", "show", "vm1"],
                env=cli_env, capture_output=True, text=True, timeout=120).stdout
        print(f"vm1 ACTIVE after {active:.1f} s, {READY!r} after "
              f"{time.monotonic() - started:.1f} s")
        assert f"instance-uuid={server['id']}" in console
        assert guests_under(libvirt_uri, instances_path) == [f"sovra-{server['id']}"]
        subprocess.run([openstack, "--os-cloud", "sovra-demo", "server", "delete",
                        "--wait", "vm1"], env=cli_env, check=True, capture_output=True,
                       timeout=120)
        assert cli("--os-cloud", "sovra-demo", "server", "list") == []
        assert guests_under(libvirt_uri, instances_path) == []
        allocations = subprocess.run(
            [openstack, "--os-cloud", "sovra-admin", "--os-placement-api-version", "1.12",
             "resource", "provider", "allocation", "show", server["id"], "-f", "json"],
            env=cli_env, capture_output=True, text=True, timeout=120)
        assert allocations.returncode == 0 and json.loads(allocations.stdout) == []
        assert (data_dir / "clouds.yaml").stat().st_mode & 0o077 == 0

        # a second run restarts the same cloud with the same passwords; a guest keeps
        # running through it, and unstack.sh below has it to remove. It is on demo's
        # private network: compute binds its port to this node, the network agent
        # plugs its tap (ACTIVE only then), and it gets its address by DHCP
        vm2 = cli("--os-cloud", "sovra-demo", "server", "create", "--flavor", "m1.tiny",
                  "--image", "test-image", "--network", "private", "--wait", "vm2")
        assert vm2["status"] == "ACTIVE"
        vm2_ip = demo_get(f"/v2.0/ports?device_id={vm2['id']}")["ports"][0][
            "fixed_ips"][0]["ip_address"]
        started = time.monotonic()
        again = subprocess.run([str(ROOT / "devstack/stack.sh")], env=env,
                               capture_output=True, text=True, timeout=600)
        print(f"stack.sh again (warm): {time.monotonic() - started:.1f} s")
        assert again.returncode == 0, again.stdout + again.stderr
        assert cli("--os-cloud", "sovra-demo", "token", "issue")["project_id"] == \
            token["project_id"]
        images = cli("--os-cloud", "sovra-demo", "image", "list")
        assert [i["Name"] for i in images].count("test-image") == 1  # not uploaded again
        assert cli("--os-cloud", "sovra-demo", "server", "show", "vm2")["status"] == "ACTIVE"
        assert guests_under(libvirt_uri, instances_path) == [f"sovra-{vm2['id']}"]
        # the networks are not made twice; the agent is back and the router answers
        assert len(alive_network_agents(get)) == 1
        assert check_seeded_networks(get, demo_get) == (router_id, gateway)
        wait_ping(gateway)
        console = subprocess.run(
            [openstack, "--os-cloud", "sovra-demo", "console", "log", "show", "vm2"],
            env=cli_env, capture_output=True, text=True, timeout=120).stdout
        assert f"sovra-test-image: eth0 address={vm2_ip}/" in console, console
        wait_ping(vm2_ip, netns=f"qrouter-{router_id}")   # (ICMP: demo's default group)
    finally:
        unstack = subprocess.run([str(ROOT / "devstack/unstack.sh")], env=env,
                                 capture_output=True, text=True, timeout=120)
    assert unstack.returncode == 0, unstack.stdout + unstack.stderr
    assert "stopped 1 process" in unstack.stdout
    assert not _port_open(identity_port)
    # the cloud's guests are gone (deleted through the API), and their QEMU processes
    assert "deleted 1 server" in unstack.stdout, unstack.stdout
    assert guests_under(libvirt_uri, instances_path) == []
    assert qemu_processes_under(instances_path) == []
    # the network agent's data plane is gone with it (router, DHCP, the host's veth)
    assert "removing the public network's uplink" in unstack.stdout, unstack.stdout
    assert f"qrouter-{router_id}" not in subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert subprocess.run(["ping", "-c1", "-W1", gateway],
                          capture_output=True).returncode != 0
    clean = subprocess.run([str(ROOT / "devstack/clean.sh")], env=env, capture_output=True,
                           text=True, timeout=60)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert not data_dir.exists() and not Path(instances_path).exists()

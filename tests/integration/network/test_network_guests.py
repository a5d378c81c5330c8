"""Issue 10's end-to-end check with real guests: the test image under QEMU TCG on
the network lab's two nodes (network_lab: network namespaces joined by an
underlay, the network API, one network agent per node; n1 serves DHCP and the
routers). Each guest runs inside its node's namespace with a tap named as compute
names it (tcg_guest), so the node's agent plugs it as it plugs a server's; the
guests are driven through their serial console's shell.

One world for the module, booted once (three guests in parallel, ~20-40 s under
TCG): an external flat network (physnet1) with a host outside the cloud
(203.0.113.1, which records the sources it sees); tenant network ``blue`` with
guests ``a1`` on n1 and ``a2`` on n2, in a group that admits its own members; a
router from blue to the external network; a floating IP on a2; tenant network
``red`` with the same CIDR as blue (only L2 isolation keeps them apart) and a
guest ``r`` on n2. The guests have a config drive (no wait for a metadata
service this lab has no compute service to back). Servers made by compute, and
their metadata from 169.254.169.254: test_network_servers.py.
"""

import json
import os
import shutil
import subprocess
import time

import pytest
from integration.network import network_lab
from integration.network.tcg_guest import PREFIX, TcgGuest, build_image

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("qemu-system-x86_64")
    or not os.path.exists("/dev/net/tun"),
    reason="needs root (namespaces, taps) and QEMU")

OUTSIDE = "203.0.113.1"
CIDR = "10.40.0.0/24"
RED_ADDRESS = "10.40.0.200"  # chosen: the blue guests' addresses are among the first
BOOT_TIMEOUT = 240


def _wait(predicate, timeout=20.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def _config_drive(workdir, name):
    root = workdir / f"cd-{name}"
    latest = root / "openstack" / "latest"
    latest.mkdir(parents=True)
    (latest / "meta_data.json").write_text(json.dumps(
        {"uuid": f"vm-{name}", "name": name, "hostname": name, "public_keys": {}}))
    iso = workdir / f"cd-{name}.iso"
    subprocess.run(["genisoimage", "-quiet", "-o", str(iso), "-V", "config-2", "-r",
                    "-J", str(root)], check=True)
    return iso


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = network_lab.Lab(tmp_path_factory.mktemp("guestlab"))
    try:
        lab.build_underlay().start_api()
        lab.start_agent("n1")
        lab.start_agent("n2")
        yield lab
    finally:
        lab.close()


@pytest.fixture(scope="module")
def world(lab, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("guests")
    image = build_image(workdir / "test-image.qcow2")
    client = lab.client
    ext = client.create_network(**{"name": "ext", "provider:network_type": "flat",
                                   "provider:physical_network": "physnet1",
                                   "router:external": True})
    client.create_subnet(ext["id"], "203.0.113.0/24", gateway_ip=OUTSIDE,
                         enable_dhcp=False)
    outside = lab.external_host("o", f"{OUTSIDE}/24")
    blue = client.create_network(name="blue")
    blue_sub = client.create_subnet(blue["id"], CIDR, name="blue-sub")
    red = client.create_network(name="red")
    red_sub = client.create_subnet(red["id"], CIDR, name="red-sub")
    group = client.create_security_group("blue")
    client.create_security_group_rule(group["id"], "ingress", ethertype="IPv4",
                                      remote_group_id=group["id"])
    red_group = client.create_security_group("red")
    client.create_security_group_rule(red_group["id"], "ingress", ethertype="IPv4",
                                      protocol="icmp")
    router = client.create_router(name="r1",
                                  external_gateway_info={"network_id": ext["id"]})
    client.add_router_interface(router["id"], subnet_id=blue_sub["id"])

    def port(name, net, node, groups, **attrs):
        return client.create_port(net["id"], device_owner="compute:nova",
                                  device_id=f"vm-{name}", security_groups=groups,
                                  **{"binding:host_id": lab.host(node)}, **attrs)
    specs = [("a1", "n1", port("a1", blue, "n1", [group["id"]])),
             ("a2", "n2", port("a2", blue, "n2", [group["id"]])),
             ("r", "n2", port("r", red, "n2", [red_group["id"]], fixed_ips=[
                 {"subnet_id": red_sub["id"], "ip_address": RED_ADDRESS}]))]
    guests = {}
    try:
        for name, node, p in specs:
            iso = _config_drive(workdir, name)
            guest = TcgGuest(image, workdir, name, lab.node_ns(node), p)
            guest.args += ["-drive", f"file={iso},if=ide,index=2,media=cdrom,"
                                     "format=raw,readonly=on"]
            guests[name] = guest.start()
        boot = {name: g.wait_for(PREFIX + "ready", BOOT_TIMEOUT)
                for name, g in guests.items()}
        print("\nQEMU start -> ready:", {k: f"{v:.1f} s" for k, v in boot.items()})
        fip = client.create_floating_ip(ext["id"], port_id=guests["a2"].port["id"])
        router = client.get_router(router["id"])
        yield {
            "guests": guests, "outside": outside, "router": router, "fip": fip,
            "gateway_ip":
                router["external_gateway_info"]["external_fixed_ips"][0]["ip_address"],
            "blue": blue, "red": red, "group": group, "red_sub": red_sub}
    finally:
        for guest in guests.values():
            guest.stop()


def _address(guest):
    return guest.port["fixed_ips"][0]["ip_address"]


def test_guests_get_their_ports_addresses_by_dhcp(lab, world):
    for name, guest in world["guests"].items():
        assert guest.value("eth0 address") == f"{_address(guest)}/24", guest.text()
        assert _wait(lambda g=guest: lab.client.get_port(g.port["id"])["status"]
                     == "ACTIVE"), name
    assert world["guests"]["r"].value("eth0 address") == f"{RED_ADDRESS}/24"
    # one DHCP server per network, on n1, reached from n2 over VXLAN
    dhcp = {n for n in lab.namespaces() if n.startswith(lab.prefix) and "-qdhcp-" in n}
    assert dhcp == {f"{lab.node_ns('n1')}-qdhcp-{world[net]['id']}"
                    for net in ("blue", "red")}


def test_guests_on_two_nodes_ping_each_other_over_vxlan(lab, world):
    a1, a2 = world["guests"]["a1"], world["guests"]["a2"]
    vni = lab.client.get_network(world["blue"]["id"])["provider:segmentation_id"]
    before = _vxlan_packets(lab, "n2", vni)
    assert a1.ping_eventually(_address(a2))
    assert a2.ping(_address(a1), count=3)
    assert _vxlan_packets(lab, "n2", vni) >= before + 4  # the echoes crossed nodes


def _vxlan_packets(lab, node, vni):
    """Packets received and sent by ``node``'s VXLAN device of ``vni``."""
    out = network_lab.run(["ip", "-n", lab.node_ns(node), "-s", "-j", "link", "show",
                           f"vxlan-{vni}"]).stdout
    stats = json.loads(out)[0]["stats64"]
    return stats["rx"]["packets"] + stats["tx"]["packets"]


def test_a_guest_on_another_tenant_network_cannot_reach_them(lab, world):
    guests = world["guests"]
    red = guests["r"]
    # it works on its own network (its DHCP server answers)...
    red_dhcp = lab.client.list_ports(network_id=world["red"]["id"],
                                     device_owner="network:dhcp")
    assert red.ping_eventually(red_dhcp[0]["fixed_ips"][0]["ip_address"])
    # ...but blue's addresses, the same subnet, are not there for it, and it is not
    # there for them (a2 shares its node)
    for name in ("a1", "a2"):
        assert not red.ping(_address(guests[name]), count=2)
        assert not guests[name].ping(RED_ADDRESS, count=2)


def test_a_security_group_rule_opens_and_closes_icmp_to_a_floating_ip(lab, world):
    outside, fip = world["outside"], world["fip"]["floating_ip_address"]
    # the group admits only its own members: the outside host is not one
    assert not outside.ping(fip, count=2)
    rule = lab.client.create_security_group_rule(
        world["group"]["id"], "ingress", ethertype="IPv4", protocol="icmp",
        remote_ip_prefix="0.0.0.0/0")
    try:
        assert outside.ping_eventually(fip, timeout=20)
    finally:
        lab.client.delete_security_group_rule(rule["id"])
    assert _wait(lambda: not outside.ping(fip))
    # a1 and a2 still reach each other (the group's own rule)
    assert world["guests"]["a1"].ping(_address(world["guests"]["a2"]))


def test_snat_outward_from_the_gateway_and_the_floating_address(lab, world):
    outside = world["outside"]
    outside.forget()
    assert world["guests"]["a1"].ping_eventually(OUTSIDE)
    assert outside.seen() == {world["gateway_ip"]}
    outside.forget()
    assert world["guests"]["a2"].ping(OUTSIDE)
    assert outside.seen() == {world["fip"]["floating_ip_address"]}


def test_a_restarted_agent_keeps_traffic_flowing(lab, world):
    a1, a2 = world["guests"]["a1"], world["guests"]["a2"]
    links = lab.links("n2")
    lab.stop_agent("n2")
    try:
        # nothing tends n2's data plane now: guests still talk across nodes and out
        assert a1.ping(_address(a2), count=2)
        world["outside"].forget()
        assert a2.ping(OUTSIDE)
        assert world["outside"].seen() == {world["fip"]["floating_ip_address"]}
    finally:
        lab.start_agent("n2")
    lab.wait_synced("n2")
    assert lab.links("n2") == links  # nothing stale, nothing lost
    assert a2.ping(_address(a1), count=2)
    assert world["guests"]["r"].ping(RED_ADDRESS, count=1)  # itself: still up
    for guest in world["guests"].values():
        assert lab.client.get_port(guest.port["id"])["status"] == "ACTIVE"

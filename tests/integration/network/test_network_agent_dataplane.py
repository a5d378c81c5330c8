"""The network agent's data plane end to end, as root, in namespaces it is given:
two nodes joined by an underlay, an agent per node, the network API over HTTP,
guests that get their addresses by DHCP and talk across nodes over VXLAN.

The module shares one lab (API, nodes, agents, network ``net1`` with guests ``a``
on n1 and ``b`` on n2); each test adds what it needs and removes it again.
"""

import os
import subprocess
import time

import pytest
from integration.network import network_lab

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)")

CIDR = "10.10.0.0/24"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = network_lab.Lab(tmp_path_factory.mktemp("netlab"))
    try:
        lab.build_underlay().start_api()
        lab.start_agent("n1")
        lab.start_agent("n2")
        yield lab
    finally:
        lab.close()


def _bound_port(lab, network_id, node, **attrs):
    return lab.client.create_port(network_id, **{"binding:host_id": lab.host(node),
                                                 "device_owner": "compute:nova",
                                                 "device_id": "vm-" + node, **attrs})


@pytest.fixture(scope="module")
def net1(lab):
    net = lab.client.create_network(name="net1")
    subnet = lab.client.create_subnet(net["id"], CIDR, name="sub1",
                                      dns_nameservers=["192.0.2.53"],
                                      host_routes=[{"destination": "172.16.0.0/16",
                                                    "nexthop": "10.10.0.254"}])
    return net, subnet


@pytest.fixture(scope="module")
def guests(lab, net1):
    """Guests a (n1) and b (n2) on net1, with their DHCP leases; the time from port
    creation to a lease is recorded in lab.lease_times."""
    net, _ = net1
    out = {}
    lab.lease_times = {}
    for name, node in (("a", "n1"), ("b", "n2")):
        start = time.monotonic()
        port = _bound_port(lab, net["id"], node)
        guest = lab.guest(name, node, port)
        lease = guest.dhcp()
        lab.lease_times[name] = time.monotonic() - start
        assert lease, f"guest {name} got no lease"
        out[name] = guest
    return out


def test_guests_get_their_port_addresses_by_dhcp(lab, net1, guests):
    net, subnet = net1
    for guest in guests.values():
        fixed = guest.port["fixed_ips"][0]["ip_address"]
        assert guest.lease["ip"] == fixed
        assert guest.lease["router"] == subnet["gateway_ip"]
        assert guest.lease["mtu"] == str(net["mtu"])
        assert guest.lease["dns"] == "192.0.2.53"
        assert "172.16.0.0/16 10.10.0.254" in guest.lease.get("staticroutes", "")
        assert int(guest.lease["lease"]) == 86400
    print("port create -> DHCP lease:", {k: f"{v:.2f} s" for k, v in
                                         lab.lease_times.items()})
    # both nodes may serve DHCP: only the elected one (n1) does
    namespaces = lab.namespaces()
    assert f"{lab.node_ns('n1')}-qdhcp-{net['id']}" in namespaces
    assert not [n for n in namespaces if n.startswith(f"{lab.node_ns('n2')}-qdhcp-")]


def test_ports_are_reported_active_and_agents_listed(lab, guests):
    for guest in guests.values():
        deadline = time.monotonic() + 10
        while lab.client.get_port(guest.port["id"])["status"] != "ACTIVE":
            assert time.monotonic() < deadline, "port never became ACTIVE"
            time.sleep(0.1)
    agents = {a["host"]: a for a in lab.client.list_agents()}
    for node, address in lab.NODES.items():
        agent = agents[lab.host(node)]
        assert agent["alive"] is True
        assert agent["configurations"]["tunneling_ip"] == address


def test_guests_reach_each_other_across_nodes_over_vxlan(lab, guests):
    a, b = guests["a"], guests["b"]
    assert a.ping_eventually(b.lease["ip"])
    assert b.ping(a.lease["ip"])
    # the two nodes' VXLAN devices point at each other (unicast, no multicast group)
    for node, other in (("n1", "n2"), ("n2", "n1")):
        fdb = network_lab.run(["bridge", "-n", lab.node_ns(node), "fdb", "show"]).stdout
        assert f"dst {lab.NODES[other]}" in fdb


def test_an_unknown_mac_gets_no_lease(lab, net1, guests):
    net, _ = net1
    port = lab.client.create_port(net["id"], device_owner="compute:nova",
                                  **{"binding:host_id": lab.host("n1")})
    stranger = lab.guest("x", "n1", port)
    network_lab.run(["ip", "-n", stranger.ns, "link", "set", "eth0", "address",
                     "fa:16:3e:99:99:99"])
    try:
        assert stranger.dhcp(attempts=3) == {}
    finally:
        stranger.unplug()
        lab.client.delete_port(port["id"])


def test_a_guest_on_another_network_cannot_reach_them(lab, guests):
    net2 = lab.client.create_network(name="net2")
    lab.client.create_subnet(net2["id"], CIDR, name="sub2")  # the same addresses
    port = _bound_port(lab, net2["id"], "n1")
    other = lab.guest("o", "n1", port)
    try:
        assert other.dhcp()
        assert other.lease["ip"] == port["fixed_ips"][0]["ip_address"]
        for guest in guests.values():
            if guest.lease["ip"] != other.lease["ip"]:
                assert not other.ping(guest.lease["ip"], count=2)
        # its own DHCP server answers it, not net1's
        assert other.ping(lab.client.list_ports(
            network_id=net2["id"], device_owner="network:dhcp")[0]["fixed_ips"][0][
            "ip_address"])
    finally:
        other.unplug()
        lab.client.delete_port(port["id"])
        lab.client.delete_network(net2["id"])


def test_a_flat_network_spans_the_nodes_over_its_physical_interface(lab):
    net = lab.client.create_network(**{"name": "flat1", "provider:network_type": "flat",
                                       "provider:physical_network": "physnet1"})
    lab.client.create_subnet(net["id"], "10.50.0.0/24", name="flatsub")
    ports = [_bound_port(lab, net["id"], node) for node in ("n1", "n2")]
    guests = [lab.guest(f"f{i}", node, port)
              for i, (node, port) in enumerate(zip(("n1", "n2"), ports, strict=True))]
    try:
        for guest in guests:
            assert guest.dhcp()
            assert guest.lease["mtu"] == "1500"
        assert guests[0].ping_eventually(guests[1].lease["ip"])
        for node in ("n1", "n2"):  # the uplink is in the bridge, no VXLAN device
            out = network_lab.run(["ip", "-n", lab.node_ns(node), "-o", "link", "show",
                                   "master", "brq" + net["id"][:11]]).stdout
            assert " eth1@" in out and "vxlan" not in out
    finally:
        for guest in guests:
            guest.unplug()
        for port in ports:
            lab.client.delete_port(port["id"])
        lab.client.delete_network(net["id"])
    lab.wait_synced("n1")
    lab.wait_synced("n2")
    for node in ("n1", "n2"):  # the bridge went; eth1 is free again
        assert "brq" + net["id"][:11] not in lab.links(node)
        assert "master" not in network_lab.run(
            ["ip", "-n", lab.node_ns(node), "-o", "link", "show", "eth1"]).stdout


def test_ipv6_guests_talk_and_cannot_spoof(lab):
    """Static IPv6 addresses (no router advertisements yet): neighbour discovery
    passes, the default group's IPv6 remote-group rule admits the other member, a
    foreign source address does not get out."""
    net = lab.client.create_network(name="v6net")
    lab.client.create_subnet(net["id"], "fd00:60::/64", ip_version=6,
                             ipv6_address_mode="dhcpv6-stateful")
    ports = [_bound_port(lab, net["id"], node) for node in ("n1", "n2")]
    guests = [lab.guest(f"s{i}", node, port)
              for i, (node, port) in enumerate(zip(("n1", "n2"), ports, strict=True))]
    try:
        addresses = [port["fixed_ips"][0]["ip_address"] for port in ports]
        for guest, address in zip(guests, addresses, strict=True):
            network_lab.netns(guest.ns, "ip", "-6", "addr", "add", f"{address}/64",
                              "dev", "eth0", "nodad")
        assert guests[0].ping_eventually(addresses[1])
        assert guests[1].ping(addresses[0])
        server = _dhcp_address(lab, net["id"], version=6)  # not filtered
        assert guests[1].ping_eventually(server)
        network_lab.netns(guests[1].ns, "ip", "-6", "addr", "add", "fd00:60::bad/64",
                          "dev", "eth0", "nodad")
        assert not guests[1].ping(server, count=2, source="fd00:60::bad")
    finally:
        for guest in guests:
            guest.unplug()
        for port in ports:
            lab.client.delete_port(port["id"])
        lab.client.delete_network(net["id"])


def test_a_security_group_rule_opens_and_closes_icmp(lab, net1, guests):
    net, _ = net1
    group = lab.client._create("security-groups", "security_group", {"name": "web"})
    port = _bound_port(lab, net["id"], "n2", security_groups=[group["id"]])
    c = lab.guest("c", "n2", port)
    a = guests["a"]
    try:
        assert c.dhcp()
        address = c.lease["ip"]
        assert not a.ping(address, count=2)
        rule = lab.client._create("security-group-rules", "security_group_rule", {
            "security_group_id": group["id"], "direction": "ingress",
            "ethertype": "IPv4", "protocol": "icmp"})
        assert a.ping_eventually(address)
        # one ping flow (one conntrack entry) running while the rule goes: cut
        flow = subprocess.Popen(["ip", "netns", "exec", a.ns, "ping", "-n", "-i", "0.2",
                                 "-c", "30", address], stdout=subprocess.PIPE, text=True)
        time.sleep(1.5)
        lab.client._api.delete(f"/v2.0/security-group-rules/{rule['id']}")
        lab.wait_synced("n2")
        cut_at = time.monotonic()
        out, _ = flow.communicate(timeout=30)
        replies = [int(line.split("icmp_seq=")[1].split()[0])
                   for line in out.splitlines() if "icmp_seq=" in line]
        assert replies and max(replies) < 25, out   # no replies in the last ~1 s+
        print(f"ICMP flow: {len(replies)}/30 replies, last seq {max(replies)}; "
              f"cut {time.monotonic() - cut_at:.1f} s before the flow ended")
        assert not a.ping(address, count=2)
        # a TCP port range
        lab.client._create("security-group-rules", "security_group_rule", {
            "security_group_id": group["id"], "direction": "ingress",
            "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 8000,
            "port_range_max": 8100, "remote_ip_prefix": "10.10.0.0/24"})
        lab.wait_synced("n2")
        servers = [c.serve_tcp(8080, "open"), c.serve_tcp(9000, "closed")]
        try:
            assert a.tcp_read(address, 8080) == "open"
            assert a.tcp_read(address, 9000) == ""
        finally:
            for server in servers:
                server.kill()
                server.wait()
                server.stdin.close()
        # c still starts connections itself (egress allowed) and gets the replies
        dhcp_port = lab.client.list_ports(network_id=net["id"],
                                          device_owner="network:dhcp")[0]
        assert c.ping(dhcp_port["fixed_ips"][0]["ip_address"])
        # a does not let c in: a's default group admits its own members only
        assert not c.ping(a.lease["ip"], count=2)
    finally:
        c.unplug()
        lab.client.delete_port(port["id"])
        lab.client._api.delete(f"/v2.0/security-groups/{group['id']}")


def _dhcp_address(lab, network_id, version=4):
    port = lab.client.list_ports(network_id=network_id, device_owner="network:dhcp")[0]
    return next(ip["ip_address"] for ip in port["fixed_ips"]
                if (":" in ip["ip_address"]) == (version == 6))


def test_a_guest_cannot_spoof_another_address_or_mac(lab, net1, guests):
    a, b = guests["a"], guests["b"]
    # the DHCP port is not filtered: only anti-spoofing can stop what goes to it
    server = _dhcp_address(lab, net1[0]["id"])
    assert a.ping(b.lease["ip"]) and a.ping(server)
    network_lab.netns(a.ns, "ip", "addr", "add", "10.10.0.200/24", "dev", "eth0")
    dhcp_port = lab.client.list_ports(network_id=net1[0]["id"],
                                      device_owner="network:dhcp")[0]
    dhcp_ns = f"{lab.node_ns('n1')}-qdhcp-{net1[0]['id']}"
    try:
        # the server must ask who 10.10.0.200 is: a's ARP answer is dropped
        assert not a.ping(server, count=2, source="10.10.0.200")
        # told beforehand, it answers: a's packets from that address are dropped
        network_lab.netns(dhcp_ns, "ip", "neigh", "replace", "10.10.0.200", "lladdr",
                          a.port["mac_address"], "dev", "ns-" + dhcp_port["id"][:11])
        assert not a.ping(server, count=2, source="10.10.0.200")
    finally:
        network_lab.netns(dhcp_ns, "ip", "neigh", "flush", "all", check=False)
        network_lab.netns(a.ns, "ip", "addr", "del", "10.10.0.200/24", "dev", "eth0")
    network_lab.netns(a.ns, "ip", "link", "set", "eth0", "address", "fa:16:3e:12:34:56")
    try:
        network_lab.netns(a.ns, "ip", "neigh", "flush", "all")
        assert not a.ping(b.lease["ip"], count=2)
    finally:
        network_lab.netns(a.ns, "ip", "link", "set", "eth0", "address",
                          a.port["mac_address"])
    assert a.ping_eventually(b.lease["ip"])


def test_an_administratively_down_port_carries_nothing(lab, guests):
    a, b = guests["a"], guests["b"]
    lab.client.update_port(b.port["id"], admin_state_up=False)
    lab.wait_synced("n2")
    assert not a.ping(b.lease["ip"], count=2)
    assert lab.client.get_port(b.port["id"])["status"] == "DOWN"
    lab.client.update_port(b.port["id"], admin_state_up=True)
    assert a.ping_eventually(b.lease["ip"])
    assert lab.client.get_port(b.port["id"])["status"] == "ACTIVE"


def test_a_restarted_agent_keeps_traffic_and_removes_what_went_away(lab, guests):
    a, b = guests["a"], guests["b"]
    net3 = lab.client.create_network(name="net3")
    lab.client.create_subnet(net3["id"], "10.30.0.0/24", name="sub3")
    port = _bound_port(lab, net3["id"], "n1")
    g3 = lab.guest("t", "n1", port)
    assert g3.dhcp()
    bridge3 = "brq" + net3["id"][:11]
    assert bridge3 in lab.links("n1")
    dhcp_ns = f"{lab.node_ns('n1')}-qdhcp-{net3['id']}"
    assert dhcp_ns in lab.namespaces()

    lab.stop_agent("n1")
    # nothing is torn down while no agent runs
    assert a.ping(b.lease["ip"]) and b.ping(a.lease["ip"])
    g3.unplug()
    lab.client.delete_port(port["id"])
    lab.client.delete_network(net3["id"])

    started = time.monotonic()
    lab.start_agent("n1")
    print(f"agent restart -> first sync done: {time.monotonic() - started:.2f} s")
    assert a.ping(b.lease["ip"]) and b.ping(a.lease["ip"])
    assert bridge3 not in lab.links("n1")
    assert dhcp_ns not in lab.namespaces()
    assert not os.path.exists(os.path.join(lab.state_dir("n1"), net3["id"]))
    assert a.dhcp(), "DHCP on net1 no longer answers after the restart"
    # while n1's agent was away n2 was the DHCP node; n1 is again, n2 stops
    lab.wait_synced("n2")
    assert not [n for n in lab.namespaces() if n.startswith(f"{lab.node_ns('n2')}-qdhcp-")]
    assert b.dhcp()

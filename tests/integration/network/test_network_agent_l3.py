"""Routers and floating IPs end to end, as root, in namespaces: the lab's two nodes
(n1 serves the routers: first by host name), an external flat network on physnet1
with a host outside the cloud (203.0.113.1, which records the sources it sees), a
tenant VXLAN network whose guest lives on n2 (so its traffic crosses to the router
node over VXLAN), and a router with a gateway on the external network and an
interface on the tenant subnet.
"""

import os
import time

import pytest
from integration.network import network_lab

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)")

OUTSIDE = "203.0.113.1"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = network_lab.Lab(tmp_path_factory.mktemp("l3lab"))
    try:
        lab.build_underlay().start_api()
        lab.start_agent("n1")
        lab.start_agent("n2")
        yield lab
    finally:
        lab.close()


@pytest.fixture(scope="module")
def world(lab):
    client = lab.client
    ext = client.create_network(**{"name": "ext", "provider:network_type": "flat",
                                   "provider:physical_network": "physnet1",
                                   "router:external": True})
    client.create_subnet(ext["id"], "203.0.113.0/24", name="ext-sub",
                         gateway_ip=OUTSIDE, enable_dhcp=False)
    outside = lab.external_host("o", f"{OUTSIDE}/24")
    net = client.create_network(name="tenant")
    sub = client.create_subnet(net["id"], "10.30.0.0/24", name="tenant-sub")
    group = client.create_security_group("reachable")
    for protocol in ("icmp", "tcp"):
        client.create_security_group_rule(group["id"], "ingress", ethertype="IPv4",
                                          protocol=protocol)
    router = client.create_router(name="r1",
                                  external_gateway_info={"network_id": ext["id"]})
    client.add_router_interface(router["id"], subnet_id=sub["id"])
    guests = {}
    for name, node in (("g", "n2"), ("h", "n1")):
        port = client.create_port(net["id"], device_owner="compute:nova",
                                  device_id=f"vm-{name}", security_groups=[group["id"]],
                                  **{"binding:host_id": lab.host(node)})
        guests[name] = lab.guest(name, node, port)
        assert guests[name].dhcp(), f"guest {name} got no lease"
    guest, port = guests["g"], guests["g"].port
    router = client.get_router(router["id"])
    gateway_ip = router["external_gateway_info"]["external_fixed_ips"][0]["ip_address"]
    return {"ext": ext, "net": net, "sub": sub, "router": router, "guest": guest,
            "port": port, "outside": outside, "gateway_ip": gateway_ip,
            "neighbour": guests["h"]}


def _router_ns(lab, router_id, node="n1"):
    return f"{lab.node_ns(node)}-qrouter-{router_id}"


def _wait(predicate, timeout=15.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def _ns_addresses(ns):
    out = network_lab.run(["ip", "-n", ns, "-o", "addr", "show"]).stdout
    return {(line.split()[1], line.split()[3]) for line in out.splitlines()
            if " inet " in line}


def test_the_router_node_builds_the_router_and_reports_its_ports(lab, world):
    router = world["router"]
    ns = _router_ns(lab, router["id"])
    assert _wait(lambda: ns in lab.namespaces())
    assert not [n for n in lab.namespaces()
                if n.startswith(f"{lab.node_ns('n2')}-qrouter-")]
    ports = lab.client.list_ports(device_id=router["id"])
    assert len(ports) == 2
    for port in ports:
        assert _wait(lambda p=port: lab.client.get_port(p["id"])["status"] == "ACTIVE"), \
            port["device_owner"]
    by_owner = {p["device_owner"]: p for p in ports}
    qr = by_owner["network:router_interface"]
    qg = by_owner["network:router_gateway"]
    addresses = _ns_addresses(ns)
    assert (f"qr-{qr['id'][:11]}", "10.30.0.1/24") in addresses
    assert (f"qg-{qg['id'][:11]}", f"{world['gateway_ip']}/24") in addresses
    links = lab.links("n1")
    assert {f"tap{qr['id'][:11]}", f"tap{qg['id'][:11]}"} <= links
    routes = network_lab.run(["ip", "-n", ns, "route", "show"]).stdout
    assert f"default via {OUTSIDE}" in routes
    # extra routes come and go
    extra = [{"destination": "172.16.0.0/16", "nexthop": "10.30.0.254"}]
    lab.client.add_extra_routes(router["id"], extra)
    assert _wait(lambda: "172.16.0.0/16 via 10.30.0.254" in network_lab.run(
        ["ip", "-n", ns, "route", "show"]).stdout)
    lab.client.remove_extra_routes(router["id"], extra)
    assert _wait(lambda: "172.16.0.0/16" not in network_lab.run(
        ["ip", "-n", ns, "route", "show"]).stdout)


def test_the_guest_reaches_outside_from_the_gateway_address(lab, world):
    guest, outside = world["guest"], world["outside"]
    outside.forget()
    assert guest.ping_eventually(OUTSIDE, timeout=20)
    assert outside.seen() == {world["gateway_ip"]}


def test_a_floating_ip_reaches_the_guest_and_carries_its_traffic(lab, world):
    guest, outside = world["guest"], world["outside"]
    fip = lab.client.create_floating_ip(world["ext"]["id"])
    address = fip["floating_ip_address"]
    assert not outside.ping(address)
    started = time.monotonic()
    lab.client.update_floating_ip(fip["id"], port_id=world["port"]["id"])
    assert _wait(lambda: outside.ping(address, wait=0.2), timeout=15, interval=0)
    elapsed = time.monotonic() - started
    print(f"floating IP associated -> first ping from outside: {elapsed:.2f} s")
    assert lab.client.get_floating_ip(fip["id"])["status"] == "ACTIVE"
    # the guest's own traffic leaves from the floating address
    outside.forget()
    assert guest.ping(OUTSIDE)
    assert outside.seen() == {address}
    # a guest behind the same router reaches it by its floating address (hairpin)
    server = guest.serve_tcp(2223, "hairpin")
    try:
        assert world["neighbour"].tcp_read(address, 2223) == "hairpin"
    finally:
        server.kill()
        server.wait()
        server.stdin.close()
    # a restarted agent rebuilds the same router, and traffic goes on meanwhile
    ns = _router_ns(lab, world["router"]["id"])

    def router_now():
        return (network_lab.netns(ns, "nft", "list", "ruleset").stdout,
                network_lab.run(["ip", "-n", ns, "-o", "link"]).stdout,   # ifindexes
                network_lab.run(["ip", "-n", ns, "-o", "addr"]).stdout,
                network_lab.run(["ip", "-n", ns, "route"]).stdout)
    before = router_now()
    lab.stop_agent("n1")
    assert outside.ping(address)
    lab.start_agent("n1")
    assert router_now() == before
    assert outside.ping(address)
    # disassociated: unreachable, and the guest is back behind the gateway address
    lab.client.update_floating_ip(fip["id"], port_id=None)
    assert _wait(lambda: not outside.ping(address), timeout=15, interval=0)
    outside.forget()
    assert guest.ping(OUTSIDE)
    assert outside.seen() == {world["gateway_ip"]}
    lab.client.delete_floating_ip(fip["id"])
    assert _wait(lambda: address not in network_lab.netns(
        ns, "ip", "-o", "addr", "show").stdout)


def test_a_port_forwarding_reaches_the_guests_tcp_port(lab, world):
    guest, outside = world["guest"], world["outside"]
    fip = lab.client.create_floating_ip(world["ext"]["id"])
    address = fip["floating_ip_address"]
    forwarding = lab.client.create_port_forwarding(
        fip["id"], protocol="tcp", external_port=8022, internal_port=2222,
        internal_port_id=world["port"]["id"],
        internal_ip_address=world["port"]["fixed_ips"][0]["ip_address"])

    def answered():
        server = guest.serve_tcp(2222, "hello-forwarded")
        try:
            return outside.tcp_read(address, 8022, timeout=1) == "hello-forwarded"
        finally:
            server.kill()
            server.wait()
            server.stdin.close()
    try:
        assert _wait(answered, timeout=20, interval=0)
    finally:
        lab.client.delete_port_forwarding(fip["id"], forwarding["id"])
    assert _wait(lambda: not answered(), timeout=15, interval=0)
    lab.client.delete_floating_ip(fip["id"])


def test_removed_interfaces_and_routers_leave_nothing(lab, world):
    router = world["router"]
    ns = _router_ns(lab, router["id"])
    other = lab.client.create_router(
        name="r2", external_gateway_info={"network_id": world["ext"]["id"]})
    other_ns = _router_ns(lab, other["id"])
    other_gw = lab.client.list_ports(device_id=other["id"])[0]
    assert _wait(lambda: lab.client.get_port(other_gw["id"])["status"] == "ACTIVE")
    other_links = network_lab.run(["ip", "-n", other_ns, "-o", "link"]).stdout
    qr = lab.client.list_ports(device_id=router["id"],
                               device_owner="network:router_interface")[0]
    lab.client.remove_router_interface(router["id"], subnet_id=world["sub"]["id"])
    assert _wait(lambda: f"qr-{qr['id'][:11]}" not in network_lab.run(
        ["ip", "-n", ns, "-o", "link"]).stdout)
    assert f"tap{qr['id'][:11]}" not in lab.links("n1")
    assert _wait(lambda: "10.30.0.0/24" not in network_lab.netns(
        ns, "nft", "list", "ruleset").stdout)
    assert not world["guest"].ping(OUTSIDE)
    taps = {f"tap{p['id'][:11]}" for p in lab.client.list_ports(device_id=router["id"])}
    lab.client.delete_router(router["id"])
    assert _wait(lambda: ns not in lab.namespaces())
    assert _wait(lambda: not taps & lab.links("n1"))
    # the other router was left alone
    assert network_lab.run(["ip", "-n", other_ns, "-o", "link"]).stdout == other_links
    # a router deleted while the agent is down is removed when it starts again
    lab.stop_agent("n1")
    lab.client.delete_router(other["id"])
    assert other_ns in lab.namespaces()
    lab.start_agent("n1")
    assert other_ns not in lab.namespaces()

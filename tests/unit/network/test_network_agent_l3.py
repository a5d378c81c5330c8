"""Routers' planning: which node serves them, what their namespace holds (devices,
addresses, routes) and the NAT rule set, from API-shaped dicts (no namespaces)."""

from unit.network import agent_states as api

from sovra_network.agent import l3, sync
from sovra_network.agent import settings as agent_settings
from sovra_network.agent import state as hs

EXT = "eeeeeeee-0000-0000-0000-00000000000e"
EXT_SUB = "eeeeeeee-0000-0000-0000-0000000000e4"
OTHER_EXT = "ffffffff-0000-0000-0000-00000000000f"
ROUTER = "r0000000-0000-0000-0000-000000000001"
QR = "i0000000-0000-0000-0000-0000000000a1"
QG = "g0000000-0000-0000-0000-0000000000b2"
FIP_PORT = "f0000000-0000-0000-0000-0000000000c3"
AGENTS = {
    "n1": {"host": "n1", "tunneling_ip": "192.0.2.1", "serve_routers": False},
    "n2": {"host": "n2", "tunneling_ip": "192.0.2.2", "serve_routers": True},
    "n3": {"host": "n3", "tunneling_ip": "192.0.2.3", "serve_routers": True},
}


def ext_network():
    return {"id": EXT, "provider:network_type": "flat",
            "provider:physical_network": "physnet1", "router:external": True,
            "mtu": 1500}


def ext_subnet():
    return {"id": EXT_SUB, "network_id": EXT, "cidr": "203.0.113.0/24",
            "ip_version": 4, "gateway_ip": "203.0.113.1", "enable_dhcp": False}


def router(enable_snat=True, routes=(), gateway_net=EXT):
    return {"id": ROUTER, "external_gateway_info": {
        "network_id": gateway_net, "enable_snat": enable_snat,
        "external_fixed_ips": [{"subnet_id": EXT_SUB, "ip_address": "203.0.113.5"}]},
        "routes": list(routes)}


def router_ports():
    return [api.port(QR, "10.0.0.1", device_owner="network:router_interface",
                     device_id=ROUTER, security_groups=[]),
            api.port(QG, "203.0.113.5", net_id=EXT, sub_id=EXT_SUB,
                     device_owner="network:router_gateway", device_id=ROUTER,
                     security_groups=[]),
            api.port(FIP_PORT, "203.0.113.20", net_id=EXT, sub_id=EXT_SUB,
                     device_owner="network:floatingip", device_id="fip-1",
                     security_groups=[])]


def floatingips():
    return [{"id": "fip-1", "floating_ip_address": "203.0.113.20",
             "fixed_ip_address": "10.0.0.5", "port_id": "p-05", "router_id": ROUTER},
            {"id": "fip-2", "floating_ip_address": "203.0.113.21",
             "fixed_ip_address": None, "port_id": None, "router_id": ROUTER},
            {"id": "fip-3", "floating_ip_address": "203.0.113.22",
             "fixed_ip_address": None, "port_id": None, "router_id": None}]


FORWARDINGS = {"fip-2": [{"id": "pf-1", "protocol": "tcp", "external_port": 2222,
                          "internal_ip_address": "10.0.0.6", "internal_port": 22,
                          "internal_port_id": "p-06"}]}


def snapshot(**router_attrs):
    return sync.Snapshot(
        networks=[api.network(), ext_network()], subnets=[api.subnet(), ext_subnet()],
        security_groups=[api.default_group()],
        ports=[*router_ports(), api.port("p-05", "10.0.0.5", host="n1"),
               api.port("p-06", "10.0.0.6", host="n1")],
        routers=[router(**router_attrs)], floatingips=floatingips(),
        port_forwardings=FORWARDINGS)


def state_of(host="n2", **router_attrs):
    return sync.plan(agent_settings.AgentSettings(host=host), snapshot(**router_attrs),
                     AGENTS)


def test_routers_are_served_by_the_first_live_agent_configured_to():
    assert sync.router_host(AGENTS) == "n2"
    assert sync.router_host({k: v for k, v in AGENTS.items() if k != "n2"}) == "n3"
    assert sync.router_host({"n1": AGENTS["n1"]}) is None
    assert list(state_of("n2").routers) == [ROUTER]
    assert state_of("n3").routers == {}
    assert state_of("n1").routers == {}
    # the router node keeps the router's ports (unbound) and their networks
    state = state_of("n2")
    assert set(state.ports) == {QR, QG}
    assert set(state.networks) == {api.NET, EXT}
    assert state.networks[EXT].external
    # its ports are not filtered (no security groups, no anti-spoofing)
    assert not any(p.filtered for p in state.ports.values())


def test_the_router_node_is_a_tunnel_endpoint_of_its_networks():
    ports = [*router_ports(), api.port("p-05", "10.0.0.5", host="n1")]
    assert sync.tunnel_endpoints("n1", AGENTS, ports)[api.NET] == ["192.0.2.2"]
    assert sync.tunnel_endpoints("n2", AGENTS, ports)[api.NET] == ["192.0.2.1"]


def test_router_state_holds_gateway_floating_ips_and_forwardings():
    found = state_of().routers[ROUTER]
    assert found.interfaces == (QR,)
    assert found.gateway == hs.RouterGateway(
        network_id=EXT, port_id=QG, fixed_ips=(hs.FixedIP(EXT_SUB, "203.0.113.5"),),
        enable_snat=True)
    assert [(f.floating_ip_address, f.fixed_ip_address) for f in found.floatingips] \
        == [("203.0.113.20", "10.0.0.5")]
    assert found.port_forwardings == (hs.PortForwarding(
        id="pf-1", floatingip_id="fip-2", floating_ip_address="203.0.113.21",
        protocol="tcp", external_port=2222, internal_ip_address="10.0.0.6",
        internal_port=22),)
    assert state_of(enable_snat=False).routers[ROUTER].gateway.enable_snat is False
    # a gateway port on another network than external_gateway_info's is ignored
    assert state_of(gateway_net=OTHER_EXT).routers[ROUTER].gateway is None


def test_router_plan_devices_addresses_and_routes():
    state = state_of(routes=[{"destination": "172.16.0.0/16", "nexthop": "10.0.0.254"}])
    plan = l3.plan_router(state, state.routers[ROUTER])
    qr, qg = plan.devices
    assert qr == l3.Device(name="qr-" + QR[:11], tap="tap" + QR[:11], port_id=QR,
                           bridge=hs.bridge_name(api.NET), mac_address="fa:16:3e:00:00:a1",
                           mtu=1450, addresses=("10.0.0.1/24",))
    assert qg.name == "qg-" + QG[:11] and qg.tap == "tap" + QG[:11]
    assert qg.bridge == hs.bridge_name(EXT) and qg.mtu == 1500
    # the gateway's address, and every floating address as a host address
    assert qg.addresses == ("203.0.113.5/24", "203.0.113.20/32", "203.0.113.21/32")
    assert plan.gateway == qg
    assert plan.routes == (("0.0.0.0/0", "203.0.113.1"), ("172.16.0.0/16", "10.0.0.254"))
    assert plan.floating == {"203.0.113.20": "10.0.0.5"}


def test_nat_floating_ips_before_the_routers_snat():
    state = state_of()
    plan = l3.plan_router(state, state.routers[ROUTER])
    qg = "qg-" + QG[:11]
    lines = [line.strip() for line in plan.nat.splitlines()]
    # replaced whole in one transaction
    assert lines[:3] == ["table ip sovra_nat {}", "delete table ip sovra_nat",
                         "table ip sovra_nat {"]
    pre = lines.index("type nat hook prerouting priority dstnat; policy accept;")
    post = lines.index("type nat hook postrouting priority srcnat; policy accept;")
    assert lines[pre + 1:pre + 3] == [
        "ip daddr 203.0.113.20 dnat to 10.0.0.5",
        "ip daddr 203.0.113.21 tcp dport 2222 dnat to 10.0.0.6:22"]
    assert lines[post + 1:post + 4] == [
        f'ip saddr 10.0.0.5 oifname "{qg}" snat to 203.0.113.20',
        "ip saddr { 10.0.0.0/24 } ip daddr { 10.0.0.0/24 } ct status dnat masquerade",
        f'ip saddr {{ 10.0.0.0/24 }} oifname "{qg}" snat to 203.0.113.5']


def test_nat_without_snat_or_gateway():
    state = state_of(enable_snat=False)
    nat = l3.plan_router(state, state.routers[ROUTER]).nat
    assert "snat to 203.0.113.5" not in nat
    assert "snat to 203.0.113.20" in nat        # floating IPs work without SNAT
    state = state_of(gateway_net=OTHER_EXT)
    plan = l3.plan_router(state, state.routers[ROUTER])
    assert plan.gateway is None and plan.routes == () and plan.floating == {}
    assert [d.name for d in plan.devices] == ["qr-" + QR[:11]]
    assert "dnat" not in plan.nat and "snat" not in plan.nat
    assert "hook prerouting" in plan.nat  # the table stays, empty


def test_connections_of_a_changed_translation_are_cut():
    before = l3.translations(state_of().routers[ROUTER])
    assert before == {"203.0.113.20": ("fixed", "10.0.0.5"),
                      "203.0.113.21": (("tcp", 2222, "10.0.0.6", 22),)}
    after = {"203.0.113.20": ("fixed", "10.0.0.9"),
             "203.0.113.21": (("tcp", 2222, "10.0.0.6", 22),)}
    assert l3.conntrack_cuts(before, after) == [
        ["-D", "--orig-dst", "203.0.113.20"], ["-D", "--reply-dst", "203.0.113.20"]]
    assert l3.conntrack_cuts(before, before) == []
    assert len(l3.conntrack_cuts(before, {})) == 4

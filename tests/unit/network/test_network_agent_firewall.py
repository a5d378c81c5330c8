"""The nft script rendered from a HostState: rules, anti-spoofing, dispatch."""

import pytest
from unit.network import agent_states as api

from sovra_network.agent import firewall
from sovra_network.agent import state as hs

P1 = "p1000000-0000-0000-0000-000000000001"
P2 = "p2000000-0000-0000-0000-000000000002"
P3 = "p3000000-0000-0000-0000-000000000003"


def _rule(**kw):
    kw.setdefault("id", "r")
    kw.setdefault("direction", "ingress")
    kw.setdefault("ethertype", "IPv4")
    return hs.Rule.from_api(kw)


@pytest.mark.parametrize("rule, expected", [
    ({}, "meta nfproto ipv4"),
    ({"ethertype": "IPv6"}, "meta nfproto ipv6"),
    ({"protocol": "tcp", "port_range_min": 22, "port_range_max": 22},
     "meta nfproto ipv4 tcp dport 22"),
    ({"protocol": "tcp", "port_range_min": 8000, "port_range_max": 8080},
     "meta nfproto ipv4 tcp dport 8000-8080"),
    ({"protocol": "6", "port_range_min": 443, "port_range_max": 443},
     "meta nfproto ipv4 tcp dport 443"),
    ({"protocol": "udp"}, "meta nfproto ipv4 meta l4proto 17"),
    ({"protocol": "icmp", "port_range_min": 8, "port_range_max": 0},
     "meta nfproto ipv4 meta l4proto icmp icmp type 8 icmp code 0"),
    ({"protocol": "icmp", "ethertype": "IPv6"},
     "meta nfproto ipv6 meta l4proto icmpv6"),
    ({"protocol": "ipv6-icmp", "ethertype": "IPv6", "port_range_min": 128},
     "meta nfproto ipv6 meta l4proto icmpv6 icmpv6 type 128"),
    ({"protocol": "112"}, "meta nfproto ipv4 meta l4proto 112"),
    ({"remote_ip_prefix": "192.168.0.0/16", "protocol": "tcp"},
     "ip saddr 192.168.0.0/16 meta l4proto 6"),
    ({"remote_ip_prefix": "0.0.0.0/0"}, "meta nfproto ipv4"),
    ({"direction": "egress", "remote_ip_prefix": "10.1.2.3/32"}, "ip daddr 10.1.2.3/32"),
    ({"remote_group_id": api.SG}, f"ip saddr @rg_{api.SG.replace('-', '_')}_v4"),
])
def test_rule_matches(rule, expected):
    assert firewall.rule_match(_rule(**rule), {api.SG: frozenset()}) == expected


@pytest.mark.parametrize("rule", [
    {"remote_ip_prefix": "fd00::/64"},            # an IPv4 rule with an IPv6 prefix
    {"protocol": "ipv6-icmp"},                    # ICMPv6 in an IPv4 rule
    {"protocol": "no-such-protocol"},
    {"remote_group_id": "unknown-group"},         # no member set for it
])
def test_rules_that_cannot_match_render_nothing(rule):
    assert firewall.rule_match(_rule(**rule), {}) is None


def _state(ports, groups=None):
    return hs.HostState.from_api("n1", [api.network()], [api.subnet()], ports,
                                 groups if groups is not None else [api.default_group()])


def test_only_filtered_ports_get_chains_and_marks():
    state = _state([
        api.port(P1, "10.0.0.5", host="n1"),
        api.port(P2, "10.0.0.6", host="n1", port_security_enabled=False),
        api.dhcp_port(),
        api.port(P3, "10.0.0.7", host="n2"),   # another node's: not here at all
    ])
    script = firewall.render(state, "sovra_fw")
    tap1, tap2 = "tap" + P1[:11], "tap" + P2[:11]
    assert [p.id for p in firewall.filtered_ports(state)] == [P1]
    assert f'"{tap1}" : jump from_{tap1.replace("-", "_")}' in script
    assert f"chain egress_{tap1.replace('-', '_')}" in script
    assert f"chain ingress_{tap1.replace('-', '_')}" in script
    assert f"egress_{tap2.replace('-', '_')}" not in script
    # every Sovra port's mark is reset; no wildcard touches other bridges' devices
    assert (f'iifname {{ "tap{api.dhcp_port()["id"][:11]}", "{tap1}", "{tap2}", '
            '"vxlan-7" } meta mark set 0x0') in script
    assert "*" not in script
    assert "0x00010000 : jump egress_" in script
    assert "0x00000001 : jump ingress_" in script
    assert "tap" + P3[:11] not in script


def test_the_script_replaces_both_tables_at_once():
    script = firewall.render(_state([api.port(P1, "10.0.0.5", host="n1")]), "fw_x")
    head = script.splitlines()[:4]
    assert head == ["table bridge fw_x {}", "delete table bridge fw_x",
                    "table inet fw_x {}", "delete table inet fw_x"]
    assert script.count("table bridge fw_x {\n") == 1
    assert script.count("table inet fw_x {\n") == 1
    assert "ct zone set iifname map { \"brq11111111-22\" : 7 }" in script


def test_anti_spoofing_allows_the_port_its_addresses_pairs_and_link_local():
    port = api.port(P1, "10.0.0.5", host="n1", allowed_address_pairs=[
        {"ip_address": "10.0.1.0/24"},
        {"ip_address": "10.0.0.5"},                   # merged with the fixed IP
        {"ip_address": "10.0.0.50", "mac_address": "fa:16:3e:aa:bb:cc"}])
    lines = firewall._spoof_chain(_state([port]).ports[P1], 1)
    assert lines[0] == "meta mark set 0x00010000"
    assert "ether saddr != { fa:16:3e:00:00:01, fa:16:3e:aa:bb:cc } drop" in lines
    assert "ether type arp arp saddr ip != { 10.0.0.5, 10.0.0.50, 10.0.1.0/24 } drop" \
        in lines
    assert "ether type ip ip saddr != { 10.0.0.5, 10.0.0.50, 10.0.1.0/24 } drop" in lines
    assert ("ether type ip6 ip6 saddr != { fe80::f816:3eff:fe00:1, "
            "fe80::f816:3eff:feaa:bbcc } drop") in lines
    dhcp_client = lines.index(
        "ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 accept")
    assert dhcp_client < lines.index(
        "ether type ip ip saddr != { 10.0.0.5, 10.0.0.50, 10.0.1.0/24 } drop")
    assert "udp sport 67 udp dport 68 drop" in lines
    assert "icmpv6 type { nd-router-advert, nd-redirect } drop" in lines
    assert lines[-1] == "drop"


def test_a_port_without_ipv4_may_send_no_ipv4_nor_arp():
    port = api.port(P1, "10.0.0.5", host="n1")
    port["fixed_ips"] = []
    lines = firewall._spoof_chain(_state([port]).ports[P1], 3)
    assert "ether type arp drop" in lines and "ether type ip drop" in lines


def test_stateful_chains_and_rules_of_every_group_of_the_port():
    web = {"id": api.SG_WEB, "security_group_rules": [
        {"id": "w1", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
         "port_range_min": 80, "port_range_max": 80}]}
    port = api.port(P1, "10.0.0.5", host="n1", security_groups=[api.SG, api.SG_WEB])
    state = _state([port, api.port(P2, "10.0.0.6", host="n2")],
                   [api.default_group(), web])
    ingress = firewall._ingress_chain(state, state.ports[P1])
    egress = firewall._egress_chain(state, state.ports[P1])
    assert ingress[:2] == ["ct state invalid drop", "ct state established,related accept"]
    assert "meta nfproto ipv4 tcp dport 80 accept" in ingress
    assert f"ip saddr @{firewall.set_name(api.SG, 4)} accept" in ingress
    assert ingress[-1] == "drop"
    assert egress[:2] == ["ct state invalid drop", "ct state established,related return"]
    assert "meta nfproto ipv4 return" in egress and egress[-1] == "drop"
    script = firewall.render(state, "sovra_fw")
    # remote-group members are cloud-wide: P2 (on n2) is in the default group's set
    assert "elements = { 10.0.0.5, 10.0.0.6 }" in script


def test_an_empty_node_renders_empty_tables():
    state = hs.HostState.from_api("n1", [], [], [], [])
    script = firewall.render(state, "sovra_fw")
    assert "jump" not in script and "vmap" not in script and "iifname" not in script
    uplinked = firewall.render(state, "sovra_fw", uplinks=["eth1"])
    assert 'iifname { "eth1" } meta mark set 0x0' in uplinked


def test_conntrack_zones_are_stable_and_in_range():
    vxlan = hs.Network.from_api(api.network(vni=4242))
    big = hs.Network.from_api(api.network(vni=70000))
    flat = hs.Network.from_api({"id": api.NET2, "provider:network_type": "flat"})
    assert firewall.conntrack_zone(vxlan) == 4242
    for net in (big, flat):
        zone = firewall.conntrack_zone(net)
        assert 1 <= zone <= 0xFFFF and zone == firewall.conntrack_zone(net)


def test_link_local_address_from_mac():
    assert firewall.link_local("fa:16:3e:00:00:01") == "fe80::f816:3eff:fe00:1"


class FakeNode:
    def __init__(self):
        self.scripts = []
        self.tables = []
        self.executed = []

    def nft(self, script):
        self.scripts.append(script)
        self.tables = [{"table": {"family": f, "name": "sovra_fw"}}
                       for f in ("bridge", "inet")]

    def execute(self, argv, check=True):
        self.executed.append(argv)
        return ""

    def nft_json(self, *args):
        assert args == ("list", "tables")
        return {"nftables": [{"metainfo": {}}, *self.tables]}


def test_an_unchanged_rule_set_is_not_applied_again_unless_its_tables_went():
    from sovra_network.agent.settings import AgentSettings

    node = FakeNode()
    fw = firewall.Firewall(node, AgentSettings(host="n1"))
    state = _state([api.port(P1, "10.0.0.5", host="n1")])
    fw.sync(state)
    fw.sync(_state([api.port(P1, "10.0.0.5", host="n1")]))
    assert len(node.scripts) == 1
    node.tables = node.tables[:1]          # someone deleted the inet table
    fw.sync(state)
    assert len(node.scripts) == 2
    fw.sync(_state([api.port(P1, "10.0.0.5", host="n1"),
                    api.port(P2, "10.0.0.6", host="n1")]))
    assert len(node.scripts) == 3
    assert node.executed == []          # a new member admits more: nothing to cut
    fw.sync(state)                      # P2 left the group P1 admits
    assert node.executed == [["conntrack", "-D", "-w", "7", "-d", "10.0.0.5"]]


def _web_state(rules, members_ports=()):
    web = {"id": api.SG_WEB, "security_group_rules": rules}
    port = api.port(P1, "10.0.0.5", host="n1", security_groups=[api.SG_WEB])
    return _state([port, *members_ports], [web, api.default_group()])


ICMP_IN = {"id": "w1", "direction": "ingress", "ethertype": "IPv4", "protocol": "icmp"}
ALL_OUT = {"id": "w2", "direction": "egress", "ethertype": "IPv4"}
FROM_DEFAULT = {"id": "w3", "direction": "ingress", "ethertype": "IPv4",
                "remote_group_id": api.SG}


def test_a_removed_ingress_rule_cuts_the_connections_made_to_the_port():
    before = _web_state([ICMP_IN, ALL_OUT])
    after = _web_state([ALL_OUT])
    cuts = firewall.conntrack_cuts(firewall.port_policies(before),
                                   firewall.port_policies(after), after)
    assert cuts == [["-D", "-w", "7", "-d", "10.0.0.5"]]


def test_a_removed_egress_rule_cuts_the_connections_made_from_the_port():
    before = _web_state([ICMP_IN, ALL_OUT])
    after = _web_state([ICMP_IN])
    cuts = firewall.conntrack_cuts(firewall.port_policies(before),
                                   firewall.port_policies(after), after)
    assert cuts == [["-D", "-w", "7", "-s", "10.0.0.5"]]


def test_added_rules_cut_nothing_a_member_leaving_a_remote_group_does():
    other = api.port(P2, "10.0.0.6", host="n2")          # in the default group
    with_member = _web_state([FROM_DEFAULT], [other])
    more = _web_state([FROM_DEFAULT, ICMP_IN], [other])
    assert firewall.conntrack_cuts(firewall.port_policies(with_member),
                                   firewall.port_policies(more), more) == []
    without = _web_state([FROM_DEFAULT])
    assert firewall.conntrack_cuts(firewall.port_policies(with_member),
                                   firewall.port_policies(without), without) == [
        ["-D", "-w", "7", "-d", "10.0.0.5"]]


def test_the_first_rule_set_of_an_agent_cuts_nothing():
    state = _web_state([ALL_OUT])
    assert firewall.conntrack_cuts({}, firewall.port_policies(state), state) == []


def test_a_malformed_rule_is_skipped_not_fatal():
    bad = {"id": "bad", "direction": "ingress", "ethertype": "IPv4",
           "remote_ip_prefix": "not-an-address"}
    state = _web_state([bad, ICMP_IN])
    ingress = firewall._ingress_chain(state, state.ports[P1])
    assert "meta nfproto ipv4 meta l4proto icmp accept" in ingress
    assert not [line for line in ingress if "not-an-address" in line]

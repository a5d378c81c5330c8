"""dnsmasq's files and command line, rendered from a HostState (no process runs)."""

import os

from unit.network import agent_states as api

from sovra_network.agent import dhcp
from sovra_network.agent import state as hs
from sovra_network.agent.settings import AgentSettings

SETTINGS = AgentSettings(host="n1", state_dir="/srv/agent", dhcp_lease_time=600)


def _state(ports, subnets=None, host="n1", serve=True):
    subnets = subnets if subnets is not None else [api.subnet()]
    return hs.HostState.from_api(host, [api.network()], subnets, ports, [],
                                 serve_unbound_dhcp=serve)


def test_hosts_list_every_port_of_the_network_wherever_bound():
    state = _state([api.dhcp_port(), api.port("p-01", "10.0.0.5", host="n1"),
                    api.port("p-02", "10.0.0.6", host="n2"),
                    api.port("p-03", "10.0.0.7", dns_name="web1")])
    assert dhcp.render_hosts(state, api.NET) == (
        "fa:16:3e:00:00:01,host-10-0-0-5,10.0.0.5\n"
        "fa:16:3e:00:00:02,host-10-0-0-6,10.0.0.6\n"
        "fa:16:3e:00:00:03,web1,10.0.0.7\n")


def test_hosts_skip_subnets_without_dhcp_and_bracket_ipv6():
    subnets = [api.subnet(), api.subnet(api.SUB6, cidr="fd00::/64"),
               api.subnet("s-nodhcp", cidr="10.9.0.0/24", enable_dhcp=False)]
    ports = [api.dhcp_port(), api.port("p-01", "10.0.0.5", host="n1"),
             api.port("p-02", "fd00::5", host="n1", sub_id=api.SUB6),
             api.port("p-03", "10.9.0.5", host="n1", sub_id="s-nodhcp")]
    hosts = dhcp.render_hosts(_state(ports, subnets), api.NET)
    assert "fa:16:3e:00:00:01,host-10-0-0-5,10.0.0.5\n" in hosts
    assert "fa:16:3e:00:00:02,host-fd00--5,[fd00::5]\n" in hosts
    assert "10.9.0.5" not in hosts


def test_options_carry_router_dns_and_host_routes_with_the_default_route():
    sub = api.subnet(dns_nameservers=["192.0.2.53", "2001:db8::53"],
                     host_routes=[{"destination": "172.16.0.0/16",
                                   "nexthop": "10.0.0.254"}])
    opts = dhcp.render_opts(_state([api.dhcp_port()], [sub]), api.NET)
    tag = f"tag:subnet-{api.SUB4}"
    assert opts.splitlines() == [
        f"{tag},option:router,10.0.0.1",
        f"{tag},option:dns-server,192.0.2.53",
        f"{tag},option:classless-static-route,172.16.0.0/16,10.0.0.254,"
        "0.0.0.0/0,10.0.0.1",
        f"{tag},249,172.16.0.0/16,10.0.0.254,0.0.0.0/0,10.0.0.1",
    ]


def test_a_subnet_without_gateway_advertises_no_router():
    sub = api.subnet(gateway_ip=None)
    opts = dhcp.render_opts(_state([api.dhcp_port()], [sub]), api.NET)
    assert opts == f"tag:subnet-{api.SUB4},option:router\n"


def test_command_line_static_ranges_lease_time_and_mtu():
    subnets = [api.subnet(), api.subnet(api.SUB6, cidr="fd00::/64")]
    port = api.dhcp_port()
    state = _state([port], subnets)
    argv = dhcp.dnsmasq_argv(SETTINGS, state, api.NET, state.ports[port["id"]])
    folder = f"/srv/agent/{api.NET}"
    assert argv[0] == "dnsmasq"
    assert "--port=0" in argv and "--bind-interfaces" in argv
    assert f"--interface=ns-{port['id'][:11]}" in argv
    assert f"--pid-file={folder}/pid" in argv
    assert f"--dhcp-hostsfile={folder}/host" in argv
    assert f"--dhcp-range=set:subnet-{api.SUB4},10.0.0.0,static,255.255.255.0,600s" in argv
    assert f"--dhcp-option-force=tag:subnet-{api.SUB4},option:mtu,1450" in argv
    assert f"--dhcp-range=set:subnet-{api.SUB6},fd00::,static,64,600s" in argv
    assert not [a for a in argv if "dhcp-range" in a and "static" not in a]


def test_only_networks_with_a_dhcp_port_and_a_dhcp_subnet_are_served():
    ports = [api.dhcp_port(), api.port("p-01", "10.0.0.5", host="n1")]
    assert list(dhcp.served_networks(_state(ports))) == [api.NET]
    no_dhcp = [api.subnet(enable_dhcp=False)]
    assert dhcp.served_networks(_state(ports, no_dhcp)) == {}
    # an unbound DHCP port is served only where the agent serves unbound ones
    assert dhcp.served_networks(_state(ports, serve=False)) == {}


def test_a_pid_file_naming_another_process_is_not_ours(tmp_path):
    (tmp_path / "pid").write_text(str(os.getpid()))
    assert dhcp.running_dnsmasq(str(tmp_path)) is None
    dhcp.stop_dnsmasq(str(tmp_path))  # nothing to stop: this process lives on
    (tmp_path / "pid").write_text("not a pid")
    assert dhcp.running_dnsmasq(str(tmp_path)) is None


def test_slaac_subnets_get_no_dhcpv6():
    subnets = [api.subnet(), api.subnet(api.SUB6, cidr="fd00::/64",
                                        ipv6_address_mode="slaac")]
    port = api.port("p-01", "10.0.0.5", host="n1")
    port["fixed_ips"].append({"subnet_id": api.SUB6, "ip_address": "fd00::5"})
    state = _state([api.dhcp_port(), port], subnets)
    assert [s.id for s in dhcp.dhcp_subnets(state, api.NET)] == [api.SUB4]
    assert "fd00::5" not in dhcp.render_hosts(state, api.NET)
    dhcp_port = state.dhcp_port(api.NET)
    assert not [a for a in dhcp.dnsmasq_argv(SETTINGS, state, api.NET, dhcp_port)
                if "fd00::" in a]

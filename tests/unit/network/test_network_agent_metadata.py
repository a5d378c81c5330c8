"""The metadata proxy's decisions, without sockets: who a source address is on a
network, the headers relayed (signed), the DHCP route to 169.254.169.254, the
options."""

import hashlib
import hmac
import socket

import pytest
from unit.network import agent_states as api

from sovra_network.agent import dhcp, ip_lib, metadata
from sovra_network.agent import settings as agent_settings
from sovra_network.agent import state as hs
from sovra_network.cmd import agent as agent_cmd

SERVER = "0b7e5d1c-3c0e-4d6e-9b1f-6a8e2c7d9f10"
OTHER_SERVER = "7f1a2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b"
PROJECT = "p" * 32


def _state(ports, subnets=None, networks=None):
    subnets = subnets if subnets is not None else [api.subnet()]
    networks = networks or [api.network()]
    return hs.HostState.from_api("n1", networks, subnets, ports, [])


def test_the_signature_is_hex_hmac_sha256_of_the_instance_id():
    expected = hmac.new(b"s3cret", SERVER.encode(), hashlib.sha256).hexdigest()
    assert metadata.sign("s3cret", SERVER) == expected
    assert len(expected) == 64
    assert metadata.sign("other", SERVER) != expected


def test_servers_ports_of_the_network_by_address_wherever_bound():
    state = _state([
        api.dhcp_port(),
        api.port("p-01", "10.0.0.5", host="n1", device_id=SERVER, project_id=PROJECT),
        api.port("p-02", "10.0.0.6", host="n2", device_id=OTHER_SERVER,
                 tenant_id=PROJECT),
        api.port("p-03", "10.0.0.7", device_id=""),                   # no server
        api.port("p-04", "10.0.0.1", device_owner="network:router_interface",
                 device_id="router-1"),
    ])
    assert metadata.instances(state, api.NET) == {
        "10.0.0.5": metadata.Instance(SERVER, PROJECT, "p-01"),
        "10.0.0.6": metadata.Instance(OTHER_SERVER, PROJECT, "p-02"),
    }


def test_another_networks_ports_are_never_seen():
    sub2 = api.subnet("s-2", net_id=api.NET2, cidr="10.0.0.0/24")
    state = _state(
        [api.dhcp_port(),
         api.dhcp_port("d2000000-0000-0000-0000-0000000000d2", net_id=api.NET2),
         api.port("p-01", "10.0.0.5", device_id=SERVER, project_id=PROJECT),
         api.port("p-09", "10.0.0.9", net_id=api.NET2, sub_id="s-2",
                  device_id=OTHER_SERVER, project_id=PROJECT)],
        [api.subnet(), sub2], [api.network(), api.network(api.NET2, vni=8)])
    assert set(metadata.instances(state, api.NET)) == {"10.0.0.5"}
    assert metadata.instances(state, api.NET2) == {
        "10.0.0.9": metadata.Instance(OTHER_SERVER, PROJECT, "p-09")}


def test_relayed_headers_identify_the_instance_and_drop_the_guests_claims():
    instance = metadata.Instance(SERVER, PROJECT, "p-01")
    headers = metadata.relayed_headers(
        [("Accept", "application/json"), ("X-Instance-ID", "forged"),
         ("x-tenant-id", "forged"), ("X-Instance-ID-Signature", "forged"),
         ("X-Forwarded-For", "1.2.3.4"), ("Host", "169.254.169.254"),
         ("Connection", "keep-alive"), ("Content-Length", "0")],
        instance, "10.0.0.5", "s3cret")
    assert headers == {
        "Accept": "application/json", "X-Instance-ID": SERVER, "X-Tenant-ID": PROJECT,
        "X-Instance-ID-Signature": metadata.sign("s3cret", SERVER),
        "X-Forwarded-For": "10.0.0.5"}


def test_dhcp_routes_metadata_via_the_dhcp_port_with_the_default_route():
    state = _state([api.dhcp_port(ip="10.0.0.2")])
    tag = f"tag:subnet-{api.SUB4}"
    assert dhcp.render_opts(state, api.NET, metadata=True).splitlines() == [
        f"{tag},option:router,10.0.0.1",
        f"{tag},option:classless-static-route,169.254.169.254/32,10.0.0.2,"
        "0.0.0.0/0,10.0.0.1",
        f"{tag},249,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1",
    ]
    # without the proxy, no route to it
    assert "169.254" not in dhcp.render_opts(state, api.NET)


def test_metadata_route_comes_after_host_routes_and_yields_to_one_naming_it():
    routes = [{"destination": "172.16.0.0/16", "nexthop": "10.0.0.254"}]
    state = _state([api.dhcp_port(ip="10.0.0.2")], [api.subnet(host_routes=routes)])
    assert (f"tag:subnet-{api.SUB4},option:classless-static-route,172.16.0.0/16,"
            "10.0.0.254,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1") in \
        dhcp.render_opts(state, api.NET, metadata=True).splitlines()
    own = [{"destination": "169.254.169.254/32", "nexthop": "10.0.0.9"}]
    state = _state([api.dhcp_port(ip="10.0.0.2")], [api.subnet(host_routes=own)])
    opts = dhcp.render_opts(state, api.NET, metadata=True)
    assert "169.254.169.254/32,10.0.0.9,0.0.0.0/0,10.0.0.1" in opts
    assert "10.0.0.2" not in opts


def test_ipv6_subnets_get_no_metadata_route():
    state = _state([api.dhcp_port(ip="fd00::2")],
                   [api.subnet(api.SUB4, cidr="fd00::/64")])
    assert "169.254" not in dhcp.render_opts(state, api.NET, metadata=True)


def _conf(**options):
    conf = agent_cmd.COMPONENT.new_conf()
    conf([], default_config_files=[])
    for key, value in options.items():
        conf.set_override(key, value, group="network_agent")
    return conf


def test_options_default_to_no_proxy_and_compute_metadata_on_loopback():
    settings = agent_settings.from_conf(_conf())
    assert settings.metadata_proxy_shared_secret is None
    assert settings.metadata_url == "http://127.0.0.1:8775"
    proxy_less = dhcp.Dhcp(None, settings)
    assert proxy_less.metadata is None


def test_the_secret_turns_the_proxy_on_and_is_never_shown():
    settings = agent_settings.from_conf(_conf(
        metadata_proxy_shared_secret="s3cret", metadata_url="http://10.0.0.1:8775/"))
    assert settings.metadata_proxy_shared_secret == "s3cret"
    assert "s3cret" not in repr(settings)
    layer = dhcp.Dhcp(None, settings)
    try:
        assert isinstance(layer.metadata, metadata.MetadataProxy)
        assert layer.metadata.networks() == set()
    finally:
        layer.close()


def test_a_metadata_url_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="metadata_url"):
        metadata.MetadataProxy("unix:///run/metadata.sock", "s3cret")


def test_a_namespace_made_anew_gets_a_new_listener_and_keeps_its_guests(monkeypatch):
    """serve() per sync: the same namespace keeps its listener (the table is
    replaced); one made anew under the same name gets a new listener, and the
    guests are still known at once."""
    made, ident = [], {"ns": (1, 100)}

    def listen(namespace):
        ours, other = socket.socketpair()  # stands for the namespace's listener
        made.append((namespace, ours, other))
        return ours

    monkeypatch.setattr(metadata, "listen_in_namespace", listen)
    monkeypatch.setattr(ip_lib, "namespace_id", lambda namespace: ident[namespace])
    proxy = metadata.MetadataProxy("http://127.0.0.1:8775", "s3cret")
    first = metadata.Instance(SERVER, PROJECT, "p-01")
    second = metadata.Instance(OTHER_SERVER, PROJECT, "p-02")
    try:
        proxy.serve(api.NET, "ns", {"10.0.0.5": first})
        proxy.serve(api.NET, "ns", {"10.0.0.5": first, "10.0.0.6": second})
        assert len(made) == 1
        assert proxy.lookup(api.NET, "10.0.0.6") == second
        assert proxy.lookup(api.NET2, "10.0.0.6") is None
        ident["ns"] = (1, 200)
        proxy.serve(api.NET, "ns", {"10.0.0.6": second})
        assert len(made) == 2 and made[0][1].fileno() == -1  # the old one closed
        assert proxy.lookup(api.NET, "10.0.0.6") == second
        assert proxy.lookup(api.NET, "10.0.0.5") is None
        proxy.retain(set())
        assert proxy.networks() == set() and made[1][1].fileno() == -1
        assert proxy.lookup(api.NET, "10.0.0.6") is None
    finally:
        proxy.close()
        for _, ours, other in made:
            ours.close()
            other.close()

"""The real `openstack` CLI against routers and floating IPs (kept to a few calls:
~1.7 s each)."""

import json
import shutil

import pytest
from network_cloud import openstack as _cli
from network_cloud import start_cloud

OPENSTACK = shutil.which("openstack")
pytestmark = pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("l3cli"))
    try:
        yield cloud
    finally:
        cloud.stop()


def _json(cloud, *args):
    return json.loads(_cli(cloud, *args, "-f", "json"))


def test_cli_router_and_floating_ip(cloud):
    _cli(cloud, "network", "create", "--external", "public")
    _cli(cloud, "subnet", "create", "--network", "public", "--no-dhcp",
         "--subnet-range", "203.0.113.0/24", "public-v4")
    _cli(cloud, "network", "create", "private")
    subnet = _json(cloud, "subnet", "create", "--network", "private",
                   "--subnet-range", "10.0.0.0/24", "private-v4")

    router = _json(cloud, "router", "create", "--description", "edge", "r1")
    assert router["status"] == "ACTIVE" and router["description"] == "edge"
    _cli(cloud, "router", "set", "--external-gateway", "public", "r1")
    _cli(cloud, "router", "add", "subnet", "r1", "private-v4")
    shown = _json(cloud, "router", "show", "r1")
    gateway = shown["external_gateway_info"]
    assert gateway["enable_snat"] is True
    assert gateway["external_fixed_ips"][0]["ip_address"].startswith("203.0.113.")
    [interface] = [i for i in shown["interfaces_info"]
                   if i["subnet_id"] == subnet["id"]]
    assert interface["ip_address"] == "10.0.0.1"
    assert _cli(cloud, "router", "delete", "r1", ok=False).returncode != 0

    port = _json(cloud, "port", "create", "--network", "private", "vm-port")
    fip = _json(cloud, "floating", "ip", "create", "--description", "web", "public")
    address = fip["floating_ip_address"]
    assert fip["status"] == "DOWN" and fip["description"] == "web"
    _cli(cloud, "floating", "ip", "set", "--port", "vm-port", address)
    shown = _json(cloud, "floating", "ip", "show", address)
    assert shown["port_id"] == port["id"] and shown["router_id"] == router["id"]
    assert shown["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    listed = _json(cloud, "floating", "ip", "list", "--port", "vm-port")
    assert [f["Floating IP Address"] for f in listed] == [address]
    _cli(cloud, "floating", "ip", "unset", "--port", address)
    assert _json(cloud, "floating", "ip", "show", address)["port_id"] is None
    forwarding = _json(cloud, "floating", "ip", "port", "forwarding", "create",
                       "--internal-ip-address", port["fixed_ips"][0]["ip_address"],
                       "--port", "vm-port", "--internal-protocol-port", "22",
                       "--external-protocol-port", "2222", "--protocol", "tcp",
                       address)
    assert forwarding["external_port"] == 2222 and forwarding["internal_port"] == 22
    listed = _json(cloud, "floating", "ip", "port", "forwarding", "list", address)
    assert [f["ID"] for f in listed] == [forwarding["id"]]
    _cli(cloud, "floating", "ip", "delete", address)
    assert _json(cloud, "floating", "ip", "list") == []

    _cli(cloud, "router", "remove", "subnet", "r1", "private-v4")
    _cli(cloud, "router", "unset", "--external-gateway", "r1")
    assert _json(cloud, "router", "show", "r1")["external_gateway_info"] is None
    _cli(cloud, "router", "delete", "r1")
    assert _json(cloud, "router", "list") == []

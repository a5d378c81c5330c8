"""The real `openstack` CLI against the network API and real identity (kept to a
few calls: ~1.7 s each)."""

import json
import shutil

import pytest
from network_cloud import openstack as _cli
from network_cloud import start_cloud

OPENSTACK = shutil.which("openstack")
pytestmark = pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_cloud(tmp_path_factory.mktemp("netcli"))
    try:
        yield cloud
    finally:
        cloud.stop()


def _json(cloud, *args):
    return json.loads(_cli(cloud, *args, "-f", "json"))


def test_cli_network_subnet_port_security_group(cloud):
    net = _json(cloud, "network", "create", "--description", "from the CLI",
                "--tag", "cli", "cli-net")
    assert net["name"] == "cli-net" and net["status"] == "ACTIVE"
    assert net["tags"] == ["cli"]
    subnet = _json(cloud, "subnet", "create", "--network", "cli-net",
                   "--subnet-range", "172.16.5.0/24", "--gateway", "172.16.5.254",
                   "--allocation-pool", "start=172.16.5.10,end=172.16.5.20",
                   "--dns-nameserver", "192.0.2.1", "cli-subnet")
    assert subnet["gateway_ip"] == "172.16.5.254"
    assert subnet["allocation_pools"] == [{"start": "172.16.5.10", "end": "172.16.5.20"}]

    group = _json(cloud, "security", "group", "create", "cli-sg")
    rule = _json(cloud, "security", "group", "rule", "create", "--protocol", "icmp",
                 "--ingress", "--remote-ip", "10.0.0.0/8", group["id"])
    assert rule["protocol"] == "icmp" and rule["remote_ip_prefix"] == "10.0.0.0/8"

    port = _json(cloud, "port", "create", "--network", "cli-net", "--fixed-ip",
                 "subnet=cli-subnet,ip-address=172.16.5.15", "--security-group",
                 "cli-sg", "cli-port")
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"],
                                  "ip_address": "172.16.5.15"}]
    assert port["security_group_ids"] == [group["id"]]

    _cli(cloud, "port", "set", "--name", "renamed", "--host", "node7", "cli-port")
    shown = _json(cloud, "port", "show", "renamed")
    assert shown["binding_host_id"] == "node7" and shown["binding_vif_type"] == "bridge"
    listed = _json(cloud, "port", "list", "--network", "cli-net", "--long")
    assert sorted(p["Fixed IP Addresses"][0]["ip_address"] for p in listed) == \
        ["172.16.5.10", "172.16.5.15"]  # the DHCP port, and ours

    taken = _cli(cloud, "port", "create", "--network", "cli-net", "--fixed-ip",
                 "ip-address=172.16.5.15", "again", ok=False)
    assert taken.returncode != 0 and "already allocated" in taken.stderr

    _cli(cloud, "network", "set", "--name", "cli-net2", "cli-net")
    nets = _json(cloud, "network", "list")
    assert [(n["Name"], n["Subnets"]) for n in nets] == [("cli-net2", [subnet["id"]])]

    _cli(cloud, "port", "delete", "renamed")
    _cli(cloud, "security", "group", "delete", "cli-sg")
    _cli(cloud, "subnet", "delete", "cli-subnet")
    _cli(cloud, "network", "delete", "cli-net2")
    assert _json(cloud, "network", "list") == []

"""``sovra network|subnet|port|router|floating ip|security group ...`` run as the
installed ``sovra`` console script against the CLI cloud (identity, image,
placement from conftest) plus the network API started here in this process as
sovra-allinone starts it (its own ConfigOpts, SQLite file and bus), with real
identity, in the catalog as ``network``. No agent: these are API-level flows."""

import json
import subprocess
import uuid

import cli_services
import pytest
import requests

from sovra_common import conf as sovra_conf
from sovra_common import process
from sovra_common.cmd import manage
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE as IDENTITY_DB

NEUTRON_PASSWORD = "svc-neutron-pw"
SOVRA = cli_services.SOVRA


def sovra(cloud, *args, user="admin", expect=0, env=None):
    """The installed ``sovra`` as ``user`` of the cloud's clouds.yaml."""
    return cloud.sovra(*args, cloud=user, expect=expect, env=env)


def sovra_json(cloud, *args, **kwargs):
    return json.loads(sovra(cloud, *args, "-f", "json", **kwargs).stdout)


@pytest.fixture(scope="module")
def network(cloud):
    """The network API next to the CLI cloud; yields the process's resources (its
    coordinator is where network agents heartbeat)."""
    from sovra_network.cmd import api as network_api
    from sovra_network.db import DATABASE as NETWORK_DB

    tmp = cloud.tmp / "network"
    tmp.mkdir()
    port = cli_services.free_port()
    url = f"http://127.0.0.1:{port}"
    common, id_file = cloud.tmp / "sovra.conf", cloud.tmp / "sovra-identity.conf"
    assert manage.main(["--config-file", str(common), "--config-file", str(id_file),
                        "identity", "register-service", "--type", "network", "--name",
                        "neutron", "--region", "RegionOne", "--public-url", url,
                        "--user", "neutron", "--password", NEUTRON_PASSWORD],
                       services=[IDENTITY_DB], commands=identity_manage.COMMANDS) == 0
    conf_file = tmp / "sovra-network.conf"
    conf_file.write_text(
        f"[api]\nbind_host = 127.0.0.1\nbind_port = {port}\n"
        f"[database]\nconnection = sqlite:///{tmp / 'network.db'}\n"
        f"[messaging]\ntransport_url = sovra-inproc:///cli-network-{uuid.uuid4().hex}\n"
        "[auth]\nidentity_interface = public\n"
        "[service_auth]\nauth_type = password\n"
        f"auth_url = {cloud.auth_url}\nusername = neutron\n"
        f"password = {NEUTRON_PASSWORD}\nuser_domain_id = default\n"
        "project_name = service\nproject_domain_id = default\n")
    assert manage.main(["--config-file", str(conf_file), "network", "db", "sync"],
                       services=[NETWORK_DB], commands=[]) == 0
    conf = network_api.COMPONENT.new_conf()
    sovra_conf.load(conf, "sovra", args=[], config_files=[str(common), str(conf_file)])
    resources = process.ProcessResources(conf).start()
    try:
        handle = network_api.COMPONENT.start(conf, resources)
        try:
            yield resources
        finally:
            handle.stop()
    finally:
        resources.stop()
        _deregister(cloud, "network")


def _deregister(cloud, service_type: str) -> None:
    """Take the service (and its endpoints) out of the session's catalog: the
    modules after this one must not find an API that is gone."""
    headers = cli_services.admin_headers(cloud)
    services = requests.get(f"{cloud.auth_url}/services", params={"type": service_type},
                            headers=headers, timeout=30).json()["services"]
    for service in [s for s in services if s["type"] == service_type]:
        resp = requests.delete(f"{cloud.auth_url}/services/{service['id']}",
                               headers=headers, timeout=30)
        assert resp.status_code == 204, resp.text


def test_help_explains_network_commands(cloud):
    top = subprocess.run([str(SOVRA), "--help"], capture_output=True, text=True,
                         timeout=60, env=cloud.env())
    assert top.returncode == 0
    for name in ("network create", "subnet set", "port create", "router add subnet",
                 "router unset", "floating ip create", "floating ip unset",
                 "security group rule create", "subnet pool create",
                 "floating ip port forwarding create"):
        assert name in top.stdout, name
    create = sovra(cloud, "subnet", "create", "--help", user=None)
    for option in ("--network", "--subnet-range", "--gateway", "--no-gateway", "--dhcp",
                   "--no-dhcp", "--dns-nameserver", "--allocation-pool", "--host-route",
                   "--ip-version"):
        assert option in create.stdout, option
    rule = sovra(cloud, "security", "group", "rule", "create", "--help", user=None)
    for option in ("--protocol", "--dst-port", "--remote-ip", "--remote-group",
                   "--ingress", "--egress", "--ethertype"):
        assert option in rule.stdout, option


def test_network_flow(cloud, network):
    # an external network (admin: provider segment), a private one, their subnets
    public = sovra_json(cloud, "network", "create", "--external",
                        "--provider-network-type", "flat",
                        "--provider-physical-network", "physnet1", "cli-public")
    assert public["router:external"] is True
    assert (public["provider:network_type"], public["provider:physical_network"]) == \
        ("flat", "physnet1")
    sovra(cloud, "subnet", "create", "--network", "cli-public", "--no-dhcp",
          "--subnet-range", "203.0.113.0/24",
          "--allocation-pool", "start=203.0.113.10,end=203.0.113.50", "cli-public-v4")
    private = sovra_json(cloud, "network", "create", "--mtu", "1400", "--tag", "blue",
                         "--description", "the app's", "cli-private")
    assert (private["mtu"], private["tags"], private["description"]) == \
        (1400, ["blue"], "the app's")
    assert private["router:external"] is False and private["shared"] is False
    subnet = sovra_json(cloud, "subnet", "create", "--network", "cli-private",
                        "--subnet-range", "10.10.0.0/24",
                        "--dns-nameserver", "10.10.0.2", "--dns-nameserver", "10.10.0.3",
                        "--host-route", "destination=192.168.0.0/24,gateway=10.10.0.254",
                        "cli-private-v4")
    assert (subnet["network_id"], subnet["gateway_ip"], subnet["enable_dhcp"],
            subnet["ip_version"]) == (private["id"], "10.10.0.1", True, 4)
    assert subnet["dns_nameservers"] == ["10.10.0.2", "10.10.0.3"]
    assert subnet["host_routes"] == [{"destination": "192.168.0.0/24",
                                      "nexthop": "10.10.0.254"}]
    sovra(cloud, "subnet", "set", "--no-dhcp", "--dns-nameserver", "10.10.0.4",
          "--name", "cli-private-v4b", "cli-private-v4")
    sovra(cloud, "subnet", "unset", "--dns-nameserver", "10.10.0.3", "--host-route",
          "destination=192.168.0.0/24,gateway=10.10.0.254", "cli-private-v4b")
    changed = sovra_json(cloud, "subnet", "show", subnet["id"])
    assert (changed["name"], changed["enable_dhcp"], changed["dns_nameservers"],
            changed["host_routes"]) == \
        ("cli-private-v4b", False, ["10.10.0.2", "10.10.0.4"], [])
    assert sovra(cloud, "subnet", "show", "cli-private-v4b", "-f", "value", "-c",
                 "cidr").stdout == "10.10.0.0/24\n"
    listed = sovra_json(cloud, "subnet", "list", "--network", "cli-private")
    assert listed == [{"ID": subnet["id"], "Name": "cli-private-v4b",
                       "Network": private["id"], "Subnet": "10.10.0.0/24"}]
    externals = sovra_json(cloud, "network", "list", "--external")
    assert [n["Name"] for n in externals] == ["cli-public"]
    sovra(cloud, "network", "set", "--name", "cli-app", "--no-tag", "--tag", "green",
          "cli-private")
    shown = sovra_json(cloud, "network", "show", "cli-app")
    assert (shown["id"], shown["tags"], shown["subnets"]) == \
        (private["id"], ["green"], [subnet["id"]])

    # a router: gateway on the external network, the private subnet as interface
    router = sovra_json(cloud, "router", "create", "--description", "edge", "cli-r1")
    assert (router["status"], router["external_gateway_info"]) == ("ACTIVE", None)
    sovra(cloud, "router", "set", "--external-gateway", "cli-public", "cli-r1")
    sovra(cloud, "router", "add", "subnet", "cli-r1", "cli-private-v4b")
    shown = sovra_json(cloud, "router", "show", "cli-r1")
    gateway = shown["external_gateway_info"]
    assert (gateway["network_id"], gateway["enable_snat"]) == (public["id"], True)
    [external_ip] = gateway["external_fixed_ips"]
    assert external_ip["ip_address"].startswith("203.0.113.")
    assert 10 <= int(external_ip["ip_address"].rsplit(".", 1)[1]) <= 50
    [interface] = shown["interfaces_info"]
    assert (interface["subnet_id"], interface["ip_address"]) == \
        (subnet["id"], "10.10.0.1")
    sovra(cloud, "router", "set", "--disable-snat", "--route",
          "destination=172.16.0.0/24,gateway=10.10.0.254", "cli-r1")
    shown = sovra_json(cloud, "router", "show", router["id"])
    assert shown["external_gateway_info"]["enable_snat"] is False
    assert shown["routes"] == [{"destination": "172.16.0.0/24",
                                "nexthop": "10.10.0.254"}]
    sovra(cloud, "router", "unset", "--route",
          "destination=172.16.0.0/24,gateway=10.10.0.254", "cli-r1")
    assert sovra_json(cloud, "router", "show", "cli-r1")["routes"] == []
    in_use = sovra(cloud, "router", "delete", "cli-r1", expect=1)
    assert in_use.stderr.startswith("Error: HTTP 409 Conflict: ")
    assert "(request id req-" in in_use.stderr and len(in_use.stderr.splitlines()) == 1

    # a security group with a rule, a port in it
    group = sovra_json(cloud, "security", "group", "create", "--description", "web",
                       "cli-web")
    assert {r["direction"] for r in group["security_group_rules"]} == {"egress"}
    rule = sovra_json(cloud, "security", "group", "rule", "create", "--protocol", "tcp",
                      "--dst-port", "80:81", "--remote-ip", "198.51.100.0/24", "cli-web")
    assert (rule["security_group_id"], rule["direction"], rule["ethertype"],
            rule["protocol"], rule["port_range_min"], rule["port_range_max"],
            rule["remote_ip_prefix"]) == \
        (group["id"], "ingress", "IPv4", "tcp", 80, 81, "198.51.100.0/24")
    rules = sovra_json(cloud, "security", "group", "rule", "list", "--ingress", "cli-web")
    assert rules == [{"ID": rule["id"], "IP Protocol": "tcp", "Ethertype": "IPv4",
                      "IP Range": "198.51.100.0/24", "Port Range": "80:81",
                      "Direction": "ingress", "Remote Security Group": None,
                      "Security Group": group["id"]}]
    table = sovra(cloud, "security", "group", "show", "cli-web").stdout
    assert "ingress IPv4 tcp 80:81 from 198.51.100.0/24" in table

    port = sovra_json(cloud, "port", "create", "--network", "cli-app",
                      "--fixed-ip", "subnet=cli-private-v4b,ip-address=10.10.0.20",
                      "--security-group", "cli-web", "cli-p1")
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.10.0.20"}]
    assert port["security_groups"] == [group["id"]]
    table = sovra(cloud, "port", "list", "--network", "cli-app").stdout
    [row] = [line for line in table.splitlines() if "cli-p1" in line]
    assert "ip_address='10.10.0.20'" in row and port["mac_address"] in row
    sovra(cloud, "port", "set", "--no-security-group", "--description", "db",
          "--fixed-ip", "ip-address=10.10.0.21", "cli-p1")
    shown = sovra_json(cloud, "port", "show", port["id"])
    assert (shown["security_groups"], shown["description"]) == ([], "db")
    assert [f["ip_address"] for f in shown["fixed_ips"]] == ["10.10.0.20", "10.10.0.21"]

    # a floating IP: associated at creation, disassociated, associated again
    fip = sovra_json(cloud, "floating", "ip", "create", "--port", "cli-p1",
                     "--fixed-ip-address", "10.10.0.20", "cli-public")
    address = fip["floating_ip_address"]
    assert (fip["port_id"], fip["fixed_ip_address"], fip["router_id"]) == \
        (port["id"], "10.10.0.20", router["id"])
    sovra(cloud, "floating", "ip", "unset", "--port", address)
    shown = sovra_json(cloud, "floating", "ip", "show", address)
    assert (shown["id"], shown["port_id"], shown["status"]) == (fip["id"], None, "DOWN")
    # while unassociated, it may forward ports instead
    forwarding = sovra_json(cloud, "floating", "ip", "port", "forwarding", "create",
                            "--port", "cli-p1", "--internal-protocol-port", "22",
                            "--external-protocol-port", "2222", "--protocol", "tcp",
                            address)
    assert (forwarding["internal_ip_address"], forwarding["internal_port_id"],
            forwarding["internal_port"], forwarding["external_port"]) == \
        ("10.10.0.20", port["id"], 22, 2222)
    listed = sovra_json(cloud, "floating", "ip", "port", "forwarding", "list", fip["id"])
    assert [(f["ID"], f["External Port"]) for f in listed] == [(forwarding["id"], 2222)]
    sovra(cloud, "floating", "ip", "port", "forwarding", "set", "--external-protocol-port",
          "2223", "--description", "ssh", address, forwarding["id"])
    shown = sovra_json(cloud, "floating", "ip", "port", "forwarding", "show", address,
                       forwarding["id"])
    assert (shown["external_port"], shown["description"]) == (2223, "ssh")
    assert "| ssh " in sovra(cloud, "floating", "ip", "port", "forwarding", "list",
                             address).stdout
    sovra(cloud, "floating", "ip", "port", "forwarding", "delete", address,
          forwarding["id"])
    sovra(cloud, "floating", "ip", "set", "--port", "cli-p1", "--fixed-ip-address",
          "10.10.0.21", address)
    listed = sovra_json(cloud, "floating", "ip", "list", "--port", "cli-p1")
    assert [(f["ID"], f["Floating IP Address"], f["Fixed IP Address"]) for f in listed] \
        == [(fip["id"], address, "10.10.0.21")]

    # and everything away again, by name
    sovra(cloud, "floating", "ip", "delete", address)
    sovra(cloud, "port", "unset", "--fixed-ip", "ip-address=10.10.0.21", "cli-p1")
    sovra(cloud, "network", "unset", "--tag", "green", "cli-app")
    assert [f["ip_address"] for f in sovra_json(cloud, "port", "show", "cli-p1")[
        "fixed_ips"]] == ["10.10.0.20"]
    assert sovra_json(cloud, "network", "show", "cli-app")["tags"] == []
    sovra(cloud, "port", "delete", "cli-p1")
    sovra(cloud, "security", "group", "rule", "delete", rule["id"])
    sovra(cloud, "security", "group", "set", "--description", "webs", "cli-web")
    assert {"Name": "cli-web", "Description": "webs"}.items() <= next(
        g for g in sovra_json(cloud, "security", "group", "list")
        if g["Name"] == "cli-web").items()
    assert "| webs " in sovra(cloud, "security", "group", "list").stdout
    sovra(cloud, "security", "group", "delete", "cli-web")
    sovra(cloud, "router", "remove", "subnet", "cli-r1", "cli-private-v4b")
    # a port as the router's interface instead: removing it deletes it
    other = sovra_json(cloud, "port", "create", "--network", "cli-app", "--fixed-ip",
                       "ip-address=10.10.0.30", "cli-p2")
    sovra(cloud, "router", "add", "port", "cli-r1", "cli-p2")
    assert sovra_json(cloud, "router", "show", "cli-r1")["interfaces_info"] == \
        [{"port_id": other["id"], "subnet_id": subnet["id"], "ip_address": "10.10.0.30"}]
    router_ports = sovra_json(cloud, "port", "list", "--router", "cli-r1", "--long")
    assert sorted(p["Device Owner"] for p in router_ports) == \
        ["network:router_gateway", "network:router_interface"]
    sovra(cloud, "router", "remove", "port", "cli-r1", "cli-p2")
    sovra(cloud, "port", "show", other["id"], expect=1)
    sovra(cloud, "router", "unset", "--external-gateway", "cli-r1")
    assert sovra_json(cloud, "router", "show", "cli-r1")["external_gateway_info"] is None
    sovra(cloud, "router", "delete", "cli-r1")
    # a subnet whose range comes from a subnet pool
    pool = sovra_json(cloud, "subnet", "pool", "create", "--pool-prefix",
                      "10.200.0.0/16", "--default-prefix-length", "26", "cli-pool")
    assert (pool["prefixes"], pool["default_prefixlen"], pool["ip_version"]) == \
        (["10.200.0.0/16"], 26, 4)
    pooled = sovra_json(cloud, "subnet", "create", "--network", "cli-app",
                        "--subnet-pool", "cli-pool", "cli-pooled")
    assert (pooled["cidr"], pooled["subnetpool_id"]) == ("10.200.0.0/26", pool["id"])
    sovra(cloud, "subnet", "pool", "set", "--default-prefix-length", "27",
          "--description", "pooled", "cli-pool")
    shown = sovra_json(cloud, "subnet", "pool", "show", "cli-pool")
    assert (shown["default_prefixlen"], shown["description"]) == (27, "pooled")
    assert [p["Name"] for p in sovra_json(cloud, "subnet", "pool", "list")] == ["cli-pool"]
    assert "| 10.200.0.0/16 " in sovra(cloud, "subnet", "pool", "list").stdout
    sovra(cloud, "subnet", "delete", "cli-private-v4b", "cli-public-v4", "cli-pooled")
    sovra(cloud, "subnet", "pool", "delete", "cli-pool")
    sovra(cloud, "network", "delete", "cli-app", "cli-public")
    assert sovra_json(cloud, "floating", "ip", "list") == []
    assert sovra_json(cloud, "router", "list") == []
    assert [n for n in sovra_json(cloud, "network", "list")
            if n["Name"].startswith("cli-")] == []


def _member_env(cloud) -> dict:
    """OS_* for a member of a new project ``cli-net-member``."""
    headers = cli_services.admin_headers(cloud)

    def post(path, body):
        resp = requests.post(f"{cloud.auth_url}/{path}", json=body, headers=headers,
                             timeout=30)
        assert resp.status_code == 201, resp.text
        return resp.json()

    project = post("projects", {"project": {"name": "cli-net-member",
                                            "domain_id": "default"}})["project"]
    user = post("users", {"user": {"name": "cli-net-user", "password": "cli-net-pw",
                                   "domain_id": "default"}})["user"]
    roles = requests.get(f"{cloud.auth_url}/roles", params={"name": "member"},
                         headers=headers, timeout=30).json()["roles"]
    resp = requests.put(f"{cloud.auth_url}/projects/{project['id']}/users/{user['id']}"
                        f"/roles/{roles[0]['id']}", headers=headers, timeout=30)
    assert resp.status_code == 204, resp.text
    return cloud.env(OS_AUTH_URL=cloud.auth_url, OS_USERNAME="cli-net-user",
                     OS_PASSWORD="cli-net-pw", OS_PROJECT_NAME="cli-net-member",
                     OS_USER_DOMAIN_ID="default", OS_PROJECT_DOMAIN_ID="default",
                     OS_REGION_NAME="RegionOne", OS_IDENTITY_API_VERSION="3")


def test_names_errors_and_exit_codes(cloud, network):
    import yaml

    gone = sovra(cloud, "network", "show", "cli-nope", expect=1)
    assert gone.stdout == ""
    assert gone.stderr == "Error: No network with a name or id of 'cli-nope'.\n"
    assert sovra(cloud, "floating", "ip", "show", "192.0.2.99", expect=1).stderr == \
        "Error: No floating IP with an address or id of '192.0.2.99'.\n"

    # names resolve within what the caller sees: the member sees its own network
    # only, the admin all three of that name
    first = sovra_json(cloud, "network", "create", "cli-dup")
    second = sovra_json(cloud, "network", "create", "cli-dup")
    member = _member_env(cloud)
    own = sovra_json(cloud, "network", "create", "cli-dup", user=None, env=member)
    assert sovra_json(cloud, "network", "show", "cli-dup", user=None,
                      env=member)["id"] == own["id"]
    shown = yaml.safe_load(sovra(cloud, "network", "show", "cli-dup", "-f", "yaml",
                                 user=None, env=member).stdout)
    assert (shown["id"], shown["project_id"]) == (own["id"], own["project_id"])
    csv = sovra(cloud, "network", "list", "-f", "csv", "-c", "ID", "-c", "Name",
                user=None, env=member).stdout
    assert csv == f'"ID","Name"\n"{own["id"]}","cli-dup"\n'
    # an admin names a project by name: to list its resources, to create in it
    assert [n["ID"] for n in sovra_json(cloud, "network", "list", "--project",
                                        "cli-net-member")] == [own["id"]]
    made = sovra_json(cloud, "router", "create", "--project", "cli-net-member",
                      "cli-proj-r")
    assert made["project_id"] == own["project_id"]
    sovra(cloud, "router", "delete", "cli-proj-r", user=None, env=member)
    several = sovra(cloud, "network", "show", "cli-dup", expect=1)
    assert several.stderr == \
        "Error: More than one network has the name 'cli-dup'; use its id.\n"
    # the API's refusal: one line with status, message and request id
    refused = sovra(cloud, "network", "create", "--external", "cli-ext", user=None,
                    env=member, expect=1)
    assert refused.stderr.startswith("Error: HTTP 403 Forbidden: ")
    assert "(request id req-" in refused.stderr and len(refused.stderr.splitlines()) == 1
    bad = sovra(cloud, "subnet", "create", "--network", own["id"], "--subnet-range",
                "10.0.0.0/33", "cli-bad", user=None, env=member, expect=1)
    assert bad.stderr.startswith("Error: HTTP 400 Bad Request: ")
    assert "10.0.0.0/33" in bad.stderr and "(request id req-" in bad.stderr
    assert sovra(cloud, "floating", "ip", "create", "--fixed-ip-address", "10.0.0.5",
                 "cli-dup", expect=1).stderr == \
        "Error: --fixed-ip-address goes with --port.\n"

    # usage errors: exit 2, nothing sent
    pool = sovra(cloud, "subnet", "create", "--network", "cli-dup", "--subnet-range",
                 "10.0.0.0/24", "--allocation-pool", "start=10.0.0.5", "cli-s",
                 expect=2)
    assert "end required" in pool.stderr
    assert "80:http" in sovra(cloud, "security", "group", "rule", "create",
                              "--dst-port", "80:http", "default", expect=2).stderr
    sovra(cloud, "router", "add", "subnet", "cli-r", expect=2)
    sovra(cloud, "port", "create", "cli-p", expect=2)             # --network missing
    sovra(cloud, "network", "create", "--share", "--no-share", "cli-x", expect=2)
    assert sovra_json(cloud, "subnet", "list", "--name", "cli-s") == []

    # several names, one unknown: the others are done, then one summary error
    partial = sovra(cloud, "network", "delete", first["id"], "cli-nope", second["id"],
                    expect=1)
    assert partial.stderr.splitlines() == [
        "cli-nope: Error: No network with a name or id of 'cli-nope'.",
        "Error: 1 of 3 networks failed"]
    sovra(cloud, "network", "delete", "cli-dup", user=None, env=member)
    assert [n for n in sovra_json(cloud, "network", "list")
            if n["Name"] == "cli-dup"] == []


def test_network_agents(cloud, network):
    """An agent is listed alive while it heartbeats in the API's coordination group,
    as sovra-network-agent does (agent/service.py); once it left, not alive until
    deleted."""
    data = {"host": "cli-node1", "agent_type": "Linux bridge agent",
            "tunneling_ip": "192.0.2.11", "serve_unbound_dhcp": True}
    network.coordinator.heartbeat("network-agents", "cli-node1", data, ttl=60)
    try:
        [row] = sovra_json(cloud, "network", "agent", "list", "--host", "cli-node1")
        assert (row["Host"], row["Agent Type"], row["Alive"], row["State"]) == \
            ("cli-node1", "Linux bridge agent", True, "UP")
        shown = sovra_json(cloud, "network", "agent", "show", "cli-node1")
        assert shown["id"] == row["ID"]
        assert shown["configurations"]["tunneling_ip"] == "192.0.2.11"
    finally:
        network.coordinator.leave("network-agents", "cli-node1")
    [row] = sovra_json(cloud, "network", "agent", "list", "--host", "cli-node1")
    assert (row["Alive"], row["State"]) == (False, "UP")
    status = json.loads(sovra(cloud, "status", "-f", "json", expect=None).stdout)
    [agent_row] = [r for r in status if r["Name"] == "cli-node1"]
    assert (agent_row["Service"], agent_row["Status"].split(" (")[0]) == \
        ("network agent", "down")
    sovra(cloud, "network", "agent", "set", "cli-node1", "--disable",
          "--description", "gone for repairs")
    shown = sovra_json(cloud, "network", "agent", "show", row["ID"])
    assert (shown["alive"], shown["admin_state_up"], shown["description"]) == \
        (False, False, "gone for repairs")
    sovra(cloud, "network", "agent", "delete", "cli-node1")
    assert sovra_json(cloud, "network", "agent", "list", "--host", "cli-node1") == []

"""``sovra credential|limit|registered limit|implied role ...`` (identity), ``ip
availability`` and ``extension list`` (network), ``volume attachment`` and ``volume
backend pool list`` (block storage), the lookup and API errors of the network and
volume groups, run as the installed ``sovra`` console script
against the CLI cloud: json and table output, exit codes 0, 1 (API error, one line)
and 2 (usage error). Every test removes what it made: the cloud is shared."""

import re
import uuid

import cli_services
import pytest
import requests
from cli_output import error_line


def test_credential_create_list_show_delete(sv):
    cred = sv.json("credential", "create", "admin", '{"access": "a1", "secret": "s1"}',
                   "--type", "ec2", "--project", "admin")
    assert cred["type"] == "ec2" and cred["blob"] == '{"access": "a1", "secret": "s1"}'
    assert cred["project_id"] and cred["user_id"]
    listed = sv.json("credential", "list", "--type", "ec2")
    assert [c["ID"] for c in listed] == [cred["id"]]
    assert listed[0]["Data"] == cred["blob"]
    assert "| User ID" in sv.sovra("credential", "list").stdout
    assert sv.json("credential", "show", cred["id"])["user_id"] == cred["user_id"]
    sv.sovra("credential", "delete", cred["id"])
    assert error_line(sv.sovra("credential", "show", cred["id"], expect=1)).startswith(
        "Error: HTTP 404 Not Found: ")
    assert "usage:" in sv.sovra("credential", "create", "admin", expect=2).stderr


def test_registered_limit_and_limit(sv):
    reg = sv.json("registered", "limit", "create", "cli-widgets", "--service", "identity",
                  "--default-limit", "5", "--description", "widgets")
    try:
        assert (reg["resource_name"], reg["default_limit"]) == ("cli-widgets", 5)
        assert [r["ID"] for r in sv.json("registered", "limit", "list", "--resource-name",
                                         "cli-widgets")] == [reg["id"]]
        assert sv.json("registered", "limit", "set", reg["id"],
                       "--default-limit", "7")["default_limit"] == 7
        assert sv.json("registered", "limit", "show", reg["id"])["default_limit"] == 7
        assert "| Default Limit" in sv.sovra("registered", "limit", "list").stdout

        lim = sv.json("limit", "create", "cli-widgets", "--project", "admin",
                      "--service", "identity", "--resource-limit", "9")
        assert lim["resource_limit"] == 9 and lim["project_id"]
        listed = sv.json("limit", "list", "--project", "admin")
        assert {"ID": lim["id"], "Resource Limit": 9}.items() <= \
            next(row for row in listed if row["ID"] == lim["id"]).items()
        assert sv.json("limit", "set", lim["id"], "--resource-limit",
                       "11")["resource_limit"] == 11
        assert "| resource_limit | 11" in sv.sovra("limit", "show", lim["id"]).stdout
        # a limit of a resource nobody registered: the API says no
        assert error_line(sv.sovra("limit", "create", "cli-nothing", "--project", "admin",
                                   "--service", "identity", "--resource-limit", "1",
                                   expect=1)).startswith("Error: HTTP 4")
        assert error_line(sv.sovra("limit", "set", lim["id"], expect=1)).startswith(
            "Error: nothing to change")
        sv.sovra("limit", "delete", lim["id"])
        assert error_line(sv.sovra("limit", "show", lim["id"], expect=1)).startswith(
            "Error: HTTP 404 Not Found: ")
        assert "usage:" in sv.sovra("limit", "create", "x", "--project", "admin",
                                    expect=2).stderr
    finally:
        sv.sovra("registered", "limit", "delete", reg["id"])
    assert sv.json("registered", "limit", "list", "--resource-name", "cli-widgets") == []


def test_implied_role_create_list_delete(sv):
    sv.sovra("role", "create", "cli-prior")
    sv.sovra("role", "create", "cli-implied")
    try:
        rule = sv.json("implied", "role", "create", "cli-prior", "--implied-role",
                       "cli-implied")
        assert rule["prior_role"] and rule["implies"] and rule["prior_role"] != \
            rule["implies"]
        rows = sv.json("implied", "role", "list")
        assert {"Prior Role ID": rule["prior_role"], "Prior Role Name": "cli-prior",
                "Implied Role ID": rule["implies"],
                "Implied Role Name": "cli-implied"} in rows
        assert "| Prior Role Name" in sv.sovra("implied", "role", "list").stdout
        sv.sovra("implied", "role", "delete", "cli-prior", "--implied-role", "cli-implied")
        assert rule["prior_role"] not in {
            r["Prior Role ID"] for r in sv.json("implied", "role", "list")}
        assert error_line(sv.sovra("implied", "role", "delete", "cli-prior", "--implied-role",
                                   "cli-implied", expect=1)).startswith("Error: HTTP 404")
        assert "usage:" in sv.sovra("implied", "role", "create", "cli-prior",
                                    expect=2).stderr
    finally:
        sv.sovra("role", "delete", "cli-prior", "cli-implied")


def test_role_add_remove_system_group_inherited(sv):
    user = sv.json("user", "create", "cli-sys-user", "--password", "sys-user-pw-1")
    group = sv.json("group", "create", "cli-inh-group")
    sv.sovra("role", "create", "cli-grant")
    try:
        sv.sovra("role", "add", "cli-grant", "--user", "cli-sys-user", "--system", "all")
        sv.sovra("role", "add", "cli-grant", "--group", "cli-inh-group", "--domain",
                 "default", "--inherited")
        rows = sv.json("role", "assignment", "list", "--role", "cli-grant")
        assert sorted((r["User"], r["Group"], r["Domain"], r["System"], r["Inherited"])
                      for r in rows) == sorted([
            (user["id"], "", "", "all", False),
            ("", group["id"], "default", "", True)])
        assert error_line(sv.sovra("role", "add", "cli-grant", "--user", "cli-sys-user",
                                   "--system", "all", "--inherited", expect=1)) == \
            "Error: --inherited goes with --project or --domain"
        assert "usage:" in sv.sovra("role", "add", "cli-grant", "--user", "cli-sys-user",
                                    expect=2).stderr
        assert "usage:" in sv.sovra("role", "add", "cli-grant", "--user", "cli-sys-user",
                                    "--group", "g", "--system", "all", expect=2).stderr
        sv.sovra("role", "remove", "cli-grant", "--user", "cli-sys-user", "--system",
                 "all")
        sv.sovra("role", "remove", "cli-grant", "--group", "cli-inh-group", "--domain",
                 "default", "--inherited")
        assert sv.json("role", "assignment", "list", "--role", "cli-grant") == []
    finally:
        sv.sovra("role", "delete", "cli-grant")
        sv.sovra("group", "delete", "cli-inh-group")
        sv.sovra("user", "delete", "cli-sys-user")


@pytest.fixture(scope="module")
def extra(cloud):
    """Block storage and the network API next to the CLI cloud."""
    with cli_services.started(cloud, block=True, network=True) as services:
        yield services


def test_ip_availability_list_show(extra):
    net = extra.json("network", "create", "cli-ipa-net")
    try:
        extra.json("subnet", "create", "--network", "cli-ipa-net", "--subnet-range",
                   "10.9.0.0/29", "cli-ipa-sub")
        shown = extra.json("ip", "availability", "show", "cli-ipa-net")
        # 10.9.0.0/29: .1 the gateway, .2-.6 the pool
        assert (shown["network_id"], shown["total_ips"]) == (net["id"], 5)
        used = shown["used_ips"]
        assert [s["cidr"] for s in shown["subnet_ip_availability"]] == ["10.9.0.0/29"]
        extra.json("port", "create", "--network", "cli-ipa-net", "cli-ipa-port")
        rows = extra.json("ip", "availability", "list", "--ip-version", "4")
        assert {"Network ID": net["id"], "Network Name": "cli-ipa-net",
                "Total IPs": 5, "Used IPs": used + 1} in rows
        assert net["id"] not in {r["Network ID"] for r in extra.json(
            "ip", "availability", "list", "--ip-version", "6")}
        table = extra.sovra("ip", "availability", "list").stdout
        assert "| Network ID" in table and "| Used IPs" in table and "cli-ipa-net" in table
        assert error_line(extra.sovra("ip", "availability", "show", "no-such-net",
                                      expect=1)) == \
            "Error: No network with a name or id of 'no-such-net'."
        assert "usage:" in extra.sovra("ip", "availability", "list", "--ip-version", "5",
                                       expect=2).stderr
    finally:
        extra.sovra("port", "delete", "cli-ipa-port", expect=None)
        extra.sovra("network", "delete", "cli-ipa-net", expect=None)


def test_extension_list_show(extra):
    rows = extra.json("extension", "list", "--network")
    aliases = [r["Alias"] for r in rows]
    assert "network-ip-availability" in aliases and aliases == sorted(aliases)
    assert set(rows[0]) == {"Name", "Alias", "Description"}
    assert "| Alias" in extra.sovra("extension", "list").stdout
    shown = extra.json("extension", "show", "network-ip-availability")
    assert shown["name"] == "Network IP Availability"
    assert error_line(extra.sovra("extension", "show", "no-such-ext", expect=1)).startswith(
        "Error: HTTP 404 Not Found: ")
    assert "usage:" in extra.sovra("extension", "list", "--bogus", expect=2).stderr


def test_volume_attachment_list_show(extra, cloud):
    volume = extra.json("volume", "create", "--size", "1", "--wait", "cli-att-vol")
    headers = {**cli_services.admin_headers(cloud),
               "OpenStack-API-Version": "volume 3.44"}
    server_id = str(uuid.uuid4())
    resp = requests.post(f"{extra.urls['block']}/attachments", timeout=30, headers=headers,
                         json={"attachment": {"volume_uuid": volume["id"],
                                              "instance_uuid": server_id}})
    assert resp.status_code == 200, resp.text
    attachment = resp.json()["attachment"]
    try:
        rows = extra.json("volume", "attachment", "list", "--volume-id", volume["id"])
        assert rows == [{"ID": attachment["id"], "Volume ID": volume["id"],
                         "Server ID": server_id, "Status": attachment["status"]}]
        assert "| Server ID" in extra.sovra("volume", "attachment", "list").stdout
        shown = extra.json("volume", "attachment", "show", attachment["id"])
        assert (shown["volume_id"], shown["instance"], shown["attach_mode"]) == \
            (volume["id"], server_id, "rw")
    finally:
        requests.delete(f"{extra.urls['block']}/attachments/{attachment['id']}",
                        timeout=30, headers=headers)
        extra.sovra("volume", "delete", volume["id"], expect=None)
    assert error_line(extra.sovra("volume", "attachment", "show", attachment["id"],
                                  expect=1)).startswith("Error: HTTP 404 Not Found: ")
    assert "usage:" in extra.sovra("volume", "attachment", "show", expect=2).stderr


def test_volume_backend_pool_list(extra):
    assert extra.json("volume", "backend", "pool", "list") == [{"Name": "node1@file1#file1"}]
    long = extra.json("volume", "backend", "pool", "list", "--long")
    assert len(long) == 1 and long[0]["Name"] == "node1@file1#file1"
    assert long[0]["Protocol"] == "file" and long[0]["Capacity"] > 0
    table = extra.sovra("volume", "backend", "pool", "list", "--long").stdout
    assert "| Max Over Ratio" in table and "node1@file1#file1" in table
    assert "usage:" in extra.sovra("volume", "backend", "pool", "list", "--bogus",
                                   expect=2).stderr


ZERO = "00000000-0000-0000-0000-000000000000"
EXTRA_ERRORS = [
    # (command, the HTTP status of the API's refusal; None: no such name or id, said
    # by the CLI after the API's 404)
    (("network", "agent", "show", ZERO), None),
    (("security", "group", "show", "cli-no-sg"), None),
    (("security", "group", "rule", "show", ZERO), 404),
    (("subnet", "pool", "show", "cli-no-pool"), None),
    (("subnet", "pool", "create", "--pool-prefix", "10.0.0.0/8",
      "--default-prefix-length", "40", "cli-bad-pool"), 400),
    (("floating", "ip", "port", "forwarding", "show", ZERO, ZERO), None),
    (("volume", "snapshot", "show", ZERO), None),
    (("volume", "type", "show", ZERO), None),
]


@pytest.mark.parametrize("args,status", EXTRA_ERRORS,
                         ids=[" ".join(a[:3]) for a, _ in EXTRA_ERRORS])
def test_network_and_volume_errors_exit_1(extra, args, status):
    line = error_line(extra.sovra(*args, expect=1))
    if status:
        assert line.startswith(f"Error: HTTP {status} ") and "(request id req-" in line
    else:
        assert re.fullmatch(r"Error: No [A-Za-z ]+ with an? [a-z ]+ of '\S+'\.", line), line


@pytest.mark.parametrize("args", [("volume", "service", "list"),
                                  ("volume", "backend", "pool", "list"),
                                  ("network", "agent", "list")])
def test_member_gets_403_on_admin_commands(extra, cloud, args):
    with cli_services.member(cloud, f"cli-m-{args[1]}") as env:
        line = error_line(extra.cloud.sovra(*args, cloud=None, env=env, expect=1))
    assert line.startswith("Error: HTTP 403 Forbidden: ") and "(request id req-" in line

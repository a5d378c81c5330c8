"""``sovra server add|remove volume``, ``sovra quota show|set``, ``sovra server
create --network|--port|--nic``, ``sovra server add|remove port|network`` and
``sovra server add|remove floating ip``, run
as the installed ``sovra`` against the CLI cloud plus compute (fake driver on
node1, not waiting for ports to plug: there is no network agent), block storage
and the network API from ``cli_services``."""

import re
import time

import cli_services
import pytest


@pytest.fixture(scope="module")
def extra(cloud):
    """Compute, block storage and network next to the CLI cloud, with a flavor and
    an image to boot."""
    with cli_services.started(cloud, block=True, compute=True, network=True) as services, \
            cli_services.boot_image(cloud, "cli-q-image") as (name, image_id):
        cli_services.create_flavor(services, "cli.q.tiny")
        services.image, services.image_id = name, image_id
        yield services


def _boot(extra, name, *nic_args):
    return extra.json("server", "create", "--flavor", "cli.q.tiny", "--image",
                      extra.image, *(nic_args or ("--no-network",)), "--wait", name)


def test_server_add_and_remove_volume(extra):
    server = _boot(extra, "cli-q-vm")
    volume = extra.json("volume", "create", "--size", "1", "--wait", "cli-q-data")
    attached = extra.json("server", "add", "volume", "--device", "/dev/vdb", "--wait",
                          "cli-q-vm", "cli-q-data")
    assert attached == {"id": volume["id"], "server_id": server["id"],
                        "volume_id": volume["id"], "device": "/dev/vdb"}
    shown = extra.json("volume", "show", "cli-q-data")
    assert (shown["status"], shown["attachments"]) == ("in-use", [server["id"]])
    guest = extra.compute_driver._guests[server["id"]]
    assert list(guest["volumes"]) == ["/dev/vdb"]

    # attached already: the API's 400, one line; names that match nothing: one line
    again = extra.sovra("server", "add", "volume", "cli-q-vm", "cli-q-data", expect=1)
    assert again.stderr.startswith("Error: HTTP 400 Bad Request: ")
    assert again.stderr.count("\n") == 1 and "request id req-" in again.stderr
    missing = extra.sovra("server", "add", "volume", "cli-q-vm", "no-such-vol",
                          expect=1)
    assert missing.stderr == "Error: No volume with a name or id of 'no-such-vol'.\n"
    assert extra.sovra("server", "add", "volume", "cli-q-vm", expect=2).stdout == ""

    extra.sovra("server", "remove", "volume", "--wait", "cli-q-vm", volume["id"])
    assert extra.json("volume", "show", "cli-q-data")["status"] == "available"
    assert guest["volumes"] == {}
    table = extra.sovra("server", "add", "volume", "--wait", server["id"],
                        "cli-q-data").stdout
    assert "| device" in table and "/dev/vd" in table
    extra.sovra("server", "remove", "volume", "--wait", "cli-q-vm", "cli-q-data")
    not_attached = extra.sovra("server", "remove", "volume", "cli-q-vm", "cli-q-data",
                               expect=1)
    assert not_attached.stderr.startswith("Error: HTTP 404 Not Found: ")
    # the guest refuses the disk: --wait fails at once, one line, no traceback
    extra.compute_driver.fail_operations.add("attach_volume")
    try:
        failed = extra.sovra("server", "add", "volume", "--wait", "cli-q-vm",
                             "cli-q-data", expect=1)
    finally:
        extra.compute_driver.fail_operations.discard("attach_volume")
    assert failed.stderr == ("Error: cli-q-data is error (not attached): the attach "
                             "failed: see sovra server show cli-q-vm\n"), failed.stderr
    assert extra.json("volume", "show", "cli-q-data")["status"] == "available"
    extra.sovra("server", "delete", "--wait", "cli-q-vm")
    extra.sovra("volume", "delete", "--wait", "cli-q-data")


def _limits(extra, *args):
    return {row["Resource"]: row["Limit"]
            for row in extra.json("quota", "show", *args)}


def test_quota_show_and_set(extra):
    mine = _limits(extra)
    for resource in ("cores", "instances", "ram", "volumes", "gigabytes",
                     "snapshots", "networks", "ports", "routers", "floating-ips",
                     "secgroups"):
        assert resource in mine, resource
    defaults = _limits(extra, "--default")
    assert defaults["cores"] == 20   # compute's [quota] cores default

    extra.sovra("project", "create", "cli-q-proj")
    try:
        extra.sovra("quota", "set", "--cores", "7", "--instances", "3", "--ram", "2048",
                    "--volumes", "4", "--gigabytes", "-1", "--snapshots", "5",
                    "--networks", "2", "--ports", "30", "--routers", "1",
                    "--floating-ips", "0", "--secgroups", "6", "cli-q-proj")
        limits = _limits(extra, "--project", "cli-q-proj")
        assert {k: limits[k] for k in (
            "cores", "instances", "ram", "volumes", "gigabytes", "snapshots",
            "networks", "ports", "routers", "floating-ips", "secgroups")} == {
            "cores": 7, "instances": 3, "ram": 2048, "volumes": 4, "gigabytes": -1,
            "snapshots": 5, "networks": 2, "ports": 30, "routers": 1,
            "floating-ips": 0, "secgroups": 6}
        assert _limits(extra, "--project", "cli-q-proj", "--default")["cores"] == 20
        table = extra.sovra("quota", "show", "--project", "cli-q-proj").stdout
        assert "| Resource" in table and "| cores " in table
        assert extra.sovra("quota", "show", "--project", "cli-q-proj", "-f", "value",
                           "-c", "Limit").stdout.split("\n")[0] == str(limits[next(
                               iter(limits))])
        # only the services asked are touched: one limit, one service
        extra.sovra("quota", "set", "--routers", "9", "cli-q-proj")
        after = _limits(extra, "--project", "cli-q-proj")
        assert (after["routers"], after["cores"], after["volumes"]) == (9, 7, 4)
    finally:
        extra.sovra("project", "delete", "cli-q-proj")

    nothing = extra.sovra("quota", "set", "admin", expect=1)
    assert nothing.stderr.startswith("Error: nothing to change")
    unknown = extra.sovra("quota", "set", "--cores", "1", "no-such-project", expect=1)
    assert unknown.stderr.count("\n") == 1 and "no-such-project" in unknown.stderr
    for args in (["quota", "set", "--cores", "x", "admin"],
                 ["quota", "set", "--cores", "-2", "admin"],
                 ["quota", "set", "--cores", "1"],
                 ["quota", "show", "--no-such-option"]):
        assert extra.sovra(*args, expect=2).stdout == "", args


def test_server_create_with_networks(extra):
    net = extra.json("network", "create", "cli-q-net")
    extra.json("subnet", "create", "--network", "cli-q-net", "--subnet-range",
               "10.9.0.0/24", "cli-q-subnet")
    port = extra.json("port", "create", "--network", "cli-q-net", "--fixed-ip",
                      "ip-address=10.9.0.20", "cli-q-port")
    try:
        # a network by name; an existing port by name; a NIC with a fixed IP
        by_name = _boot(extra, "cli-q-net1", "--network", "cli-q-net")
        assert by_name["status"] == "ACTIVE"
        assert by_name["addresses"].startswith("cli-q-net=10.9.0."), by_name
        on_port = _boot(extra, "cli-q-net2", "--port", "cli-q-port")
        assert on_port["addresses"] == "cli-q-net=10.9.0.20"
        assert extra.json("port", "show", "cli-q-port")["device_id"] == on_port["id"]
        fixed = _boot(extra, "cli-q-net3", "--nic",
                      f"net-id={net['id']},v4-fixed-ip=10.9.0.30")
        assert fixed["addresses"] == "cli-q-net=10.9.0.30"
        # two NICs, in order; the table form
        two = extra.sovra("server", "create", "--flavor", "cli.q.tiny", "--image",
                          extra.image, "--network", net["id"], "--nic",
                          "net-id=cli-q-net,v4-fixed-ip=10.9.0.41", "--wait",
                          "cli-q-net4").stdout
        assert "| status " in two and "ACTIVE" in two and "10.9.0.41" in two
        shown = extra.json("server", "show", "cli-q-net4")
        assert shown["addresses"].count("10.9.0.") == 2
        # the API's refusal of a port in use: one line, exit 1
        in_use = extra.sovra("server", "create", "--flavor", "cli.q.tiny", "--image",
                             extra.image, "--port", port["id"], "cli-q-x", expect=1)
        assert in_use.stderr.startswith("Error: HTTP 409 Conflict: ")
        assert in_use.stderr.count("\n") == 1 and "request id req-" in in_use.stderr
        unknown = extra.sovra("server", "create", "--flavor", "cli.q.tiny", "--image",
                              extra.image, "--network", "no-such-net", "cli-q-x",
                              expect=1)
        assert unknown.stderr == \
            "Error: No network with a name or id of 'no-such-net'.\n"
        none = _boot(extra, "cli-q-net5", "--nic", "none")
        assert none["addresses"] == ""
        for nic_args in (["--nic", "auto", "--network", "n"],
                         ["--network", "n", "--nic", "none"],
                         ["--no-network", "--port", "p"],
                         ["--nic", "net-id=a,port-id=b"],
                         ["--nic", "v4-fixed-ip=10.0.0.1"],
                         ["--nic", "port-id=p,v4-fixed-ip=10.0.0.1"],
                         ["--nic", "bogus"]):
            usage = extra.sovra("server", "create", "--flavor", "f", "--image", "i",
                                *nic_args, "vm", expect=2)
            assert usage.stdout == "" and "--" in usage.stderr, nic_args
    finally:
        extra.sovra("server", "delete", "--wait", "cli-q-net1", "cli-q-net2",
                    "cli-q-net3", "cli-q-net4", "cli-q-net5", expect=None)
        extra.sovra("port", "delete", "cli-q-port", expect=None)
        extra.sovra("network", "delete", "cli-q-net", expect=None)


def test_server_add_and_remove_ports_and_networks(extra):
    extra.json("network", "create", "cli-q-if-net")
    extra.json("subnet", "create", "--network", "cli-q-if-net", "--subnet-range",
               "10.8.0.0/24", "cli-q-if-subnet")
    port = extra.json("port", "create", "--network", "cli-q-if-net", "--fixed-ip",
                      "ip-address=10.8.0.20", "cli-q-if-port")
    server = _boot(extra, "cli-q-if-vm")
    try:
        added = extra.json("server", "add", "port", "cli-q-if-vm", "cli-q-if-port")
        assert (added["port_id"], added["fixed_ips"]) == (port["id"], ["10.8.0.20"])
        assert extra.json("port", "show", "cli-q-if-port")["device_id"] == server["id"]
        on_net = extra.json("server", "add", "network", "--fixed-ip", "10.8.0.30",
                            "cli-q-if-vm", "cli-q-if-net")
        assert on_net["net_id"] == port["network_id"]
        assert on_net["fixed_ips"] == ["10.8.0.30"]
        guest = extra.compute_driver._guests[server["id"]]
        assert len(guest["vifs"]) == 2
        table = extra.sovra("server", "add", "network", "cli-q-if-vm",
                            "cli-q-if-net").stdout
        assert "| port_id" in table and "10.8.0." in table

        # a port in use: the API's refusal, one line; unknown names: one line
        busy = extra.sovra("server", "add", "port", "cli-q-if-vm", "cli-q-if-port",
                           expect=1)
        assert busy.stderr.startswith("Error: HTTP ") and busy.stderr.count("\n") == 1
        assert "request id req-" in busy.stderr
        assert extra.sovra("server", "add", "network", "cli-q-if-vm", "no-such-net",
                           expect=1).stderr == \
            "Error: No network with a name or id of 'no-such-net'.\n"
        assert extra.sovra("server", "add", "port", "cli-q-if-vm",
                           expect=2).stdout == ""

        extra.sovra("server", "remove", "port", "--wait", "cli-q-if-vm",
                    "cli-q-if-port")
        kept = extra.json("port", "show", "cli-q-if-port")   # given, so kept
        assert kept["device_id"] == ""
        assert len(guest["vifs"]) == 2
        extra.sovra("server", "remove", "network", "--wait", "cli-q-if-vm",
                    "cli-q-if-net")
        assert guest["vifs"] == []
        none_left = extra.sovra("server", "remove", "network", "cli-q-if-vm",
                                "cli-q-if-net", expect=1)
        assert none_left.stderr == \
            "Error: cli-q-if-vm has no NIC on network cli-q-if-net\n"
    finally:
        extra.sovra("server", "delete", "--wait", "cli-q-if-vm", expect=None)
        extra.sovra("port", "delete", "cli-q-if-port", expect=None)
        extra.sovra("network", "delete", "cli-q-if-net", expect=None)


def _wait_for_addresses(extra, server, wanted, timeout=15.0):
    """Until ``server show``'s addresses has ``wanted`` (one network's part)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = extra.json("server", "show", server)["addresses"]
        if wanted in shown.split("; "):
            return
        assert time.monotonic() < deadline, shown
        time.sleep(0.2)


def test_server_add_and_remove_floating_ip(extra):
    extra.json("network", "create", "--external", "cli-q-public")
    extra.json("subnet", "create", "--network", "cli-q-public", "--subnet-range",
               "203.0.113.0/24", "--no-dhcp", "cli-q-public-v4")
    extra.json("network", "create", "cli-q-fip-net")
    extra.json("subnet", "create", "--network", "cli-q-fip-net", "--subnet-range",
               "10.7.0.0/24", "cli-q-fip-subnet")
    extra.json("network", "create", "cli-q-lonely")
    extra.json("subnet", "create", "--network", "cli-q-lonely", "--subnet-range",
               "10.6.0.0/24", "cli-q-lonely-subnet")
    extra.json("router", "create", "cli-q-fip-r")
    extra.sovra("router", "set", "--external-gateway", "cli-q-public", "cli-q-fip-r")
    extra.sovra("router", "add", "subnet", "cli-q-fip-r", "cli-q-fip-subnet")
    # its first port (by id) may be the one no router reaches: the next is tried
    server = _boot(extra, "cli-q-fip-vm", "--network", "cli-q-lonely", "--nic",
                   "net-id=cli-q-fip-net,v4-fixed-ip=10.7.0.40")
    fip = extra.json("floating", "ip", "create", "cli-q-public")
    address = fip["floating_ip_address"]
    try:
        extra.sovra("server", "add", "floating", "ip", "cli-q-fip-vm", address)
        shown = extra.json("floating", "ip", "show", address)
        assert shown["fixed_ip_address"] == "10.7.0.40"
        assert extra.json("port", "show", shown["port_id"])["device_id"] == server["id"]
        # the network API told compute (network-changed): server show has both
        _wait_for_addresses(extra, "cli-q-fip-vm",
                            f"cli-q-fip-net=10.7.0.40, {address}")
        # not its address; not associated with it; nothing of the kind: one line
        wrong = extra.sovra("server", "add", "floating", "ip", "--fixed-ip-address",
                            "10.9.9.9", "cli-q-fip-vm", address, expect=1)
        assert wrong.stderr == "Error: cli-q-fip-vm has no port with the address " \
                               "10.9.9.9\n"
        [lonely_ip] = re.findall(r"cli-q-lonely=([0-9.]+)", server["addresses"])
        lonely = extra.sovra("server", "add", "floating", "ip", "--fixed-ip-address",
                             lonely_ip, "cli-q-fip-vm", address, expect=1)
        assert lonely.stderr.startswith("Error: HTTP 404 Not Found: ")
        assert "is not reachable from subnet" in lonely.stderr
        extra.sovra("server", "remove", "floating", "ip", "cli-q-fip-vm", address)
        assert extra.json("floating", "ip", "show", address)["port_id"] is None
        _wait_for_addresses(extra, "cli-q-fip-vm", "cli-q-fip-net=10.7.0.40")
        gone = extra.sovra("server", "remove", "floating", "ip", "cli-q-fip-vm",
                           address, expect=1)
        assert gone.stderr == f"Error: {address} is not associated with cli-q-fip-vm\n"
        assert extra.sovra("server", "add", "floating", "ip", "cli-q-fip-vm",
                           expect=2).stdout == ""
    finally:
        extra.sovra("server", "delete", "--wait", "cli-q-fip-vm", expect=None)
        extra.sovra("floating", "ip", "delete", address, expect=None)
        extra.sovra("router", "remove", "subnet", "cli-q-fip-r", "cli-q-fip-subnet",
                    expect=None)
        extra.sovra("router", "delete", "cli-q-fip-r", expect=None)
        for network in ("cli-q-fip-net", "cli-q-lonely", "cli-q-public"):
            extra.sovra("network", "delete", network, expect=None)


def test_server_create_config_drive(extra):
    extra.json("network", "create", "cli-q-cd-net")
    extra.json("subnet", "create", "--network", "cli-q-cd-net", "--subnet-range",
               "10.5.0.0/24", "cli-q-cd-subnet")
    try:
        plain = _boot(extra, "cli-q-cd1", "--network", "cli-q-cd-net")
        asked = _boot(extra, "cli-q-cd2", "--network", "cli-q-cd-net",
                      "--config-drive", "True")
        no_nic = _boot(extra, "cli-q-cd3", "--no-network", "--config-drive", "false")
        shown = {s["id"]: extra.json("server", "show", s["id"])["config_drive"]
                 for s in (plain, asked, no_nic)}
        # on a network: the metadata service, unless asked; no NIC: a drive anyway
        assert shown == {plain["id"]: "", asked["id"]: "True", no_nic["id"]: "True"}
        driver = extra.compute_driver
        assert [driver.has_config_drive(s["id"]) for s in (plain, asked, no_nic)] == \
            [False, True, True]
        usage = extra.sovra("server", "create", "--flavor", "f", "--image", "i",
                            "--config-drive", "maybe", "vm", expect=2)
        assert "expected true or false" in usage.stderr
    finally:
        extra.sovra("server", "delete", "--wait", "cli-q-cd1", "cli-q-cd2", "cli-q-cd3",
                    expect=None)
        extra.sovra("network", "delete", "cli-q-cd-net", expect=None)


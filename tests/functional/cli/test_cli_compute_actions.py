"""``sovra flavor create|delete|set|unset``, ``sovra server pause|unpause|suspend|
resume|lock|unlock|rebuild|resize|set|unset``, ``server resize confirm|revert``,
``server image create``, ``server event list|show``, ``server group ...``,
``hypervisor list|show``, ``availability zone list``, ``usage list|show``,
``limits show`` and ``compute service set|delete``, run as the installed ``sovra``
against the CLI cloud plus compute from ``cli_services`` (fake driver on node1):
json and table output, exit status 0, 1 (API error) and 2 (usage error)."""

import uuid

import cli_services
import pytest
import requests
from cli_output import assert_error


@pytest.fixture(scope="module")
def extra(cloud):
    """Compute next to the CLI cloud, with an image to boot; flavors are made with
    ``sovra flavor create``."""
    with cli_services.started(cloud, compute=True) as services, \
            cli_services.boot_image(cloud, "cli-a-image") as (name, image_id):
        services.image, services.image_id = name, image_id
        yield services


@pytest.fixture(scope="module")
def flavors(extra):
    """Two flavors made by ``sovra flavor create`` (the first test of the module
    checks them)."""
    small = extra.json("flavor", "create", "--vcpus", "1", "--ram", "256", "--disk",
                       "1", "--property", "hw:cpu_policy=shared", "--description",
                       "the small one", "cli.a.small")
    big = extra.json("flavor", "create", "--vcpus", "2", "--ram", "512", "--disk", "2",
                     "--ephemeral", "1", "--swap", "64", "--id", "cli-a-big",
                     "cli.a.big")
    return small, big


def test_flavor_create_set_unset_delete(extra, flavors):
    small, big = flavors
    assert (small["vcpus"], small["ram"], small["disk"]) == (1, 256, 1)
    assert small["properties"] == {"hw:cpu_policy": "shared"}
    assert small["description"] == "the small one"
    assert small["os-flavor-access:is_public"] is True
    assert (big["id"], big["OS-FLV-EXT-DATA:ephemeral"], big["swap"]) == \
        ("cli-a-big", 1, 64)

    private = extra.json("flavor", "create", "--private", "--ram", "128",
                         "cli.a.private")
    assert private["os-flavor-access:is_public"] is False
    assert (private["vcpus"], private["disk"]) == (1, 0)  # openstack's defaults
    extra.sovra("flavor", "set", "--property", "a=1", "--property", "b=2",
                "--description", "changed", "cli.a.private")
    shown = extra.json("flavor", "show", "cli.a.private")
    assert shown["properties"] == {"a": "1", "b": "2"}
    assert shown["description"] == "changed"
    extra.sovra("flavor", "unset", "--property", "a", "cli.a.private")
    assert extra.json("flavor", "show", private["id"])["properties"] == {"b": "2"}
    extra.sovra("flavor", "set", "--no-property", "--property", "c=3", "cli.a.private")
    table = extra.sovra("flavor", "show", "cli.a.private").stdout
    assert "| properties" in table and "c='3'" in table and "b='2'" not in table

    listed = {f["Name"]: f for f in extra.json("flavor", "list", "--all")}
    assert listed["cli.a.big"]["Ephemeral"] == 1 and "cli.a.private" in listed
    assert "cli.a.private" not in {f["Name"] for f in extra.json("flavor", "list")}

    assert_error(extra.sovra("flavor", "create", "cli.a.private", expect=1),
                 "HTTP 409")
    assert_error(extra.sovra("flavor", "unset", "--property", "nope",
                             "cli.a.private", expect=1), "HTTP 404")
    usage = extra.sovra("flavor", "set", "--property", "novalue", "cli.a.private",
                        expect=2)
    assert "key=value" in usage.stderr
    extra.sovra("flavor", "unset", "cli.a.private", expect=2)   # --property required
    extra.sovra("flavor", "create", "--ram", "lots", "cli.a.x", expect=2)

    extra.sovra("flavor", "delete", "cli.a.private")
    assert_error(extra.sovra("flavor", "show", "cli.a.private", expect=1),
                 "cli.a.private")
    assert_error(extra.sovra("flavor", "delete", "cli.a.private", expect=1),
                 "cli.a.private")


def test_flavor_access(extra):
    project = extra.json("token", "issue")["project_id"]
    private = extra.json("flavor", "create", "--private", "--project", "admin",
                         "cli.a.shared")
    assert private["access_project_ids"] == [project]
    extra.sovra("flavor", "unset", "--project", project, "cli.a.shared")
    assert extra.json("flavor", "show", "cli.a.shared")["access_project_ids"] == []
    extra.sovra("flavor", "set", "--project", "admin", "cli.a.shared")
    table = extra.sovra("flavor", "show", "cli.a.shared").stdout
    row = next(line for line in table.splitlines() if "| access_project_ids " in line)
    assert f"| {project} " in row
    assert extra.json("flavor", "show", "cli.a.big")["access_project_ids"] is None
    assert_error(extra.sovra("flavor", "create", "--project", "admin",
                             "cli.a.public", expect=1), "--private")
    assert_error(extra.sovra("flavor", "set", "--project", "admin", "cli.a.big",
                             expect=1), "HTTP ")  # a public flavor has no list
    extra.sovra("flavor", "delete", "cli.a.shared")


@pytest.fixture(scope="module")
def server(extra, flavors):
    return extra.json("server", "create", "--flavor", "cli.a.small", "--image",
                      extra.image, "--no-network", "--wait", "cli-a-vm")


def _status(extra, name):
    return extra.json("server", "show", name)["status"]


def test_pause_suspend_and_their_reverse(extra, server):
    extra.sovra("server", "pause", "--wait", "cli-a-vm")
    assert _status(extra, "cli-a-vm") == "PAUSED"
    again = extra.sovra("server", "pause", "cli-a-vm", expect=1)
    assert_error(again, "HTTP 409", "paused")
    extra.sovra("server", "unpause", "--wait", server["id"])
    assert _status(extra, "cli-a-vm") == "ACTIVE"
    extra.sovra("server", "suspend", "--wait", "cli-a-vm")
    assert "SUSPENDED" in extra.sovra("server", "list").stdout
    extra.sovra("server", "resume", "--wait", "cli-a-vm")
    assert _status(extra, "cli-a-vm") == "ACTIVE"
    extra.sovra("server", "pause", expect=2)
    assert_error(extra.sovra("server", "resume", "no-such-vm", expect=1),
                 "no-such-vm")


def test_reboot(extra, server):
    extra.sovra("server", "reboot", "--hard", "--wait", "cli-a-vm")
    assert _status(extra, "cli-a-vm") == "ACTIVE"
    events = [e["Action"] for e in extra.json("server", "event", "list", "cli-a-vm")]
    assert "reboot" in events
    assert_error(extra.sovra("server", "reboot", "no-such-vm", expect=1), "no-such-vm")
    extra.sovra("server", "reboot", "--hard", "--soft", "cli-a-vm", expect=2)


def test_lock_unlock(extra, server):
    extra.sovra("server", "lock", "--reason", "maintenance", "cli-a-vm")
    assert extra.json("server", "show", "cli-a-vm")["locked"] is True
    extra.sovra("server", "unlock", "cli-a-vm")
    assert extra.json("server", "show", "cli-a-vm")["locked"] is False
    extra.sovra("server", "lock", expect=2)


def test_set_and_unset_name_and_properties(extra, server):
    extra.sovra("server", "set", "--name", "cli-a-renamed", "--property", "role=web",
                "--property", "tier=1", "cli-a-vm")
    shown = extra.json("server", "show", "cli-a-renamed")
    assert shown["metadata"] == {"role": "web", "tier": "1"}
    extra.sovra("server", "unset", "--property", "tier", "cli-a-renamed")
    extra.sovra("server", "set", "--name", "cli-a-vm", "cli-a-renamed")
    assert extra.json("server", "show", "cli-a-vm")["metadata"] == {"role": "web"}
    assert_error(extra.sovra("server", "unset", "--property", "nope", "cli-a-vm",
                             expect=1), "HTTP 404")
    extra.sovra("server", "set", "--property", "=x", "cli-a-vm", expect=2)


def test_resize_confirm_and_revert(extra, server, flavors):
    extra.sovra("server", "resize", "--flavor", "cli.a.big", "--wait", "cli-a-vm")
    shown = extra.json("server", "show", "cli-a-vm")
    assert (shown["status"], shown["flavor"]) == ("VERIFY_RESIZE", "cli-a-big")
    extra.sovra("server", "resize", "confirm", "--wait", "cli-a-vm")
    shown = extra.json("server", "show", "cli-a-vm")
    assert (shown["status"], shown["flavor"]) == ("ACTIVE", "cli-a-big")
    assert extra.compute_driver._guests[server["id"]]["vcpus"] == 2

    extra.sovra("server", "resize", "--flavor", "cli.a.small", "--wait", "cli-a-vm",
                expect=1)  # a smaller root disk: refused by the API
    assert_error(extra.sovra("server", "resize", "revert", "cli-a-vm", expect=1),
                 "HTTP 400", "not been resized")
    extra.sovra("server", "resize", "--flavor", "cli.a.big", "cli-a-vm", expect=1)
    extra.sovra("server", "resize", "cli-a-vm", expect=2)   # --flavor or --confirm...
    extra.sovra("server", "resize", "--flavor", "cli.a.big", "--confirm", "cli-a-vm",
                expect=2)

    big2 = extra.json("flavor", "create", "--vcpus", "3", "--ram", "512", "--disk",
                      "2", "cli.a.big2")
    extra.sovra("server", "resize", "--flavor", big2["id"], "--wait", "cli-a-vm")
    assert extra.compute_driver._guests[server["id"]]["vcpus"] == 3
    extra.sovra("server", "resize", "--revert", "--wait", "cli-a-vm")
    shown = extra.json("server", "show", "cli-a-vm")
    assert (shown["status"], shown["flavor"]) == ("ACTIVE", "cli-a-big")
    assert extra.compute_driver._guests[server["id"]]["vcpus"] == 2


def test_rebuild(extra, server):
    rebuilt = extra.json("server", "rebuild", "--image", extra.image, "--property",
                         "rebuilt=yes", "--description", "rebuilt once", "--wait",
                         "cli-a-vm")
    assert rebuilt["status"] == "ACTIVE"
    assert rebuilt["metadata"] == {"rebuilt": "yes"}
    assert rebuilt["image"] == extra.image_id
    # stopped, rebuilt from its own image: it stays stopped
    extra.sovra("server", "stop", "--wait", "cli-a-vm")
    table = extra.sovra("server", "rebuild", "--wait", "cli-a-vm").stdout
    assert "SHUTOFF" in table and "| status" in table
    extra.sovra("server", "start", "--wait", "cli-a-vm")
    assert_error(extra.sovra("server", "rebuild", "--image", "no-such-image",
                             "cli-a-vm", expect=1), "no-such-image")


def test_server_image_create(extra, server, cloud):
    image = extra.json("server", "image", "create", "--name", "cli-a-snap",
                       "--property", "purpose=test", "--wait", "cli-a-vm")
    try:
        assert (image["name"], image["status"]) == ("cli-a-snap", "active")
        assert image["purpose"] == "test" and image["image_type"] == "snapshot"
        assert image["instance_uuid"] == server["id"]
        assert extra.json("image", "show", "cli-a-snap")["id"] == image["id"]
    finally:
        requests.delete(f"{cloud.urls['image']}/v2/images/{image['id']}",
                        headers=cli_services.admin_headers(cloud), timeout=30)
    extra.compute_driver.fail_operations.add("snapshot")
    try:
        failed = extra.sovra("server", "image", "create", "--wait", "cli-a-vm",
                             expect=1)
    finally:
        extra.compute_driver.fail_operations.discard("snapshot")
    assert_error(failed, "cli-a-vm")


def test_server_events(extra, server):
    events = extra.json("server", "event", "list", "cli-a-vm")
    actions = [e["Action"] for e in events]
    assert actions[-1] == "create", actions  # the newest first
    assert {e["Server ID"] for e in events} == {server["id"]}
    create = next(e for e in events if e["Action"] == "create")
    shown = extra.json("server", "event", "show", "cli-a-vm", create["Request ID"])
    assert (shown["action"], shown["request_id"]) == ("create", create["Request ID"])
    assert shown["events"] and all(e["result"] == "Success" for e in shown["events"])
    table = extra.sovra("server", "event", "list", "--long", "cli-a-vm").stdout
    assert "| Request ID" in table and "| User ID" in table
    assert_error(extra.sovra("server", "event", "show", "cli-a-vm", "req-nope",
                             expect=1), "HTTP 404")
    extra.sovra("server", "event", "show", "cli-a-vm", expect=2)


def test_server_groups(extra):
    group = extra.json("server", "group", "create", "--policy", "anti-affinity",
                       "--rule", "max_server_per_host=2", "cli-a-group")
    assert (group["name"], group["policy"]) == ("cli-a-group", "anti-affinity")
    assert group["rules"] == {"max_server_per_host": 2} and group["members"] == []
    listed = extra.json("server", "group", "list")
    assert {"ID": group["id"], "Name": "cli-a-group", "Policy": "anti-affinity"} \
        in listed
    table = extra.sovra("server", "group", "list", "--long").stdout
    assert "| Members" in table and "cli-a-group" in table
    assert extra.json("server", "group", "show", "cli-a-group")["id"] == group["id"]
    assert_error(extra.sovra("server", "group", "create", "--policy", "affinity",
                             "--rule", "max_server_per_host=2", "cli-a-g2",
                             expect=1), "HTTP 400")
    extra.sovra("server", "group", "create", "--policy", "everywhere", "cli-a-g3",
                expect=2)
    extra.sovra("server", "group", "delete", "cli-a-group")
    assert_error(extra.sovra("server", "group", "show", group["id"], expect=1),
                 group["id"])


def test_hypervisors_and_zones(extra, server):
    hypervisors = extra.json("hypervisor", "list", "--long")
    node1 = next(h for h in hypervisors if h["Hypervisor Hostname"] == "node1")
    assert node1["State"] == "up" and node1["vCPUs Used"] >= 1
    assert node1["vCPUs"] == extra.compute_driver.get_inventory()["VCPU"]
    shown = extra.json("hypervisor", "show", "node1")
    assert (shown["id"], shown["service_host"]) == (node1["ID"], "node1")
    assert extra.json("hypervisor", "show", node1["ID"])["hypervisor_hostname"] == "node1"
    assert "node1" in extra.sovra("hypervisor", "list", "--matching", "node").stdout
    assert_error(extra.sovra("hypervisor", "show", "no-such-node", expect=1),
                 "no-such-node")

    assert extra.json("availability", "zone", "list") == [
        {"Zone Name": "nova", "Zone Status": "available"}]
    rows = extra.json("availability", "zone", "list", "--long")
    row = next(r for r in rows if r["Host Name"] == "node1")
    assert row["Service Name"] == "nova-compute"
    assert row["Service Status"].startswith("enabled :-)")
    extra.sovra("availability", "zone", "list", "--nope", expect=2)


def test_usage_and_limits(extra, server, cloud):
    project = extra.json("token", "issue")["project_id"]
    usage = extra.json("usage", "show")
    assert usage["Project"] == project and usage["Servers"] >= 1
    assert usage["RAM MB-Hours"] > 0
    listed = extra.json("usage", "list")
    assert next(r for r in listed if r["Project"] == "admin")["Servers"] >= 1
    table = extra.sovra("usage", "list").stdout
    assert table.startswith("Usage from ") and "| RAM MB-Hours" in table
    # a period before the server existed: nothing used
    old = extra.json("usage", "show", "--start", "2020-01-01", "--end", "2020-02-01")
    assert old["Servers"] == 0 and old["CPU Hours"] == 0
    extra.sovra("usage", "show", "--start", "yesterday", expect=2)
    assert_error(extra.sovra("usage", "list", "--start", "2030-01-01", "--end",
                             "2029-01-01", expect=1), "HTTP 400")

    limits = {r["Name"]: r["Value"] for r in extra.json("limits", "show", "--absolute")}
    assert limits["totalInstancesUsed"] >= 1 and limits["maxTotalInstances"] >= 1
    assert "| maxTotalCores" in extra.sovra("limits", "show", "--absolute").stdout
    assert extra.json("limits", "show", "--rate") == []
    by_project = extra.json("limits", "show", "--absolute", "--project", "admin")
    assert {r["Name"] for r in by_project} == set(limits)
    extra.sovra("limits", "show", expect=2)
    extra.sovra("limits", "show", "--absolute", "--rate", expect=2)
    assert_error(extra.sovra("limits", "show", "--absolute", "--project",
                             "no-such-project", expect=1), "no-such-project")


def _node1(extra):
    return next(s for s in extra.json("compute", "service", "list")
                if s["Host"] == "node1")


def test_compute_service_set_and_delete(extra):
    extra.sovra("compute", "service", "set", "--disable", "--disable-reason",
                "cli test", "node1", "nova-compute")
    try:
        assert _node1(extra)["Status"] == "disabled"
        rows = extra.json("status")
        agent = next(r for r in rows if r["Service"] == "compute agent")
        assert agent["Status"] == "up (disabled: cli test)"
    finally:
        extra.sovra("compute", "service", "set", "--enable", "node1", "nova-compute")
    assert _node1(extra)["Status"] == "enabled"
    extra.sovra("compute", "service", "set", "--down", "node1", "nova-compute")
    try:
        assert _node1(extra)["State"] == "down"
    finally:
        extra.sovra("compute", "service", "set", "--up", "node1", "nova-compute")
    assert _node1(extra)["State"] == "up"

    assert_error(extra.sovra("compute", "service", "set", "--disable-reason", "x",
                             "node1", "nova-compute", expect=1), "--disable")
    assert_error(extra.sovra("compute", "service", "set", "--enable", "node9",
                             "nova-compute", expect=1), "node9")
    extra.sovra("compute", "service", "set", "--enable", "--disable", "node1",
                "nova-compute", expect=2)
    missing = str(uuid.uuid4())
    assert_error(extra.sovra("compute", "service", "delete", missing, expect=1),
                 "HTTP 404")
    extra.sovra("compute", "service", "delete", expect=2)


def test_aggregates(extra):
    zoned = extra.json("aggregate", "create", "--zone", "cli-az", "--property",
                       "ssd=true", "cli-a-agg1")
    assert (zoned["name"], zoned["availability_zone"]) == ("cli-a-agg1", "cli-az")
    assert zoned["properties"] == {"ssd": "true"} and zoned["hosts"] == []
    plain = extra.json("aggregate", "create", "cli-a-agg2")
    assert plain["availability_zone"] is None and plain["uuid"]
    rows = extra.json("aggregate", "list", "--long")
    assert {"ID": zoned["id"], "Name": "cli-a-agg1", "Availability Zone": "cli-az",
            "Properties": {"ssd": "true"}, "Hosts": []} in rows
    extra.sovra("aggregate", "set", "--name", "cli-a-agg1b", "--property", "gpu=no",
                "cli-a-agg1")
    extra.sovra("aggregate", "unset", "--property", "ssd", "cli-a-agg1b")
    shown = extra.json("aggregate", "show", str(zoned["id"]))
    assert (shown["name"], shown["properties"]) == ("cli-a-agg1b", {"gpu": "no"})

    added = extra.json("aggregate", "add", "host", "cli-a-agg2", "node1")
    assert added["hosts"] == ["node1"]
    assert "node1" in extra.sovra("aggregate", "show", plain["uuid"]).stdout
    assert_error(extra.sovra("aggregate", "add", "host", "cli-a-agg2", "node9",
                             expect=1), "HTTP 404", "node9")
    removed = extra.json("aggregate", "remove", "host", "cli-a-agg2", "node1")
    assert removed["hosts"] == []
    extra.sovra("aggregate", "add", "host", "cli-a-agg2", expect=2)
    assert_error(extra.sovra("aggregate", "create", "--zone", "a:b", "cli-a-agg3",
                             expect=1), "HTTP 400")
    extra.sovra("aggregate", "delete", "cli-a-agg1b", "cli-a-agg2")
    assert not [a for a in extra.json("aggregate", "list")
                if a["Name"].startswith("cli-a-agg")]
    assert_error(extra.sovra("aggregate", "show", "cli-a-agg2", expect=1),
                 "cli-a-agg2")


@pytest.fixture(scope="module")
def member_env(cloud):
    with cli_services.member(cloud, "cli-a-member") as env:
        yield env


@pytest.mark.parametrize("args", [("hypervisor", "list"), ("compute", "service", "list"),
                                  ("aggregate", "create", "cli-member-agg"),
                                  ("flavor", "create", "--vcpus", "1", "--ram", "64",
                                   "--disk", "1", "cli.member")])
def test_member_gets_403_on_admin_commands(extra, cloud, member_env, args):
    done = cloud.sovra(*args, cloud=None, env=member_env, expect=1)
    assert_error(done, "Error: HTTP 403 Forbidden: ", "(request id req-")

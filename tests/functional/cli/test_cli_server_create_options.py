"""``sovra server create`` with openstack's other options (``--property``,
``--description``, ``--tag``, ``--security-group``, ``--hint``,
``--availability-zone``, ``--min``/``--max``, ``--boot-from-volume``,
``--block-device``), ``sovra limits show --absolute`` with block storage's limits
and ``sovra availability zone list --compute|--volume|--network``, run as the
installed ``sovra`` against the CLI cloud plus compute (fake driver, one host:
node1), block storage and the network API from ``cli_services``: json and table
output, exit status 0, 1 (API error) and 2 (usage error)."""

import json
import time

import cli_services
import pytest
from cli_output import assert_error


@pytest.fixture(scope="module")
def extra(cloud):
    """Compute, block storage and network next to the CLI cloud, with a flavor and
    an image to boot."""
    with cli_services.started(cloud, block=True, compute=True, network=True) as services, \
            cli_services.boot_image(cloud, "cli-o-image") as (name, image_id):
        cli_services.create_flavor(services, "cli.o.tiny")
        services.image, services.image_id = name, image_id
        yield services


def _create(extra, name, *args, expect=0, fmt="json"):
    done = extra.sovra("server", "create", "--flavor", "cli.o.tiny", *args,
                       "-f", fmt, name, expect=expect)
    return done


def _json(done):
    return json.loads(done.stdout)


def _boot(extra, name, *args):
    return _json(_create(extra, name, "--image", extra.image, "--no-network",
                              "--wait", *args))


def _delete(extra, *names):
    extra.sovra("server", "delete", "--wait", *names)


def test_properties_description_tags_security_groups(extra):
    server = _boot(extra, "cli-o-props", "--property", "role=web", "--property",
                   "tier=1", "--description", "the web one", "--tag", "blue",
                   "--tag", "edge", "--security-group", "default")
    try:
        assert server["status"] == "ACTIVE"
        shown = extra.json("server", "show", "cli-o-props")
        assert shown["metadata"] == {"role": "web", "tier": "1"}
        assert shown["description"] == "the web one"
        assert sorted(shown["tags"]) == ["blue", "edge"]
        table = extra.sovra("server", "show", "cli-o-props").stdout
        row = next(line for line in table.splitlines() if "| metadata " in line)
        assert "role='web'" in row and "tier='1'" in row
        assert "| the web one" in table
    finally:
        _delete(extra, "cli-o-props")
    # bad values: usage errors, nothing asked of the API
    for bad in (("--property", "novalue"), ("--hint", "=x"), ("--min", "0"),
                ("--max", "many")):
        usage = _create(extra, "cli-o-bad", "--image", extra.image, "--no-network",
                        *bad, expect=2)
        assert usage.stdout == "" and "usage:" in usage.stderr
    # an invalid tag is the API's to refuse
    assert_error(_create(extra, "cli-o-bad", "--image", extra.image,
                         "--no-network", "--tag", "a/b", expect=1), "HTTP 400")
    assert not [s for s in extra.json("server", "list")
                if s["Name"].startswith("cli-o-bad")]


def test_hint_group_affinity_and_anti_affinity(extra):
    group = extra.json("server", "group", "create", "--policy", "anti-affinity",
                       "cli-o-anti")
    try:
        first = _boot(extra, "cli-o-member1", "--hint", "group=cli-o-anti")
        members = extra.json("server", "group", "show", group["id"])["members"]
        assert members == [first["id"]]
        assert first["OS-EXT-SRV-ATTR:host"] == "node1"
        # one host only: a second member cannot be placed apart from the first
        refused = _create(extra, "cli-o-member2", "--image", extra.image,
                          "--no-network", "--hint", f"group={group['id']}", "--wait",
                          expect=1)
        assert_error(refused, "cli-o-member2", "ERROR")
        second = extra.json("server", "show", "cli-o-member2")
        assert second["status"] == "ERROR"
        assert group["id"] in second["fault"]["message"]
        _delete(extra, "cli-o-member2")
    finally:
        _delete(extra, "cli-o-member1")
        extra.sovra("server", "group", "delete", "cli-o-anti")

    affinity = extra.json("server", "group", "create", "--policy", "affinity",
                          "cli-o-aff")
    try:
        one = _boot(extra, "cli-o-aff1", "--hint", f"group={affinity['id']}")
        two = _boot(extra, "cli-o-aff2", "--hint", "group=cli-o-aff")
        members = extra.json("server", "group", "show", "cli-o-aff")["members"]
        assert sorted(members) == sorted([one["id"], two["id"]])
        assert one["OS-EXT-SRV-ATTR:host"] == two["OS-EXT-SRV-ATTR:host"] == "node1"
    finally:
        _delete(extra, "cli-o-aff1", "cli-o-aff2")
        extra.sovra("server", "group", "delete", "cli-o-aff")
    assert_error(_create(extra, "cli-o-lost", "--image", extra.image,
                         "--no-network", "--hint", "group=no-such-group",
                         expect=1), "no-such-group")


def test_availability_zone(extra):
    aggregate = extra.json("aggregate", "create", "--zone", "cli-o-az", "cli-o-agg")
    extra.sovra("aggregate", "add", "host", "cli-o-agg", "node1")
    try:
        assert {"Zone Name": "cli-o-az", "Zone Status": "available"} in \
            extra.json("availability", "zone", "list", "--compute")
        zoned = _boot(extra, "cli-o-zoned", "--availability-zone", "cli-o-az")
        assert zoned["OS-EXT-AZ:availability_zone"] == "cli-o-az"
        # zone::node: that node (admin)
        pinned = _boot(extra, "cli-o-pinned", "--availability-zone", "cli-o-az::node1")
        assert (pinned["OS-EXT-AZ:availability_zone"],
                pinned["OS-EXT-SRV-ATTR:host"]) == ("cli-o-az", "node1")
        table = extra.sovra("server", "show", "cli-o-zoned").stdout
        row = next(line for line in table.splitlines()
                   if line.startswith("| OS-EXT-AZ:availability_zone "))
        assert "| cli-o-az " in row
        assert_error(_create(extra, "cli-o-nozone", "--image", extra.image,
                             "--no-network", "--availability-zone",
                             "no-such-zone", expect=1), "HTTP 400")
        assert_error(_create(extra, "cli-o-nohost", "--image", extra.image,
                             "--no-network", "--availability-zone",
                             "cli-o-az:node9", expect=1), "HTTP 400", "node9")
        _delete(extra, "cli-o-zoned", "cli-o-pinned")
    finally:
        extra.sovra("aggregate", "remove", "host", "cli-o-agg", "node1")
        extra.sovra("aggregate", "delete", str(aggregate["id"]))


def test_min_and_max(extra):
    one = _boot(extra, "cli-o-one", "--min", "1", "--max", "1")
    try:
        assert one["name"] == "cli-o-one" and one["status"] == "ACTIVE"
    finally:
        _delete(extra, "cli-o-one")
    usage = _create(extra, "cli-o-many", "--image", extra.image, "--no-network",
                    "--min", "3", "--max", "2", expect=2)
    assert "--min (3) is more than --max (2)" in usage.stderr
    # --min 2 --max 2: two servers, named <name>-1 and <name>-2 (the API's
    # multi-create); the command shows the first, as openstack's does
    first = _boot(extra, "cli-o-many", "--min", "2", "--max", "2")
    try:
        assert first["name"] == "cli-o-many-1" and first["status"] == "ACTIVE"
        made = {s["Name"]: s for s in extra.json("server", "list")
                if s["Name"].startswith("cli-o-many")}
        assert sorted(made) == ["cli-o-many-1", "cli-o-many-2"]
    finally:
        _delete(extra, "cli-o-many-1", "cli-o-many-2")
    assert not [s for s in extra.json("server", "list")
                if s["Name"].startswith("cli-o-many")]


def test_boot_from_volume_and_block_device(extra):
    server = _boot(extra, "cli-o-bfv", "--boot-from-volume", "1")
    volume_id = None
    try:
        assert server["status"] == "ACTIVE" and server["image"] == ""
        attached = server["os-extended-volumes:volumes_attached"]
        assert len(attached) == 1
        volume_id = attached[0]["id"]
        volume = extra.json("volume", "show", volume_id)
        assert (volume["size"], volume["status"], volume["bootable"]) == \
            (1, "in-use", "true")
    finally:
        _delete(extra, "cli-o-bfv")
    # delete_on_termination false (openstack's default): the volume stays
    assert extra.json("volume", "show", volume_id)["status"] == "available"
    try:
        # that volume, by name, as the boot disk of a server with no --image
        extra.sovra("volume", "set", "--name", "cli-o-root", volume_id)
        again = _json(_create(extra, "cli-o-bdm", "--no-network", "--wait",
                                "--block-device",
                                "uuid=cli-o-root,source_type=volume,boot_index=0,"
                                "delete_on_termination=true"))
        assert again["status"] == "ACTIVE" and again["image"] == ""
        assert [v["id"] for v in again["os-extended-volumes:volumes_attached"]] == \
            [volume_id]
        _delete(extra, "cli-o-bdm")
        # delete_on_termination=true: the volume goes with its server
        deadline = time.monotonic() + 60
        while (gone := extra.sovra("volume", "show", volume_id, expect=None)
               ).returncode == 0:
            assert time.monotonic() < deadline, gone.stdout
            time.sleep(0.5)
        assert_error(gone, volume_id)
    finally:
        extra.sovra("volume", "delete", volume_id, expect=None)  # if a step failed

    # usage errors: no boot disk at all, --boot-from-volume without an image, a
    # --block-device key the API does not have
    for args in ((), ("--boot-from-volume", "1"),
                 ("--image", extra.image, "--block-device", "size=1"),
                 ("--image", extra.image, "--block-device", "boot_index=x,uuid=a")):
        usage = _create(extra, "cli-o-bad", "--no-network", *args, expect=2)
        assert usage.stdout == "" and "usage:" in usage.stderr, usage.stderr
    assert_error(_create(extra, "cli-o-bad", "--no-network", "--block-device",
                         "uuid=no-such-volume,boot_index=0", expect=1),
                 "no-such-volume")


def test_limits_show_absolute_with_block_storage(extra):
    limits = {r["Name"]: r["Value"] for r in extra.json("limits", "show", "--absolute")}
    assert limits["maxTotalInstances"] >= 1 and "maxTotalCores" in limits
    assert limits["maxTotalVolumes"] >= 1 and "totalGigabytesUsed" in limits
    by_project = extra.json("limits", "show", "--absolute", "--project", "admin")
    assert {r["Name"] for r in by_project} == set(limits)
    table = extra.sovra("limits", "show", "--absolute").stdout
    assert "| maxTotalVolumeGigabytes" in table and "| maxTotalRAMSize" in table


def test_availability_zone_list_per_service(extra):
    zone = {"Zone Name": "nova", "Zone Status": "available"}
    assert extra.json("availability", "zone", "list", "--compute") == [zone]
    assert extra.json("availability", "zone", "list", "--volume") == [zone]
    assert extra.json("availability", "zone", "list", "--network") == [zone]
    # all three by default, compute's first
    assert extra.json("availability", "zone", "list") == [zone, zone, zone]
    rows = extra.json("availability", "zone", "list", "--volume", "--network",
                      "--long")
    assert [r["Zone Resource"] for r in rows] == ["", "network"]
    rows = extra.json("availability", "zone", "list", "--compute", "--long")
    node1 = next(r for r in rows if r["Host Name"] == "node1")
    assert node1["Service Name"] == "nova-compute" and node1["Zone Resource"] == ""
    table = extra.sovra("availability", "zone", "list", "--long").stdout
    assert "| Zone Resource" in table and "| network" in table
    extra.sovra("availability", "zone", "list", "--storage", expect=2)

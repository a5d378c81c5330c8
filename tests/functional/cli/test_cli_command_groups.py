"""Every ``sovra`` command group against the CLI cloud (identity, image, placement),
filling what the per-service modules leave out: a usage error (exit 2) for every
group setup.cfg declares, json and table output and API errors (exit 1, one line
with HTTP status, message and request id) for the identity, image and placement
groups, the catalog/group/region ``set`` commands, ``trait show``, ``resource class
show|set``, ``image stage|import``, and a member refused admin-only commands (403).
Every test removes what it made: the cloud is shared."""

import concurrent.futures
import json
import re
import uuid

import cli_services
import pytest
from cli_output import error_line

ZERO = "00000000-0000-0000-0000-000000000000"
HTTP_LINE = re.compile(r"^Error: HTTP (\d{3}) [A-Za-z ]+: \S.* \(request id req-[0-9a-f-]+\)$")


def _http_error(done, status: int) -> str:
    """The one error line of a failed run, which names ``status`` and a request id."""
    line = error_line(done)
    match = HTTP_LINE.match(line)
    assert match and int(match.group(1)) == status, line
    return line


def _groups() -> dict:
    """One command per command group of setup.cfg. A group is the object commands
    act on, as in ``openstack``: what a list/show/create/delete/set command names
    (``server``, ``server group``, ``floating ip port forwarding``...); any other
    command belongs to the longest such group it starts with (``server add volume``
    to ``server``), else to its first word."""
    commands = sorted(tuple(name.split("_")) for name in cli_services.setup_cfg_commands())
    objects = {words[:-1] for words in commands
               if len(words) > 1 and words[-1] in ("list", "show", "create", "delete",
                                                   "set")}
    groups = {}
    for words in commands:
        group = next((words[:n] for n in range(len(words) - 1, 0, -1)
                      if words[:n] in objects), words[:1])
        groups.setdefault(" ".join(group), words)
    return groups


def test_every_group_exits_2_on_a_usage_error(cloud):
    """An unknown option is a usage error in every group, before any API call (no
    cloud configured: an attempt to authenticate would exit 1)."""
    env = cloud.env()
    groups = _groups()
    assert len(groups) > 50 and {"server", "server group", "volume", "trait"} <= \
        set(groups)

    def run(words):
        return words, cloud.sovra(*words, "--no-such-option", cloud=None, env=env,
                                  expect=None)

    failed = []
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for words, done in pool.map(run, groups.values()):
            usage = f"usage: sovra {' '.join(words)}"
            if done.returncode != 2 or usage not in done.stderr or \
                    "Traceback" in done.stderr:
                failed.append((words, done.returncode, done.stderr[-200:]))
    assert not failed


READS = [
    # (command, a column or field of its table, a value shown in json and table)
    (("region", "list"), "Region", "RegionOne"),
    (("region", "show", "RegionOne"), "region", "RegionOne"),
    (("service", "list"), "Type", "placement"),
    (("service", "show", "image"), "type", "image"),
    (("catalog", "list"), "Type", "identity"),
    (("endpoint", "list", "--service", "placement"), "Service Type", "placement"),
    (("role", "assignment", "list", "--user", "admin", "--names"), "Role", "admin"),
    (("trait", "show", "HW_CPU_X86_AVX"), "name", "HW_CPU_X86_AVX"),
    (("resource", "class", "show", "VCPU"), "name", "VCPU"),
    (("status",), "Service", "identity"),
]


@pytest.mark.parametrize("args,column,value", READS, ids=[" ".join(r[0]) for r in READS])
def test_json_and_table(cloud, args, column, value):
    data = cloud.json(*args)
    rows = data if isinstance(data, list) else [data]
    assert any(row.get(column) == value for row in rows), data
    table = cloud.sovra(*args).stdout
    assert re.search(rf"\| {re.escape(column)}\s+\|", table), table
    assert re.search(rf"\| {re.escape(value)}\s+\|", table), table


API_ERRORS = [
    (("region", "show", "cli-no-region"), 404),
    (("region", "set", "cli-no-region", "--description", "x"), 404),
    (("endpoint", "show", ZERO), 404),
    (("endpoint", "set", ZERO, "--url", "http://127.0.0.1:9"), 404),
    (("registered", "limit", "show", ZERO), 404),
    (("trait", "show", "CUSTOM_CLI_NO_TRAIT"), 404),
    (("resource", "class", "show", "CUSTOM_CLI_NO_CLASS"), 404),
    (("resource", "class", "set", "not-custom"), 400),
    (("resource", "provider", "inventory", "list", ZERO), 404),
    (("resource", "provider", "trait", "list", ZERO), 404),
    (("user", "password", "set", "--original-password", "wrong-pw",
      "--password", "new-pw-123"), 401),
]


@pytest.mark.parametrize("args,status", API_ERRORS,
                         ids=[" ".join(a[:3]) for a, _ in API_ERRORS])
def test_api_errors_exit_1_with_one_line(cloud, args, status):
    _http_error(cloud.sovra(*args, expect=1), status)


LOOKUP_ERRORS = [
    (("image", "member", "list", "cli-no-image"), "No image with a name or id of "
                                                   "'cli-no-image'."),
    (("role", "assignment", "list", "--user", "cli-no-user"), "No user with a name or "
                                                               "id of 'cli-no-user'."),
    (("service", "set", "cli-no-service", "--disable"), "No service with a name, type "
                                                          "or id of 'cli-no-service'."),
]


@pytest.mark.parametrize("args,message", LOOKUP_ERRORS,
                         ids=[" ".join(a[:3]) for a, _ in LOOKUP_ERRORS])
def test_lookup_errors_exit_1_with_one_line(cloud, args, message):
    """A name that matches nothing (the API said 404 to it as an id): exit 1, one
    line from the CLI."""
    assert cloud.sovra(*args, expect=1).stderr == f"Error: {message}\n"


def test_region_service_endpoint_group_set(cloud):
    cloud.sovra("region", "create", "cli-set-parent")
    region = cloud.json("region", "create", "cli-set-region", "--description", "one")
    service = cloud.json("service", "create", "cli-set-type", "--name", "cli-set-svc")
    endpoint = cloud.json("endpoint", "create", "cli-set-svc", "public",
                          "http://127.0.0.1:9/one", "--region", "cli-set-region")
    group = cloud.json("group", "create", "cli-set-group")
    try:
        assert region["description"] == "one" and region["parent_region"] is None
        done = cloud.sovra("region", "set", "cli-set-region", "--description", "two",
                           "--parent-region", "cli-set-parent")
        assert done.stdout == ""
        shown = cloud.json("region", "show", "cli-set-region")
        assert (shown["description"], shown["parent_region"]) == ("two", "cli-set-parent")

        cloud.sovra("service", "set", "cli-set-svc", "--type", "cli-set-type2",
                    "--description", "renamed", "--disable")
        shown = cloud.json("service", "show", service["id"])
        assert (shown["type"], shown["description"], shown["enabled"]) == \
            ("cli-set-type2", "renamed", False)
        assert "| cli-set-type2 " in cloud.sovra("service", "show", "cli-set-svc").stdout

        cloud.sovra("endpoint", "set", endpoint["id"], "--url", "http://127.0.0.1:9/two",
                    "--interface", "internal", "--region", "RegionOne", "--disable")
        shown = cloud.json("endpoint", "show", endpoint["id"])
        assert (shown["url"], shown["interface"], shown["region"], shown["enabled"]) == \
            ("http://127.0.0.1:9/two", "internal", "RegionOne", False)
        assert shown["service_name"] == "cli-set-svc"

        cloud.sovra("group", "set", "cli-set-group", "--name", "cli-set-group2",
                    "--description", "renamed")
        shown = cloud.json("group", "show", group["id"])
        assert (shown["name"], shown["description"]) == ("cli-set-group2", "renamed")
        missing = cloud.sovra("group", "set", "cli-set-group", "--description", "x",
                              expect=1)
        assert missing.stderr == \
            "Error: No group with a name or id of 'cli-set-group'.\n"
        # the API's own refusal: a region cannot be its own parent
        _http_error(cloud.sovra("region", "set", "cli-set-parent", "--parent-region",
                                "cli-set-parent", expect=1), 400)
        assert "usage:" in cloud.sovra("endpoint", "set", endpoint["id"], "--interface",
                                       "sideways", expect=2).stderr
    finally:
        cloud.sovra("group", "delete", group["id"], expect=None)
        cloud.sovra("endpoint", "delete", endpoint["id"], expect=None)
        cloud.sovra("service", "delete", service["id"], expect=None)
        cloud.sovra("region", "delete", "cli-set-region", expect=None)
        cloud.sovra("region", "delete", "cli-set-parent", expect=None)


def test_trait_show_and_resource_class_show_set(cloud):
    name = f"CUSTOM_CLI_{uuid.uuid4().hex[:8].upper()}"
    try:
        cloud.sovra("resource", "class", "set", name)
        cloud.sovra("resource", "class", "set", name)     # it exists: no error either
        assert cloud.json("resource", "class", "show", name) == {"name": name}
        assert name in [c["name"] for c in cloud.json("resource", "class", "list")]
        cloud.sovra("trait", "create", name)
        assert cloud.json("trait", "show", name) == {"name": name}
        assert f"| name  | {name} |" in cloud.sovra("trait", "show", name).stdout
        cloud.sovra("trait", "delete", name)
        _http_error(cloud.sovra("trait", "show", name, expect=1), 404)
        # the new class in a provider's inventory, its usage shown
        cloud.sovra("resource", "provider", "create", "cli-rc-provider")
        cloud.sovra("resource", "provider", "inventory", "set", "cli-rc-provider",
                    "--resource", f"{name}=4")
        usage = cloud.sovra("resource", "provider", "usage", "show",
                            "cli-rc-provider").stdout
        assert re.search(rf"\| {name} +\| +0 \|", usage), usage
    finally:
        cloud.sovra("resource", "provider", "delete", "cli-rc-provider", expect=None)
        cloud.sovra("resource", "class", "delete", name, expect=None)
        cloud.sovra("trait", "delete", name, expect=None)
    _http_error(cloud.sovra("resource", "class", "show", name, expect=1), 404)


def test_image_stage_and_import(cloud, tmp_path):
    data = b"sovra-stage-" * 50_000
    source = tmp_path / "staged.raw"
    source.write_bytes(data)
    image = cloud.json("image", "create", "cli-staged", "--disk-format", "raw")
    other = cloud.json("image", "create", "cli-not-staged")
    try:
        assert image["status"] == "queued"
        # nothing staged yet: the API refuses the import
        _http_error(cloud.sovra("image", "import", image["id"], expect=1), 409)
        assert cloud.sovra("image", "stage", "cli-staged", "--file", str(source)).stdout \
            == ""
        assert cloud.json("image", "show", image["id"])["status"] == "uploading"
        imported = cloud.json("image", "import", "cli-staged", "--method",
                              "glance-direct", "--wait")
        assert imported["status"] == "active" and imported["size"] == len(data)
        table = cloud.sovra("image", "show", "cli-staged").stdout
        assert re.search(r"\| status\s+\| active\s+\|", table), table
        copy = tmp_path / "copy.raw"
        cloud.sovra("image", "save", "cli-staged", "--file", str(copy))
        assert copy.read_bytes() == data
        # stdin instead of --file
        cloud.sovra("image", "stage", other["id"], stdin=data[:4096].decode())
        done = cloud.json("image", "import", other["id"], "--wait")
        assert (done["status"], done["size"]) == ("active", 4096)
        # an image that is active cannot be staged again
        _http_error(cloud.sovra("image", "stage", image["id"], "--file", str(source),
                                expect=1), 409)
        assert "invalid choice" in cloud.sovra("image", "import", image["id"],
                                               "--method", "teleport", expect=2).stderr
        assert cloud.sovra("image", "import", image["id"], "--uri", "http://x/",
                           expect=1).stderr.startswith("Error: --uri goes with")
    finally:
        cloud.sovra("image", "delete", image["id"], other["id"], expect=None)


ADMIN_ONLY = [
    ("user", "create", "cli-member-made", "--password", "pw-12345678"),
    ("region", "set", "RegionOne", "--description", "mine"),
    ("service", "set", "image", "--description", "mine"),
    ("resource", "provider", "create", "cli-member-rp"),
    ("resource", "class", "set", "CUSTOM_CLI_MEMBER"),
]


@pytest.fixture(scope="module")
def member_env(cloud):
    with cli_services.member(cloud, "cli-groups-member") as env:
        yield env


@pytest.mark.parametrize("args", ADMIN_ONLY, ids=[" ".join(a[:3]) for a in ADMIN_ONLY])
def test_member_gets_403_on_admin_commands(cloud, member_env, args):
    _http_error(cloud.sovra(*args, cloud=None, env=member_env, expect=1), 403)


def test_member_reads_what_it_may(cloud, member_env):
    """The member's own reads still work: the 403s above are policy, not auth."""
    token = cloud.json("token", "issue", cloud=None, env=member_env)
    assert token["project_id"]
    names = [p["Name"] for p in json.loads(cloud.sovra(
        "project", "list", "--my-projects", "-f", "json", cloud=None,
        env=member_env).stdout)]
    assert names == ["cli-groups-member"]

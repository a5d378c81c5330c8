"""``sovra domain|group|role|region|service|endpoint ...``, ``project set``, ``user
set`` and ``token revoke``, run as the installed ``sovra`` console script against the
CLI cloud (conftest's identity, image, placement): json and table output, exit codes
0, 1 (API error, one line) and 2 (usage error). Every test removes what it made: the
cloud is shared by the whole session."""

import subprocess

import cli_services
from cli_output import error_line


def test_domain_create_list_show_set_delete(sv):
    domain = sv.json("domain", "create", "cli-dom", "--description", "first")
    assert domain["name"] == "cli-dom" and domain["enabled"] is True
    assert domain["description"] == "first"
    # --or-show: the existing one; without it a 409 as one line
    assert sv.json("domain", "create", "cli-dom", "--or-show")["id"] == domain["id"]
    assert error_line(sv.sovra("domain", "create", "cli-dom", expect=1)).startswith(
        "Error: HTTP 409 Conflict: ")
    listed = sv.json("domain", "list")
    assert {"ID": domain["id"], "Name": "cli-dom", "Enabled": True,
            "Description": "first"} in listed
    assert "default" in {d["ID"] for d in listed}
    table = sv.sovra("domain", "list").stdout
    assert "| ID" in table and "| Name" in table and "cli-dom" in table
    assert sv.json("domain", "show", domain["id"])["name"] == "cli-dom"

    assert sv.sovra("domain", "set", "cli-dom", "--name", "cli-dom2", "--description",
                    "second").stdout == ""
    shown = sv.json("domain", "show", "cli-dom2")
    assert (shown["id"], shown["description"]) == (domain["id"], "second")
    # an enabled domain cannot be deleted (as keystone): disable it first
    assert error_line(sv.sovra("domain", "delete", "cli-dom2", expect=1)).startswith(
        "Error: HTTP 403 Forbidden: ")
    sv.sovra("domain", "set", "--disable", "cli-dom2")
    assert sv.json("domain", "show", "cli-dom2")["enabled"] is False
    sv.sovra("domain", "delete", "cli-dom2")
    assert error_line(sv.sovra("domain", "show", "cli-dom2", expect=1)) == \
        "Error: No domain with a name or id of 'cli-dom2'."
    # usage errors
    assert "usage:" in sv.sovra("domain", "create", expect=2).stderr
    assert sv.sovra("domain", "set", "x", "--enable", "--disable", expect=2).returncode == 2


def test_project_set_and_user_set(sv, cloud):
    project = sv.json("project", "create", "cli-pset")
    other = sv.json("project", "create", "cli-pset-other")
    try:
        sv.sovra("project", "set", "cli-pset", "--name", "cli-pset2", "--description",
                 "renamed", "--disable", "--tag", "a", "--tag", "b")
        shown = sv.json("project", "show", project["id"])
        assert (shown["name"], shown["description"], shown["enabled"]) == \
            ("cli-pset2", "renamed", False)
        assert sorted(shown["tags"]) == ["a", "b"]
        sv.sovra("project", "set", project["id"], "--enable", "--remove-tag", "a",
                 "--tag", "c")
        shown = sv.json("project", "show", project["id"])
        assert shown["enabled"] is True and sorted(shown["tags"]) == ["b", "c"]
        sv.sovra("project", "set", project["id"], "--clear-tags")
        assert sv.json("project", "show", project["id"])["tags"] == []
        assert error_line(sv.sovra("project", "set", "no-such-project", "--name", "x",
                                   expect=1)).startswith("Error: No project")

        user = sv.json("user", "create", "cli-uset", "--password", "uset-pw-1",
                       "--project", "cli-pset2")
        sv.sovra("role", "add", "member", "--user", "cli-uset", "--project", "cli-pset2")
        sv.sovra("role", "add", "member", "--user", "cli-uset", "--project",
                 "cli-pset-other")
        sv.sovra("user", "set", "cli-uset", "--email", "u@example.org", "--project",
                 "cli-pset-other", "--password", "uset-pw-2", "--description", "d")
        shown = sv.json("user", "show", user["id"])
        assert (shown["email"], shown["default_project_id"], shown["description"]) == \
            ("u@example.org", other["id"], "d")
        env = cloud.env(XDG_CACHE_HOME=str(sv.tmp / "cache-uset"),
                        OS_AUTH_URL=cloud.auth_url, OS_USERNAME="cli-uset",
                        OS_PROJECT_NAME="cli-pset-other", OS_USER_DOMAIN_ID="default",
                        OS_PROJECT_DOMAIN_ID="default")

        def login(password):
            return subprocess.run(
                [str(cli_services.SOVRA), "--no-token-cache", "token", "issue", "-f", "value",
                 "-c", "user_id"], env={**env, "OS_PASSWORD": password}, capture_output=True,
                text=True, timeout=60, check=False)

        assert login("uset-pw-2").stdout.strip() == user["id"]
        assert error_line(login("uset-pw-1")).startswith("Error: HTTP 401 Unauthorized: ")
        sv.sovra("user", "set", "--disable", "cli-uset")
        assert sv.json("user", "show", "cli-uset")["enabled"] is False
        denied = subprocess.run([str(cli_services.SOVRA), "--no-token-cache", "token",
                                 "issue"], env={**env, "OS_PASSWORD": "uset-pw-2"},
                                capture_output=True, text=True, timeout=60, check=False)
        assert denied.returncode == 1 and error_line(denied).startswith("Error: HTTP 401")
        sv.sovra("user", "set", "--enable", "cli-uset")
        assert sv.json("user", "show", "cli-uset")["enabled"] is True
        assert sv.sovra("user", "set", "cli-uset", "--password", "x",
                        "--password-prompt", expect=2).returncode == 2
        sv.sovra("user", "delete", "cli-uset")
    finally:
        sv.sovra("project", "delete", project["id"], other["id"], expect=None)


def test_group_membership(sv):
    group = sv.json("group", "create", "cli-grp", "--description", "people")
    assert (group["name"], group["description"], group["domain_id"]) == \
        ("cli-grp", "people", "default")
    assert sv.json("group", "create", "cli-grp", "--or-show")["id"] == group["id"]
    users = [sv.json("user", "create", name)["id"] for name in ("cli-g1", "cli-g2")]
    try:
        assert {"ID": group["id"], "Name": "cli-grp"} in sv.json("group", "list")
        assert sv.json("group", "list", "--long", "--domain", "default")[0].keys() == \
            {"ID", "Name", "Domain ID", "Description"}
        assert sv.json("group", "show", "cli-grp")["id"] == group["id"]

        sv.sovra("group", "add", "user", "cli-grp", "cli-g1", "cli-g2")
        inside = sv.sovra("group", "contains", "user", "cli-grp", "cli-g1")
        assert inside.stdout == "cli-g1 in group cli-grp\n"
        assert [g["Name"] for g in sv.json("group", "list", "--user", "cli-g2")] == \
            ["cli-grp"]
        sv.sovra("group", "remove", "user", "cli-grp", "cli-g2")
        outside = sv.sovra("group", "contains", "user", "cli-grp", "cli-g2", expect=1)
        assert error_line(outside) == "Error: cli-g2 not in group cli-grp"
        assert sv.json("group", "list", "--user", "cli-g2") == []
        # several users, one unknown: the others are done, then a summary error
        done = sv.sovra("group", "add", "user", "cli-grp", "cli-g2", "cli-nobody",
                        expect=1)
        assert done.stderr.strip().splitlines()[-1] == "Error: 1 of 2 users failed"
        assert sv.sovra("group", "contains", "user", "cli-grp", "cli-g2").returncode == 0
        assert sv.sovra("group", "contains", "user", "cli-grp", expect=2).returncode == 2
        sv.sovra("group", "delete", "cli-grp")
        assert error_line(sv.sovra("group", "show", "cli-grp", expect=1)).startswith(
            "Error: No group")
    finally:
        sv.sovra("user", "delete", *users, expect=None)
        sv.sovra("group", "delete", "cli-grp", expect=None)


def test_role_create_show_delete(sv):
    role = sv.json("role", "create", "cli-role", "--description", "a role")
    assert (role["name"], role["description"], role["domain_id"]) == \
        ("cli-role", "a role", None)
    assert sv.json("role", "show", "cli-role")["id"] == role["id"]
    assert sv.json("role", "create", "cli-role", "--or-show")["id"] == role["id"]
    table = sv.sovra("role", "show", role["id"]).stdout
    assert "| Field" in table and "cli-role" in table
    scoped = sv.json("role", "create", "cli-role", "--domain", "default")
    assert scoped["domain_id"] == "default" and scoped["id"] != role["id"]
    assert sv.json("role", "show", "cli-role", "--domain", "default")["id"] == scoped["id"]
    sv.sovra("role", "delete", "cli-role", scoped["id"])
    assert "cli-role" not in {r["Name"] for r in sv.json("role", "list")}
    assert error_line(sv.sovra("role", "delete", "cli-role", expect=1)).startswith(
        "Error: No role")


def test_region_service_endpoint(sv):
    region = sv.json("region", "create", "cli-region", "--description", "east",
                     "--parent-region", "RegionOne")
    assert region == {"region": "cli-region", "parent_region": "RegionOne",
                      "description": "east"}
    assert {"Region": "cli-region", "Parent Region": "RegionOne",
            "Description": "east"} in sv.json("region", "list")
    assert [r["Region"] for r in sv.json("region", "list", "--parent-region",
                                         "RegionOne")] == ["cli-region"]
    service = sv.json("service", "create", "cli-type", "--name", "cli-svc",
                      "--description", "a test service")
    try:
        assert (service["type"], service["name"], service["enabled"]) == \
            ("cli-type", "cli-svc", True)
        for key in ("cli-svc", "cli-type", service["id"]):
            assert sv.json("service", "show", key)["id"] == service["id"]
        endpoint = sv.json("endpoint", "create", "cli-svc", "public",
                           "http://127.0.0.1:9/cli", "--region", "cli-region")
        assert {k: endpoint[k] for k in ("interface", "url", "region", "service_id",
                                         "service_name", "service_type", "enabled")} == \
            {"interface": "public", "url": "http://127.0.0.1:9/cli",
             "region": "cli-region", "service_id": service["id"],
             "service_name": "cli-svc", "service_type": "cli-type", "enabled": True}
        assert sv.json("endpoint", "show", endpoint["id"])["url"] == \
            "http://127.0.0.1:9/cli"
        assert [e["ID"] for e in sv.json("endpoint", "list", "--service", "cli-type")] \
            == [endpoint["id"]]
        # a region with an endpoint in it cannot go
        assert sv.sovra("region", "delete", "cli-region", expect=1).returncode == 1
        assert sv.sovra("endpoint", "create", "cli-svc", "sideways", "http://x",
                        expect=2).returncode == 2
        assert error_line(sv.sovra("endpoint", "create", "cli-svc", "public", "not-a-url",
                                   expect=1)).startswith("Error: HTTP 400 Bad Request: ")
        sv.sovra("endpoint", "delete", endpoint["id"])
        assert error_line(sv.sovra("endpoint", "show", endpoint["id"], expect=1)).startswith(
            "Error: HTTP 404 Not Found: ")
    finally:
        sv.sovra("service", "delete", "cli-svc", expect=None)
        sv.sovra("region", "delete", "cli-region", expect=None)
    assert "cli-type" not in {s["Type"] for s in sv.json("service", "list")}
    assert "cli-region" not in {r["Region"] for r in sv.json("region", "list")}
    assert error_line(sv.sovra("service", "show", "cli-svc", expect=1)) == \
        "Error: No service with a name, type or id of 'cli-svc'."


def test_token_revoke(sv, cloud):
    token = sv.sovra("--no-token-cache", "token", "issue", "-f", "value", "-c", "id"
                     ).stdout.strip()
    env = cloud.env(XDG_CACHE_HOME=str(sv.tmp / "cache-revoke"), OS_AUTH_TYPE="token",
                    OS_TOKEN=token, OS_AUTH_URL=cloud.auth_url, OS_PROJECT_NAME="admin",
                    OS_PROJECT_DOMAIN_ID="default")

    def with_token(*args):
        return subprocess.run([str(cli_services.SOVRA), "--no-token-cache", *args],
                              env=env, capture_output=True, text=True, timeout=60,
                              check=False)

    assert with_token("project", "list", "-f", "value", "-c", "Name").returncode == 0
    assert sv.sovra("token", "revoke", token).stdout == ""
    denied = with_token("project", "list")
    assert denied.returncode == 1
    assert error_line(denied).startswith(("Error: HTTP 401 Unauthorized: ",
                                          "Error: HTTP 404 Not Found: "))
    assert error_line(sv.sovra("token", "revoke", "not-a-token", expect=1)).startswith(
        "Error: HTTP 404 Not Found: ")
    assert sv.sovra("token", "revoke", expect=2).returncode == 2

"""``sovra`` as a subprocess against a real identity + image + placement cloud:
json and table output, exit codes (0, 1 on an API error, 2 on a usage error), the
error line with its request id, the token cache."""

import json
import os
import stat
import time

import cli_services
import requests


def _cached_token(cloud):
    """The admin's cached token and its file (the newest admin-scoped entry)."""
    entries = []
    for path in (cloud.cache_dir / "sovra" / "tokens").glob("*.json"):
        state = json.loads(json.loads(path.read_text())["auth_state"])
        if state["body"]["token"]["user"]["name"] == "admin":
            entries.append((path.stat().st_mtime, state["auth_token"], path))
    assert entries
    _, token, path = max(entries)
    return token, path


def test_help_is_fast_and_lists_commands(cloud):
    start = time.monotonic()
    done = cloud.sovra("--help", cloud=None)
    elapsed = time.monotonic() - start
    assert "project create" in done.stdout and "resource provider inventory set" in \
        done.stdout and "--os-cloud" in done.stdout
    assert elapsed < 5  # a generous bound on a loaded CI box; measured ~0.25 s
    sub = cloud.sovra("image", "create", "--help", cloud=None)
    assert "--disk-format" in sub.stdout and "--file" in sub.stdout


def test_token_issue_json_and_cache_file(cloud):
    token = cloud.json("token", "issue")
    assert set(token) >= {"id", "expires", "project_id", "user_id"}
    cached, path = _cached_token(cloud)
    assert cached == token["id"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "cli-admin-pw" not in path.read_text()
    table = cloud.sovra("token", "issue").stdout
    assert "| Field" in table and token["id"] in table
    # OS_CLOUD instead of --os-cloud: the same cloud, the same cached token
    again = cloud.json("token", "issue", cloud=None, env=cloud.env(OS_CLOUD="admin"))
    assert again["id"] == token["id"]


def test_token_cache_avoids_password_logins(cloud):
    cloud.sovra("token", "issue")                 # make sure a token is cached
    before = cloud.logins.counts.get("admin", 0)
    for args in (["project", "list"], ["catalog", "list"], ["image", "list"],
                 ["resource", "provider", "list"], ["role", "list"]):
        cloud.sovra(*args)
    assert cloud.logins.counts.get("admin", 0) == before
    cloud.sovra("--no-token-cache", "project", "list")
    assert cloud.logins.counts["admin"] == before + 1


def test_revoked_cached_token_reauthenticates_once(cloud):
    cloud.sovra("token", "issue")
    old, path = _cached_token(cloud)
    resp = requests.delete(f"{cloud.auth_url}/auth/tokens", timeout=10,
                           headers={"X-Auth-Token": old, "X-Subject-Token": old})
    assert resp.status_code == 204, resp.text
    before = cloud.logins.counts.get("admin", 0)
    projects = cloud.json("project", "list")
    assert "admin" in [p["Name"] for p in projects]
    assert cloud.logins.counts["admin"] == before + 1
    new, _ = _cached_token(cloud)
    assert new != old
    # token issue checks a cached token too: a revoked one is replaced, once
    requests.delete(f"{cloud.auth_url}/auth/tokens", timeout=10,
                    headers={"X-Auth-Token": new, "X-Subject-Token": new})
    issued = cloud.json("token", "issue")
    assert issued["id"] not in (old, new)
    assert cloud.logins.counts["admin"] == before + 2


def test_project_user_role_flow(cloud):
    project = cloud.json("project", "create", "cli-demo", "--description", "for the CLI")
    assert project["name"] == "cli-demo" and project["description"] == "for the CLI"
    assert cloud.json("project", "show", "cli-demo")["id"] == project["id"]
    listed = cloud.json("project", "list")
    assert {"ID": project["id"], "Name": "cli-demo"} in listed
    assert "cli-demo" in cloud.sovra("project", "list", "-f", "value", "-c", "Name").stdout

    user = cloud.json("user", "create", "cli-demo", "--password", "cli-demo-pw",
                      "--project", "cli-demo", "--email", "demo@example.org")
    assert user["default_project_id"] == project["id"] and "password" not in user
    assert cloud.json("user", "show", user["id"])["name"] == "cli-demo"
    cloud.sovra("role", "add", "member", "--user", "cli-demo", "--project", "cli-demo")
    assignments = cloud.json("role", "assignment", "list", "--user", "cli-demo", "--names")
    assert {"Role": "member", "User": "cli-demo@Default",
            "Project": "cli-demo@Default"}.items() <= assignments[0].items()

    # the new user logs in and sees only its project
    demo = cloud.json("token", "issue", cloud="demo")
    assert demo["project_id"] == project["id"]
    assert [p["Name"] for p in cloud.json("project", "list", "--my-projects",
                                                cloud="demo")] == ["cli-demo"]

    cloud.sovra("role", "remove", "member", "--user", "cli-demo", "--project", "cli-demo")
    assert cloud.json("role", "assignment", "list", "--user", user["id"]) == []

    # --password-prompt reads it twice (from stdin when there is no terminal)
    other = cloud.json("user", "create", "cli-other", "--password-prompt",
                       stdin="pw-1234567\npw-1234567\n")
    assert cloud.sovra("user", "create", "cli-bad", "--password-prompt",
                       stdin="one-pw\nother-pw\n", expect=1).stderr.splitlines()[-1] == \
        "Error: the passwords do not match"
    names = [u["Name"] for u in cloud.json("user", "list")]
    assert {"admin", "cli-demo", "cli-other"} <= set(names) and "cli-bad" not in names

    cloud.sovra("user", "delete", "cli-demo", other["id"])
    cloud.sovra("project", "delete", "cli-demo")
    assert cloud.json("project", "list", "-c", "Name") == [{"Name": "admin"},
                                                           {"Name": "service"}]


def test_roles_services_endpoints(cloud):
    assert {"admin", "member", "reader", "service"} <= \
        {r["Name"] for r in cloud.json("role", "list")}
    assert {s["Type"] for s in cloud.json("service", "list")} >= \
        {"identity", "image", "placement"}
    endpoints = cloud.json("endpoint", "list", "--service", "image",
                           "--interface", "public")
    assert [e["URL"] for e in endpoints] == [cloud.urls["image"]]


def test_image_create_save_roundtrip(cloud, tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)
    source = tmp_path / "disk.raw"
    source.write_bytes(data)
    image = cloud.json("image", "create", "cli-image", "--file", str(source),
                       "--disk-format", "raw", "--property", "os_distro=cirros")
    assert image["status"] == "active" and image["size"] == len(data)
    assert image["os_distro"] == "cirros"
    assert cloud.json("image", "show", "cli-image")["id"] == image["id"]
    assert [i["Name"] for i in cloud.json("image", "list")] == ["cli-image"]
    target = tmp_path / "copy.raw"
    cloud.sovra("image", "save", "cli-image", "--file", str(target))
    assert target.read_bytes() == data
    cloud.sovra("image", "delete", image["id"])
    assert cloud.json("image", "list") == []
    missing = cloud.sovra("image", "show", "cli-image", expect=1)
    assert missing.stderr == "Error: No image with a name or id of 'cli-image'.\n"


def test_resource_providers(cloud):
    # compute agents of other modules' clouds may have registered their nodes
    before = {p["uuid"] for p in cloud.json("resource", "provider", "list")}
    rp = cloud.json("resource", "provider", "create", "cli-node1")
    assert rp["name"] == "cli-node1" and rp["generation"] == 0
    inventory = cloud.json("resource", "provider", "inventory", "set", "cli-node1",
                           "--resource", "VCPU=8", "--resource",
                           "VCPU:allocation_ratio=4.0", "--resource", "MEMORY_MB=2048")
    assert {i["resource_class"]: (i["total"], i["allocation_ratio"]) for i in inventory} \
        == {"VCPU": (8, 4.0), "MEMORY_MB": (2048, 1.0)}
    listed = cloud.json("resource", "provider", "inventory", "list", rp["uuid"])
    assert [i["resource_class"] for i in listed] == ["MEMORY_MB", "VCPU"]
    amended = cloud.json("resource", "provider", "inventory", "set", rp["uuid"],
                         "--amend", "--resource", "DISK_GB=100")
    assert len(amended) == 3
    providers = cloud.json("resource", "provider", "list")
    assert {p["uuid"] for p in providers} - before == {rp["uuid"]}
    assert cloud.json("resource", "provider", "show", "cli-node1")["generation"] == 2
    cloud.sovra("resource", "provider", "delete", "cli-node1")
    assert {p["uuid"] for p in cloud.json("resource", "provider", "list")} == before


def test_error_line_404_with_request_id(cloud):
    done = cloud.sovra("resource", "provider", "delete",
                       "00000000-0000-0000-0000-000000000000", expect=1)
    line = done.stderr.strip()
    assert "\n" not in line and "Traceback" not in done.stderr
    assert line.startswith("Error: HTTP 404 Not Found: ")
    assert "(request id req-" in line
    debug = cloud.sovra("--debug", "resource", "provider", "delete",
                        "00000000-0000-0000-0000-000000000000", expect=1)
    assert "Traceback" in debug.stderr


def test_error_line_403_with_request_id(cloud):
    cloud.sovra("project", "create", "cli-403")
    cloud.sovra("user", "create", "cli-403", "--password", "pw-403-pw",
                "--project", "cli-403")
    cloud.sovra("role", "add", "member", "--user", "cli-403", "--project", "cli-403")
    env = cloud.env(OS_AUTH_URL=cloud.auth_url, OS_USERNAME="cli-403",
                    OS_PASSWORD="pw-403-pw", OS_PROJECT_NAME="cli-403",
                    OS_USER_DOMAIN_ID="default", OS_PROJECT_DOMAIN_ID="default")
    # OS_* variables, no clouds.yaml entry
    assert cloud.json("token", "issue", cloud=None, env=env)["user_id"]
    denied = cloud.sovra("resource", "provider", "list", cloud=None, env=env, expect=1)
    line = denied.stderr.strip()
    assert line.startswith("Error: HTTP 403 Forbidden: ") and "(request id req-" in line
    denied = cloud.sovra("project", "create", "nope", cloud=None, env=env, expect=1)
    assert denied.stderr.startswith("Error: HTTP 403 Forbidden: ")
    cloud.sovra("user", "delete", "cli-403")
    cloud.sovra("project", "delete", "cli-403")


def test_usage_errors_exit_2(cloud):
    done = cloud.sovra("project", "create", expect=2)
    assert "usage:" in done.stderr
    assert cloud.sovra("no-such-command", expect=2).returncode == 2


def test_bad_password_is_one_line(cloud):
    env = cloud.env(OS_AUTH_URL=cloud.auth_url, OS_USERNAME="admin",
                    OS_PASSWORD="wrong", OS_PROJECT_NAME="admin",
                    OS_USER_DOMAIN_ID="default", OS_PROJECT_DOMAIN_ID="default")
    done = cloud.sovra("project", "list", cloud=None, env=env, expect=1)
    assert done.stderr.startswith("Error: HTTP 401 Unauthorized: ")
    assert len(done.stderr.strip().splitlines()) == 1


def test_status(cloud):
    rows = cloud.json("status")
    by_type = {r["Service"]: r for r in rows}
    assert set(by_type) == {"identity", "image", "placement"}
    assert all(r["Status"] == "up" for r in rows)
    assert by_type["identity"]["Version"].startswith("v3.")
    assert by_type["placement"]["Version"] == "v1.0 (1.0-1.39)"
    assert by_type["image"]["Version"].startswith("v2.")

    # a service whose endpoint answers nothing: down, exit status 1
    token = cloud.sovra("token", "issue", "-f", "value", "-c", "id").stdout.strip()
    headers = {"X-Auth-Token": token}
    svc = requests.post(f"{cloud.auth_url}/services", headers=headers, timeout=10,
                        json={"service": {"type": "compute", "name": "nova"}}).json()
    sid = svc["service"]["id"]
    try:
        for interface in ("public", "internal"):
            resp = requests.post(f"{cloud.auth_url}/endpoints", headers=headers,
                                 timeout=10, json={"endpoint": {
                                     "service_id": sid, "interface": interface,
                                     "region_id": "RegionOne",
                                     "url": "http://127.0.0.1:9/v2.1"}})
            assert resp.status_code == 201, resp.text
        down = cloud.sovra("--no-token-cache", "status", "-f", "json", expect=1)
        rows = {r["Service"]: r for r in json.loads(down.stdout)}
        assert rows["compute"]["Status"].startswith("down")
        assert rows["identity"]["Status"] == "up"
    finally:
        requests.delete(f"{cloud.auth_url}/services/{sid}", headers=headers, timeout=10)


def test_every_declared_command_is_installed_and_loads():
    from sovra_common.cli import command

    installed = cli_services.installed_commands()
    assert set(installed) == cli_services.setup_cfg_commands()
    for name, entry_point in installed.items():
        cls = entry_point.load()
        assert issubclass(cls, command._Base), name
        assert (cls.__doc__ or "").strip(), f"{name} has no summary for --help"

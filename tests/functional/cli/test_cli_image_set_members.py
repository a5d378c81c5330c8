"""``sovra image set|unset`` (properties, tags, visibility, protection,
--deactivate/--activate, a member's --accept) and ``sovra image add project|remove
project|member list``, run as the installed ``sovra`` console script against the CLI
cloud: json and table output, exit codes 0, 1 (API error, one line), 2 (usage)."""

import json
import subprocess

import cli_services
from cli_output import error_line


def test_image_set_unset_deactivate(sv, tmp_path):
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\x01" * 70000)
    image = sv.json("image", "create", "cli-set", "--file", str(disk))
    assert image["status"] == "active"
    try:
        assert sv.sovra("image", "set", "cli-set", "--name", "cli-set2", "--property",
                        "os_distro=cirros", "--property", "hw_disk_bus=virtio", "--tag",
                        "t1", "--tag", "t2", "--public", "--protected", "--min-disk", "1"
                        ).stdout == ""
        shown = sv.json("image", "show", image["id"])
        assert {k: shown[k] for k in ("name", "os_distro", "hw_disk_bus", "visibility",
                                      "protected", "min_disk")} == \
            {"name": "cli-set2", "os_distro": "cirros", "hw_disk_bus": "virtio",
             "visibility": "public", "protected": True, "min_disk": 1}
        assert sorted(shown["tags"]) == ["t1", "t2"]
        table = sv.sovra("image", "show", "cli-set2").stdout
        assert "| os_distro" in table and "cirros" in table
        # protected: delete refused as one line
        assert error_line(sv.sovra("image", "delete", "cli-set2", expect=1)).startswith(
            "Error: HTTP 403 Forbidden: ")

        sv.sovra("image", "unset", "cli-set2", "--tag", "t1", "--property", "os_distro")
        shown = sv.json("image", "show", image["id"])
        assert shown["tags"] == ["t2"] and "os_distro" not in shown
        assert error_line(sv.sovra("image", "unset", "cli-set2", "--property", "os_distro",
                                   expect=1)).startswith("Error: HTTP 409 Conflict: ")

        sv.sovra("image", "set", "cli-set2", "--deactivate")
        assert sv.json("image", "show", image["id"])["status"] == "deactivated"
        sv.sovra("image", "set", "cli-set2", "--activate")
        assert sv.json("image", "show", image["id"])["status"] == "active"
        sv.sovra("image", "set", "cli-set2", "--unprotected", "--private")
        shown = sv.json("image", "show", image["id"])
        assert (shown["protected"], shown["visibility"]) == (False, "private")

        # usage errors: exit 2, nothing changed
        for args in (["--public", "--private"], ["--deactivate", "--activate"],
                     ["--property", "no-equals-sign"], ["--min-disk", "many"]):
            done = sv.sovra("image", "set", "cli-set2", *args, expect=2)
            assert "usage:" in done.stderr
        assert error_line(sv.sovra("image", "set", "cli-set2", "--project", "x",
                                   expect=1)) == \
            "Error: --project goes with --accept, --reject or --pending"
        assert error_line(sv.sovra("image", "set", "no-such-image", "--name", "x",
                                   expect=1)) == \
            "Error: No image with a name or id of 'no-such-image'."
    finally:
        sv.sovra("image", "set", image["id"], "--unprotected", expect=None)
        sv.sovra("image", "delete", image["id"], expect=None)


def test_image_sharing_with_a_project(sv):
    project = sv.json("project", "create", "cli-img-member")
    sv.sovra("user", "create", "cli-img-member", "--password", "img-member-pw",
             "--project", "cli-img-member")
    sv.sovra("role", "add", "member", "--user", "cli-img-member", "--project",
             "cli-img-member")
    image = sv.json("image", "create", "cli-shared", "--visibility", "private")
    member_env = sv.env(OS_AUTH_URL=sv.cloud.auth_url, OS_USERNAME="cli-img-member",
                        OS_PASSWORD="img-member-pw", OS_PROJECT_NAME="cli-img-member",
                        OS_USER_DOMAIN_ID="default", OS_PROJECT_DOMAIN_ID="default")

    def as_member(*args, expect=0):
        done = subprocess.run([str(cli_services.SOVRA), *args], env=member_env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == expect, done.stderr
        return done

    try:
        # private: not shareable (the API's 403), then shared
        assert error_line(sv.sovra("image", "add", "project", "cli-shared",
                                   "cli-img-member", expect=1)).startswith("Error: HTTP 403")
        sv.sovra("image", "set", "cli-shared", "--shared")
        member = sv.json("image", "add", "project", "cli-shared", "cli-img-member")
        assert (member["image_id"], member["member_id"], member["status"]) == \
            (image["id"], project["id"], "pending")
        assert sv.json("image", "member", "list", "cli-shared") == [
            {"Image ID": image["id"], "Member ID": project["id"], "Status": "pending"}]
        table = sv.sovra("image", "member", "list", "cli-shared").stdout
        assert "| Member ID" in table and project["id"] in table

        # the member project accepts it: then it lists it
        assert image["id"] not in as_member("image", "list", "-f", "value", "-c",
                                            "ID").stdout
        as_member("image", "set", image["id"], "--accept")
        assert as_member("image", "list", "-f", "value", "-c", "ID").stdout.split() == \
            [image["id"]]
        assert json.loads(as_member("image", "member", "list", image["id"], "-f",
                                    "json").stdout)[0]["Status"] == "accepted"
        # a member may not share it further
        assert error_line(as_member("image", "add", "project", image["id"], "admin",
                                    expect=1)).startswith("Error: HTTP 403 Forbidden: ")
        assert sv.sovra("image", "set", "cli-shared", "--accept", "--reject",
                        expect=2).returncode == 2

        sv.sovra("image", "remove", "project", "cli-shared", project["id"])
        assert sv.json("image", "member", "list", "cli-shared") == []
        assert as_member("image", "list", "-f", "value", "-c", "ID").stdout == ""
        assert error_line(sv.sovra("image", "remove", "project", "cli-shared",
                                   project["id"], expect=1)).startswith("Error: HTTP 404")
        assert sv.sovra("image", "add", "project", "cli-shared", expect=2).returncode == 2
    finally:
        sv.sovra("image", "delete", image["id"], expect=None)
        sv.sovra("user", "delete", "cli-img-member", expect=None)
        sv.sovra("project", "delete", project["id"], expect=None)

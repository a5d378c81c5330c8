"""``sovra volume ...`` (volumes, snapshots, types, services) run as the installed
``sovra`` console script against the CLI cloud (identity, image, placement from
conftest) plus block storage started here in this process as sovra-allinone starts
it: block-api and one volume agent (host ``node1``, file backend ``file1`` under the
test's tmp dir, qemu-img doing the work) on their own ``sovra-inproc://`` bus, in
the catalog as ``block-storage`` and ``volumev3`` like devstack registers it."""

import dataclasses
import json
import subprocess
import time
import uuid
from pathlib import Path

import cli_services
import pytest
import requests
from cli_output import run_on_terminal

from sovra_block.db import DATABASE as BLOCK_DB
from sovra_common import conf as sovra_conf
from sovra_common import process
from sovra_common.cmd import manage
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE as IDENTITY_DB

BLOCK_PASSWORD = "svc-block-pw"
SOVRA = cli_services.SOVRA


def sovra(cloud, *args, user="admin", expect=0):
    """The installed ``sovra`` as ``user`` of the cloud's clouds.yaml."""
    return cloud.sovra(*args, cloud=user, expect=expect)


def sovra_json(cloud, *args, **kwargs):
    return json.loads(sovra(cloud, *args, "-f", "json", **kwargs).stdout)


@dataclasses.dataclass
class BlockService:
    url: str          # the API's, as in the catalog (.../v3)
    volume_dir: Path  # the file backend's: volume-<id>.raw


@pytest.fixture(scope="module")
def block(cloud):
    """block-api and a volume agent next to the CLI cloud."""
    tmp = cloud.tmp / "block"
    tmp.mkdir()
    port = cli_services.free_port()
    url = f"http://127.0.0.1:{port}/v3"
    common, id_file = cloud.tmp / "sovra.conf", cloud.tmp / "sovra-identity.conf"

    def register(service_type, *user):
        assert manage.main(["--config-file", str(common), "--config-file", str(id_file),
                            "identity", "register-service", "--type", service_type,
                            "--name", "block", "--region", "RegionOne", "--public-url",
                            url, *user],
                           services=[IDENTITY_DB], commands=identity_manage.COMMANDS) == 0

    register("block-storage", "--user", "block", "--password", BLOCK_PASSWORD)
    register("volumev3")
    conf_file = tmp / "sovra-block.conf"
    conf_file.write_text(
        f"[api]\nbind_host = 127.0.0.1\nbind_port = {port}\n"
        f"[database]\nconnection = sqlite:///{tmp / 'block.db'}\n"
        f"[messaging]\ntransport_url = sovra-inproc:///cli-block-{uuid.uuid4().hex}\n"
        "[auth]\nidentity_interface = public\n"
        f"[block]\nhost = node1\nenabled_backends = file1\nreport_interval = 1\n"
        f"image_conversion_dir = {tmp / 'conversion'}\nimage_interface = public\n"
        "[block_quota]\ngigabytes = -1\n"
        f"[file1]\nvolume_driver = file\nfile_volume_dir = {tmp / 'volumes'}\n"
        "[service_auth]\nauth_type = password\n"
        f"auth_url = {cloud.auth_url}\nusername = block\npassword = {BLOCK_PASSWORD}\n"
        "user_domain_id = default\nproject_name = service\nproject_domain_id = default\n")
    assert manage.main(["--config-file", str(conf_file), "block", "db", "sync"],
                       services=[BLOCK_DB], commands=[]) == 0
    from sovra_block.cmd import agent as block_agent
    from sovra_block.cmd import api as block_api

    def load(component):
        conf = component.new_conf()
        sovra_conf.load(conf, "sovra", args=[], config_files=[str(common), str(conf_file)])
        return conf

    api_conf = load(block_api.COMPONENT)
    resources = process.ProcessResources(api_conf).start()
    running = []
    try:
        running.append(block_api.COMPONENT.start(api_conf, resources))
        running.append(block_agent.COMPONENT.start(load(block_agent.COMPONENT), resources))
        headers = cli_services.admin_headers(cloud)
        deadline = time.monotonic() + 30
        while not requests.get(f"{url}/os-services", headers=headers,
                               timeout=10).json()["services"]:
            assert time.monotonic() < deadline, "the volume agent never reported"
            time.sleep(0.1)
        yield BlockService(url, tmp / "volumes")
    finally:
        for handle in reversed(running):
            handle.stop()
        resources.stop()
        # out of the session's catalog: the modules after this one on the worker
        # (xdist: in no fixed order) must not find an API that is gone
        for service_type in ("volumev3", "block-storage"):
            cli_services.deregister(cloud, service_type)


def test_help_explains_volume_commands(cloud):
    top = subprocess.run([str(SOVRA), "--help"], capture_output=True, text=True,
                         timeout=60, env=cloud.env())
    assert top.returncode == 0
    for name in ("volume create", "volume snapshot create", "volume type list",
                 "volume extend", "volume service list"):
        assert name in top.stdout, name
    create = sovra(cloud, "volume", "create", "--help", user=None)
    for option in ("--size", "--image", "--snapshot", "--source", "--type",
                   "--availability-zone", "--property", "--wait"):
        assert option in create.stdout, option
    assert "available" in create.stdout   # what --wait waits for


def test_volume_lifecycle(cloud, block):
    created = sovra_json(cloud, "volume", "create", "--size", "1", "--property", "k=v",
                         "--description", "first", "--wait", "cli-v1")
    assert (created["status"], created["size"], created["name"]) == \
        ("available", 1, "cli-v1")
    assert created["metadata"] == {"k": "v"} and created["description"] == "first"
    assert created["volume_type"] == "__DEFAULT__"
    rows = sovra_json(cloud, "volume", "list")
    assert {"ID": created["id"], "Name": "cli-v1", "Status": "available", "Size": 1,
            "Attached to": ""} in rows
    table = sovra(cloud, "volume", "list", "--long").stdout
    assert "| cli-v1" in table and "Bootable" in table and "k='v'" in table
    assert sovra_json(cloud, "volume", "show", "cli-v1")["id"] == created["id"]
    assert sovra(cloud, "volume", "show", created["id"], "-c", "status", "-f",
                 "value").stdout == "available\n"

    sovra(cloud, "volume", "set", "--name", "cli-v1b", "--description", "renamed",
          "--property", "a=b", "--unset-property", "k", "--bootable", "cli-v1")
    shown = sovra_json(cloud, "volume", "show", "cli-v1b")
    assert (shown["name"], shown["description"], shown["metadata"]) == \
        ("cli-v1b", "renamed", {"a": "b"})
    assert shown["bootable"] == "true"

    extended = sovra_json(cloud, "volume", "extend", "--size", "2", "--wait", "cli-v1b")
    assert (extended["size"], extended["status"]) == (2, "available")
    assert sovra_json(cloud, "volume", "list", "--status", "available",
                      "--name", "cli-v1b")[0]["Size"] == 2

    sovra(cloud, "volume", "delete", "--wait", "cli-v1b")
    assert sovra_json(cloud, "volume", "list", "--name", "cli-v1b") == []
    gone = sovra(cloud, "volume", "show", created["id"], expect=1)
    assert gone.stderr == f"Error: No volume with a name or id of '{created['id']}'.\n"


def test_snapshot_and_copies(cloud, block):
    source = sovra_json(cloud, "volume", "create", "--size", "1", "--wait", "cli-src")
    snap = sovra_json(cloud, "volume", "snapshot", "create", "--volume", "cli-src",
                      "--property", "why=test", "--wait", "cli-s1")
    assert (snap["status"], snap["volume_id"], snap["size"]) == \
        ("available", source["id"], 1)
    assert snap["metadata"] == {"why": "test"}
    listed = sovra_json(cloud, "volume", "snapshot", "list", "--volume", "cli-src")
    assert [(s["ID"], s["Name"], s["Status"]) for s in listed] == \
        [(snap["id"], "cli-s1", "available")]
    assert sovra_json(cloud, "volume", "snapshot", "show", "cli-s1")["id"] == snap["id"]

    # from the snapshot (its size by default, or larger) and from the volume
    from_snap = sovra_json(cloud, "volume", "create", "--snapshot", "cli-s1", "--wait",
                           "cli-from-snap")
    assert (from_snap["snapshot_id"], from_snap["size"], from_snap["status"]) == \
        (snap["id"], 1, "available")
    clone = sovra_json(cloud, "volume", "create", "--source", source["id"], "--size",
                       "2", "--wait", "cli-clone")
    assert (clone["source_volid"], clone["size"]) == (source["id"], 2)

    # a volume with snapshots is not deleted without --purge: one error line
    refused = sovra(cloud, "volume", "delete", "cli-src", expect=1)
    assert refused.stderr.startswith("Error: HTTP 400") and \
        refused.stderr.count("\n") == 1 and "request id req-" in refused.stderr
    sovra(cloud, "volume", "delete", "--wait", "cli-from-snap", "cli-clone")
    sovra(cloud, "volume", "snapshot", "delete", "--wait", "cli-s1")
    assert sovra_json(cloud, "volume", "snapshot", "list") == []
    snap2 = sovra_json(cloud, "volume", "snapshot", "create", "--volume", "cli-src",
                       "--wait", "cli-s2")
    sovra(cloud, "volume", "delete", "--purge", "--wait", "cli-src")
    assert sovra_json(cloud, "volume", "list") == []
    sovra(cloud, "volume", "snapshot", "show", snap2["id"], expect=1)


def test_volume_from_an_image(cloud, block):
    headers = cli_services.admin_headers(cloud)
    resp = requests.post(f"{cloud.urls['image']}/v2/images", timeout=30, headers=headers,
                         json={"name": "cli-vol-image", "disk_format": "raw",
                               "container_format": "bare", "visibility": "public"})
    assert resp.status_code == 201, resp.text
    image_id = resp.json()["id"]
    data = b"sovra" * 1000
    resp = requests.put(f"{cloud.urls['image']}/v2/images/{image_id}/file", timeout=30,
                        data=data, headers={**headers,
                                            "Content-Type": "application/octet-stream"})
    assert resp.status_code == 204, resp.text
    try:
        volume = sovra_json(cloud, "volume", "create", "--image", "cli-vol-image",
                            "--size", "1", "--wait", "cli-booted")
        assert (volume["status"], volume["bootable"]) == ("available", "true")
        assert volume["volume_image_metadata"]["image_id"] == image_id
        volume_file = block.volume_dir / f"volume-{volume['id']}.raw"
        with open(volume_file, "rb") as disk:
            assert disk.read(len(data)) == data   # the image's bytes, then zeros
        missing = sovra(cloud, "volume", "create", "--image", "no-such-image", "--size",
                        "1", "cli-x", expect=1)
        assert missing.stderr == "Error: No image with a name or id of 'no-such-image'.\n"
        sovra(cloud, "volume", "delete", "--wait", "cli-booted")
    finally:
        requests.delete(f"{cloud.urls['image']}/v2/images/{image_id}", headers=headers,
                        timeout=30)


def test_volume_types(cloud, block):
    types = {t["Name"]: t for t in sovra_json(cloud, "volume", "type", "list")}
    assert "__DEFAULT__" in types and types["__DEFAULT__"]["Is Public"] is True
    gold = sovra_json(cloud, "volume", "type", "create", "--description", "the file "
                      "backend", "--property", "volume_backend_name=file1", "cli-gold")
    assert gold["extra_specs"] == {"volume_backend_name": "file1"}
    assert gold["is_public"] is True
    private = sovra_json(cloud, "volume", "type", "create", "--private", "cli-hidden")
    assert private["is_public"] is False
    public_names = {t["Name"] for t in sovra_json(cloud, "volume", "type", "list")}
    all_names = {t["Name"] for t in sovra_json(cloud, "volume", "type", "list", "--all")}
    assert "cli-hidden" not in public_names and "cli-hidden" in all_names
    assert sovra_json(cloud, "volume", "type", "show", "cli-hidden")["id"] == \
        private["id"]

    volume = sovra_json(cloud, "volume", "create", "--size", "1", "--type", "cli-gold",
                        "--wait", "cli-typed")
    assert volume["volume_type"] == "cli-gold" and volume["status"] == "available"
    in_use = sovra(cloud, "volume", "type", "delete", "cli-gold", expect=1)
    assert in_use.stderr.startswith("Error: HTTP 400") and in_use.stderr.count("\n") == 1
    sovra(cloud, "volume", "delete", "--wait", "cli-typed")
    sovra(cloud, "volume", "type", "delete", "cli-gold", private["id"])
    remaining = {t["Name"] for t in sovra_json(cloud, "volume", "type", "list", "--all")}
    assert not remaining & {"cli-gold", "cli-hidden"}


def test_usage_errors_exit_2(cloud):
    for args in (["volume", "create", "--size", "0", "v"],
                 ["volume", "create", "--size", "x", "v"],
                 ["volume", "create", "--size", "1", "--property", "novalue", "v"],
                 ["volume", "create", "--size", "1", "--image", "i", "--snapshot", "s",
                  "v"],
                 ["volume", "extend", "v"],
                 ["volume", "set", "--bootable", "--non-bootable", "v"],
                 ["volume", "snapshot", "create", "s"]):
        done = sovra(cloud, *args, expect=2)
        assert done.stdout == "", args


def test_api_and_lookup_errors_exit_1(cloud, block):
    missing_type = sovra(cloud, "volume", "create", "--size", "1", "--type", "no-such",
                         "cli-x", expect=1)
    assert missing_type.stderr.startswith("Error: HTTP 404 Not Found: ")
    assert "request id req-" in missing_type.stderr
    assert missing_type.stderr.count("\n") == 1
    no_size = sovra(cloud, "volume", "create", "cli-x", expect=1)
    assert no_size.stderr == \
        "Error: --size is required (except with --snapshot or --source)\n"
    unknown = sovra(cloud, "volume", "delete", "no-such-volume", expect=1)
    assert unknown.stderr == "Error: No volume with a name or id of 'no-such-volume'.\n"
    assert sovra(cloud, "volume", "set", "whatever", expect=1).stderr.startswith(
        "Error: nothing to change")
    sovra_json(cloud, "volume", "create", "--size", "2", "--wait", "cli-small")
    # the clouds.yaml's demo user, a member of its own project (removed at the end)
    sovra(cloud, "project", "create", "cli-demo")
    sovra(cloud, "user", "create", "cli-demo", "--password", "cli-demo-pw",
          "--project", "cli-demo")
    try:
        sovra(cloud, "role", "add", "member", "--user", "cli-demo", "--project",
              "cli-demo")
        shrink = sovra(cloud, "volume", "extend", "--size", "1", "cli-small", expect=1)
        assert "volumes only grow" in shrink.stderr
        # an ordinary user may not create volume types: the API's 403, one line
        denied = sovra(cloud, "volume", "type", "create", "cli-nope", user="demo",
                       expect=1)
        assert denied.stderr.startswith("Error: HTTP 403 Forbidden: ")
        # another project's volume is not there for the demo user
        other = sovra(cloud, "volume", "show", "cli-small", user="demo", expect=1)
        assert other.stderr == "Error: No volume with a name or id of 'cli-small'.\n"
        assert sovra_json(cloud, "volume", "list", user="demo") == []
        everyone = sovra_json(cloud, "volume", "list", "--all-projects")
        assert [v["Name"] for v in everyone] == ["cli-small"] and everyone[0]["Project"]
    finally:
        sovra(cloud, "volume", "delete", "--wait", "cli-small")
        sovra(cloud, "user", "delete", "cli-demo")
        sovra(cloud, "project", "delete", "cli-demo")


def test_failed_create_fails_the_wait_with_the_reason(cloud, block):
    # far more than the backend can hold (quotas are unlimited here): the scheduler
    # finds no backend, the volume goes to error with the reason why
    done = sovra(cloud, "volume", "create", "--size", "100000000", "--wait", "cli-huge",
                 expect=1)
    assert done.stderr.startswith("Error: cli-huge is error: "), done.stderr
    assert done.stderr.count("\n") == 1 and done.stdout == ""
    assert sovra_json(cloud, "volume", "show", "cli-huge")["status"] == "error"
    sovra(cloud, "volume", "delete", "--wait", "cli-huge")


def test_wait_draws_a_live_progress_line_on_a_terminal(cloud, block):
    done, drawn = run_on_terminal([str(SOVRA), "--os-cloud", "admin", "volume", "create",
                                   "--size", "1", "--wait", "cli-tty", "-f", "json"],
                                  cloud.env())
    assert done.returncode == 0, drawn
    assert json.loads(done.stdout)["status"] == "available"
    assert b"\r\x1b[Kcli-tty: available" in drawn, drawn
    sovra(cloud, "volume", "delete", "--wait", "cli-tty")


def test_services_and_status(cloud, block):
    services = sovra_json(cloud, "volume", "service", "list")
    assert [(s["Binary"], s["Host"], s["State"], s["Status"]) for s in services] == \
        [("cinder-volume", "node1@file1", "up", "enabled")]
    assert "node1@file1" in sovra(cloud, "volume", "service", "list").stdout
    # `sovra status` probes every service in the catalog (another module's may be
    # gone by now): only the block rows are this test's
    done = sovra(cloud, "--no-token-cache", "status", "-f", "json", expect=None)
    rows = json.loads(done.stdout)
    by_type = {r["Service"]: r for r in rows}
    for service_type in ("block-storage", "volumev3"):
        assert by_type[service_type]["Status"] == "up"
        assert by_type[service_type]["Version"].startswith("v3.0 (3.0-3.")
    backend = [r for r in rows if r["Service"] == "volume backend"]
    assert backend == [{"Service": "volume backend", "Name": "node1@file1",
                        "Endpoint": "", "Status": "up", "Version": ""}]

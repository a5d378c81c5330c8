"""``sovra server|flavor|keypair|compute service`` as a subprocess against the CLI
cloud (identity, image, placement from conftest) plus compute started here in this
process: API, conductor and one agent (``node1``) with the fake driver, on their own
``sovra-inproc://`` bus. Builds that fail use the fake driver's fault injection
(``fail_operations``, the in-process twin of ``[fake_driver] fail_operations``)."""

import subprocess
import uuid

import cli_services
import pytest
import requests
from cli_services import SOVRA

from sovra_common import conf as sovra_conf
from sovra_common import process
from sovra_common.auth import sessions
from sovra_common.cmd import manage
from sovra_compute import placement_client
from sovra_compute.cmd import agent as compute_agent
from sovra_compute.cmd import api as compute_api
from sovra_compute.cmd import conductor as compute_conductor
from sovra_compute.db import DATABASE as COMPUTE_DB
from sovra_compute.virt import fake
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE as IDENTITY_DB

NOVA_PASSWORD = "svc-nova-pw"


@pytest.fixture(scope="module")
def compute(cloud):
    """Compute's three components next to the CLI cloud; yields node1's FakeDriver."""
    tmp = cloud.tmp
    port = cli_services.free_port()
    common, id_file = tmp / "sovra.conf", tmp / "sovra-identity.conf"
    assert manage.main(["--config-file", str(common), "--config-file", str(id_file),
                        "identity", "register-service", "--type", "compute", "--name",
                        "nova", "--region", "RegionOne", "--public-url",
                        f"http://127.0.0.1:{port}/v2.1", "--user", "nova",
                        "--password", NOVA_PASSWORD],
                       services=[IDENTITY_DB], commands=identity_manage.COMMANDS) == 0
    co_file = tmp / "sovra-compute.conf"
    co_file.write_text(
        f"[api]\nbind_host = 127.0.0.1\nbind_port = {port}\n"
        f"[database]\nconnection = sqlite:///{tmp / 'compute.db'}\n"
        f"[messaging]\ntransport_url = sovra-inproc:///cli-compute-{uuid.uuid4().hex}\n"
        "[auth]\nidentity_interface = public\n"
        "[coordination]\nheartbeat_ttl = 3\n"
        "[compute]\nhost = controller\nplacement_interface = public\n"
        "[service_auth]\nauth_type = password\n"
        f"auth_url = {cloud.auth_url}\nusername = nova\npassword = {NOVA_PASSWORD}\n"
        "user_domain_id = default\nproject_name = service\n"
        "project_domain_id = default\n")
    assert manage.main(["--config-file", str(co_file), "compute", "db", "sync"],
                       services=[COMPUTE_DB], commands=[]) == 0
    agent_file = tmp / "sovra-compute-node1.conf"
    agent_file.write_text("[compute]\nhost = node1\n")

    def load(component, *files):
        conf = component.new_conf()
        sovra_conf.load(conf, "sovra", args=[], config_files=[str(f) for f in files])
        return conf

    api_conf = load(compute_api.COMPONENT, common, co_file)
    resources = process.ProcessResources(api_conf).start()
    running = []
    try:
        running.append(compute_api.COMPONENT.start(api_conf, resources))
        running.append(compute_conductor.COMPONENT.start(
            load(compute_conductor.COMPONENT, common, co_file), resources))
        agent_conf = load(compute_agent.COMPONENT, common, co_file, agent_file)
        driver = fake.FakeDriver()
        placement = placement_client.PlacementClient(
            sessions.service_session(agent_conf), interface="public")
        agent = compute_agent.COMPONENT.start(agent_conf, resources, driver=driver,
                                              placement=placement)
        running.append(agent)
        assert agent.joined.wait(60), "node1 did not join the cloud"
        # a flavor (no `flavor create` command yet) and an image, over REST with an
        # admin token: fewer `sovra` runs (each costs a Python start-up)
        headers = cli_services.admin_headers(cloud)
        resp = requests.post(
            f"http://127.0.0.1:{port}/v2.1/flavors", timeout=30, headers=headers,
            json={"flavor": {"name": "cli.tiny", "ram": 256, "vcpus": 1, "disk": 1}})
        assert resp.status_code == 200, resp.text
        resp = requests.post(f"{cloud.urls['image']}/v2/images", timeout=30,
                             headers=headers,
                             json={"name": "cirros-cli", "disk_format": "raw",
                                   "container_format": "bare"})
        assert resp.status_code == 201, resp.text
        resp = requests.put(f"{cloud.urls['image']}/v2/images/{resp.json()['id']}/file",
                            timeout=30, data=b"\0" * 4096,
                            headers={**headers,
                                     "Content-Type": "application/octet-stream"})
        assert resp.status_code == 204, resp.text
        yield driver
    finally:
        for handle in reversed(running):
            handle.stop()
        resources.stop()
        # the session's catalog and images as this module found them: the modules
        # after this one on the worker (xdist: in no fixed order) count them
        headers = cli_services.admin_headers(cloud)
        for image in requests.get(f"{cloud.urls['image']}/v2/images?name=cirros-cli",
                                  headers=headers, timeout=30).json()["images"]:
            requests.delete(f"{cloud.urls['image']}/v2/images/{image['id']}",
                            headers=headers, timeout=30)
        cli_services.deregister(cloud, "compute")


def test_flavor_and_compute_service_lists(cloud, compute):
    flavors = cloud.json("flavor", "list")
    tiny = next(f for f in flavors if f["Name"] == "cli.tiny")
    assert (tiny["RAM"], tiny["VCPUs"], tiny["Disk"]) == (256, 1, 1)
    assert cloud.json("flavor", "show", "cli.tiny")["id"] == tiny["ID"]
    hosts = {s["Host"] for s in cloud.json("compute", "service", "list")}
    assert "node1" in hosts


def test_keypair_create_list_delete(cloud, compute):
    generated = cloud.json("keypair", "create", "cli-k1")
    assert generated["private_key"].startswith("-----BEGIN")
    pub = cloud.tmp / "cli-k2.pub"
    pub.write_text(generated["public_key"] + "\n")
    imported = cloud.json("keypair", "create", "--public-key", str(pub), "cli-k2")
    assert "private_key" not in imported
    assert imported["fingerprint"] == generated["fingerprint"]
    shown = cloud.json("keypair", "show", "cli-k2")
    assert (shown["name"], shown["fingerprint"]) == ("cli-k2", generated["fingerprint"])
    assert generated["fingerprint"] in cloud.sovra("keypair", "show", "cli-k2").stdout
    cloud.sovra("keypair", "delete", "cli-k2")
    names = [k["Name"] for k in cloud.json("keypair", "list")]
    assert "cli-k1" in names and "cli-k2" not in names
    gone = cloud.sovra("keypair", "delete", "cli-k2", expect=1)
    assert gone.stderr.startswith("Error: HTTP 404") and gone.stderr.count("\n") == 1
    gone = cloud.sovra("keypair", "show", "cli-k2", expect=1)
    assert gone.stderr.startswith("Error: HTTP 404") and gone.stderr.count("\n") == 1
    assert "usage:" in cloud.sovra("keypair", "show", expect=2).stderr


def test_server_lifecycle_with_wait(cloud, compute):
    created = cloud.json("server", "create", "--flavor", "cli.tiny", "--image",
                         "cirros-cli", "--key-name", "cli-k1", "--no-network",
                         "--wait", "vm1")
    assert created["status"] == "ACTIVE" and created["name"] == "vm1"
    assert created["key_name"] == "cli-k1"
    row = next(s for s in cloud.json("server", "list") if s["Name"] == "vm1")
    assert (row["ID"], row["Status"]) == (created["id"], "ACTIVE")

    cloud.sovra("server", "stop", "--wait", "vm1")
    table = cloud.sovra("server", "list").stdout
    assert "| vm1" in table and "SHUTOFF" in table
    cloud.sovra("server", "start", "--wait", created["id"])
    assert cloud.json("server", "show", "vm1")["status"] == "ACTIVE"

    cloud.sovra("server", "delete", "--wait", "vm1")
    missing = cloud.sovra("server", "show", "vm1", expect=1)
    assert "vm1" in missing.stderr and missing.stderr.count("\n") == 1


def test_console_log_shows_and_follows(cloud, compute):
    created = cloud.json("server", "create", "--flavor", "cli.tiny", "--image",
                         "cirros-cli", "--no-network", "--wait", "vm-console")
    guest = compute._guests[created["id"]]
    guest["console"] = "line one\nline two\nline three\n"
    assert cloud.sovra("console", "log", "vm-console").stdout == guest["console"]
    assert cloud.sovra("console", "log", "show", "--lines", "1",
                       created["id"]).stdout == "line three\n"
    follow = subprocess.Popen(
        [str(SOVRA), "--os-cloud", "admin", "console", "log",
         "--follow", "--interval", "0.2", "vm-console"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cloud.env())
    try:
        assert follow.stdout.readline() == "line one\n"
        follow.stdout.readline(), follow.stdout.readline()
        guest["console"] += "line four\n"  # the guest prints more
        assert follow.stdout.readline() == "line four\n"
        cloud.sovra("server", "delete", "--wait", "vm-console")
        assert follow.wait(30) == 0
        assert "vm-console was deleted" in follow.stderr.read()
    finally:
        if follow.poll() is None:
            follow.kill()
            follow.wait()
        follow.stdout.close()
        follow.stderr.close()
    bad = cloud.sovra("console", "log", "--lines", "-1", "vm-x", expect=1)
    assert bad.stderr.count("\n") == 1


def test_failed_build_fails_the_wait_with_the_fault(cloud, compute):
    compute.fail_operations.add("spawn")
    try:
        done = cloud.sovra("server", "create", "--flavor", "cli.tiny", "--image",
                           "cirros-cli", "--no-network", "--wait", "vm-bad", expect=1)
    finally:
        compute.fail_operations.discard("spawn")
    assert done.stdout == ""
    line = done.stderr
    assert line.count("\n") == 1 and line.startswith("Error: vm-bad is ERROR: "), line
    shown = cloud.json("server", "show", "vm-bad")
    assert shown["status"] == "ERROR"
    assert shown["fault"]["message"] in line


def test_usage_and_lookup_errors(cloud, compute):
    usage = cloud.sovra("server", "create", "--image", "cirros-cli", "vm2", expect=2)
    assert "--flavor" in usage.stderr
    bad = cloud.sovra("server", "create", "--flavor", "no-such-flavor", "--image",
                      "cirros-cli", "--no-network", "vm2", expect=1)
    assert "no-such-flavor" in bad.stderr and bad.stderr.count("\n") == 1
    bad = cloud.sovra("server", "create", "--flavor", "cli.tiny", "--image",
                      "no-such-image", "--no-network", "vm2", expect=1)
    assert "no-such-image" in bad.stderr and bad.stderr.count("\n") == 1


def test_status_lists_the_compute_agents(cloud, compute):
    rows = cloud.json("status")
    agents = [r for r in rows if r["Service"] == "compute agent"]
    assert [(r["Name"], r["Status"]) for r in agents] == [("node1", "up")]
    assert next(r for r in rows if r["Service"] == "compute")["Status"] == "up"

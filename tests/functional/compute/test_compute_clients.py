"""What the newer microversions give real clients: openstacksdk's resources and the
`openstack` CLI on tags, metadata, lock reasons, flavor descriptions, availability
zones, usage, instance actions, services, hypervisors and server groups."""

import datetime
import json
import shutil
import subprocess

import pytest
from active_servers import boot_active, delete_and_wait
from compute_cloud import HOSTS, wait_for

from sovra_compute import placement_client

OPENSTACK = shutil.which("openstack")
needs_cli = pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def _cli(cloud, *args, version=None):
    argv = [OPENSTACK, *(("--os-compute-api-version", version) if version else ()),
            *args]
    done = subprocess.run(argv, capture_output=True, text=True, env=cloud.client_env(),
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _cli_json(cloud, *args, version=None):
    return json.loads(_cli(cloud, *args, "-f", "json", version=version))


@pytest.fixture(scope="module")
def server(conn, image, flavor):
    server = boot_active(conn, image, flavor, "clients")
    yield server
    delete_and_wait(conn, server)


def test_sdk_server_has_the_embedded_flavor(conn, server):
    shown = conn.compute.get_server(server.id)
    assert shown.flavor.original_name == "m1.tiny"
    assert (shown.flavor.vcpus, shown.flavor.ram, shown.flavor.disk) == (1, 512, 1)


def test_sdk_tags(conn, server):
    conn.compute.add_tag_to_server(server, "blue")
    conn.compute.add_tag_to_server(server, "green")
    assert sorted(conn.compute.get_server(server.id).tags) == ["blue", "green"]
    assert [s.id for s in conn.compute.servers(tags="blue")] == [server.id]
    conn.compute.remove_tag_from_server(server, "blue")
    assert conn.compute.get_server(server.id).tags == ["green"]
    conn.compute.remove_tags_from_server(server)
    assert conn.compute.get_server(server.id).tags == []


def test_sdk_metadata(conn, server):
    conn.compute.set_server_metadata(server, role="db", tier="gold")
    assert conn.compute.get_server_metadata(server).metadata == {"role": "db",
                                                                 "tier": "gold"}
    conn.compute.delete_server_metadata(server, ["tier"])
    assert conn.compute.get_server(server.id).metadata == {"role": "db"}


def test_sdk_lock_reason(conn, server):
    conn.compute.lock_server(server, locked_reason="maintenance window")
    shown = conn.compute.get_server(server.id)
    assert (shown.is_locked, shown.locked_reason) == (True, "maintenance window")
    conn.compute.unlock_server(server)
    assert conn.compute.get_server(server.id).locked_reason is None


def test_sdk_zones_services_hypervisors(conn):
    zones = list(conn.compute.availability_zones())
    assert [(z.name, z.state["available"]) for z in zones] == [("nova", True)]
    detailed, = conn.compute.availability_zones(details=True)
    assert sorted(detailed.hosts) == list(HOSTS)
    services = list(conn.compute.services())
    assert sorted(s.host for s in services) == list(HOSTS)
    assert all(len(s.id) == 36 for s in services)
    hypervisors = list(conn.compute.hypervisors())
    assert sorted(h.id for h in hypervisors) == sorted(
        placement_client.node_uuid(h) for h in HOSTS)


def test_sdk_flavor_description_and_usage(conn, server, flavor):
    conn.compute.update_flavor(flavor, description="one vcpu")
    assert conn.compute.get_flavor(flavor.id).description == "one vcpu"
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    end = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    usage = conn.compute.get_usage(conn.current_project_id, start=start, end=end)
    assert server.id in [s["instance_id"] for s in usage.server_usages]


def test_sdk_server_actions(conn, server):
    actions = list(conn.compute.server_actions(server))
    assert actions[-1].action == "create"
    shown = conn.compute.get_server_action(actions[-1].request_id, server)
    assert shown.action == "create"
    assert [(e.event, e.result) for e in shown.events] == [
        ("conductor_schedule_and_build_instances", "Success"),
        ("compute__do_build_and_run_instance", "Success")]


def test_sdk_server_groups(conn, image, flavor):
    group = conn.compute.create_server_group(name="sdk-group", policy="affinity")
    created = conn.compute.create_server(name="in-group", image_id=image.id,
                                         flavor_id=flavor.id, networks="none",
                                         scheduler_hints={"group": group.id})
    server = conn.compute.wait_for_server(created, status="ACTIVE", interval=0.05,
                                          wait=20)
    assert conn.compute.get_server_group(group.id).member_ids == [server.id]
    assert conn.compute.get_server(server.id).server_groups == [group.id]
    assert group.id in [g.id for g in conn.compute.server_groups()]
    delete_and_wait(conn, server)
    conn.compute.delete_server_group(group)


def test_sdk_hostname_and_newer_fields(conn, image, flavor):
    created = conn.compute.create_server(name="sdk-fields", image_id=image.id,
                                         flavor_id=flavor.id, networks="none",
                                         hostname="sdk-host",
                                         scheduler_hints={"same_host": []})
    server = conn.compute.wait_for_server(created, status="ACTIVE", interval=0.05,
                                          wait=20)
    shown = conn.compute.get_server(server.id)
    assert shown.hostname == "sdk-host"
    assert shown.pinned_availability_zone is None
    assert shown.scheduler_hints == {"same_host": []}
    conn.compute.update_server(server, hostname="sdk-host2")
    assert conn.compute.get_server(server.id).hostname == "sdk-host2"
    delete_and_wait(conn, server)


@needs_cli
def test_cli_keypair_and_hostname(cloud, conn, image, flavor):
    private = cloud.tmp / "cli-key.pem"  # at 2.92 the CLI makes the key itself
    key = _cli_json(cloud, "keypair", "create", "--private-key", str(private),
                    "cli-key", version="2.92")
    assert key["name"] == "cli-key" and "PRIVATE KEY" in private.read_text()
    assert _cli_json(cloud, "keypair", "show", "cli-key", version="2.92")["type"] == \
        "ssh"
    _cli(cloud, "keypair", "delete", "cli-key")
    created = _cli_json(cloud, "server", "create", "--image", image.id, "--flavor",
                        "m1.tiny", "--no-network", "--hostname", "cli-host",
                        "--availability-zone", "nova", "--wait", "cli-host",
                        version="2.100")
    shown = _cli_json(cloud, "server", "show", created["id"], version="2.100")
    assert shown["OS-EXT-SRV-ATTR:hostname"] == "cli-host"
    assert shown["pinned_availability_zone"] == "nova"
    _cli(cloud, "server", "delete", "--wait", created["id"])


@needs_cli
def test_cli_tags_lock_reason_and_events(cloud, conn, image, flavor):
    created = _cli_json(cloud, "server", "create", "--image", image.id, "--flavor",
                        "m1.tiny", "--no-network", "--tag", "cli", "--wait",
                        "cli-tags", version="2.52")
    server_id = created["id"]
    _cli(cloud, "server", "set", "--tag", "more", server_id, version="2.26")
    listed = _cli_json(cloud, "server", "list", "--tags", "cli,more", version="2.26")
    assert [s["ID"] for s in listed] == [server_id]
    _cli(cloud, "server", "lock", "--reason", "cli freeze", server_id, version="2.73")
    shown = _cli_json(cloud, "server", "show", server_id, version="2.73")
    assert shown["locked_reason"] == "cli freeze"
    assert sorted(shown["tags"]) == ["cli", "more"]
    _cli(cloud, "server", "unlock", server_id, version="2.73")
    events = _cli_json(cloud, "server", "event", "list", server_id, version="2.58")
    assert [e["Action"] for e in events][-1] == "create"
    _cli(cloud, "server", "delete", "--wait", server_id)
    wait_for(lambda: conn.compute.find_server(server_id) is None)


@needs_cli
def test_cli_flavor_zone_usage_services_hypervisors(cloud):
    _cli(cloud, "flavor", "set", "--description", "from the cli", "m1.tiny",
         version="2.55")
    assert _cli_json(cloud, "flavor", "show", "m1.tiny", version="2.55")[
        "description"] == "from the cli"
    zones = _cli_json(cloud, "availability", "zone", "list", "--compute")
    assert [(z["Zone Name"], z["Zone Status"]) for z in zones] == [("nova",
                                                                     "available")]
    assert "Servers" in _cli_json(cloud, "usage", "show")
    services = _cli_json(cloud, "compute", "service", "list", version="2.53")
    assert all(len(s["ID"]) == 36 for s in services)
    hypervisors = _cli_json(cloud, "hypervisor", "list", version="2.53")
    assert sorted(h["Hypervisor Hostname"] for h in hypervisors) == list(HOSTS)
    group = _cli_json(cloud, "server", "group", "create", "--policy",
                      "soft-anti-affinity", "cli-group", version="2.64")
    assert group["policy"] == "soft-anti-affinity"
    listed = _cli_json(cloud, "server", "group", "list", version="2.64")
    assert [g["ID"] for g in listed] == [group["id"]]
    _cli(cloud, "server", "group", "delete", group["id"])

"""Evacuation end to end (lite cloud, two fake-driver agents; the `openstack` CLI
and openstacksdk): a server whose host is cut off is rebuilt on the other host,
the source lets go of its allocations and its old guest when it comes back; a
stopped server lands stopped; a rebuild that fails leaves the server in ERROR on
its source, from where it can be evacuated again."""

import json
import shutil
import subprocess

import pytest
from compute_cloud import wait_for
from test_compute_server_migrate import (
    OTHER,
    TINY,
    _boot,
    _consumers,
    _delete,
    _guest_state,
    _held,
    _server,
    _settled,
    action_events,
    sovra_runner,
)

from sovra_compute.virt import driver as virt

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]
GROUP = "compute-agents"


def _down(cloud, host):
    """``host`` cut off: its heartbeat gone (its agent still runs, unaware)."""
    cloud.resources.coordinator.leave(GROUP, host)


def _back(cloud, host):
    """``host`` up again, its agent reporting its guests as on joining."""
    cloud.resources.coordinator.heartbeat(GROUP, host, {"binary": "nova-compute"})
    agent = next(r for r in cloud.running if getattr(r, "host", None) == host and
                 hasattr(r, "sync_power_states"))
    agent.sync_power_states()


def _migration(conn, server_id):
    (migration,) = conn.compute.get(
        f"/os-migrations?instance_uuid={server_id}&migration_type=evacuation",
        microversion="2.80").json()["migrations"]
    return migration


def _cli(cloud, *args):
    return subprocess.run([shutil.which("openstack"), *args], capture_output=True,
                          text=True, env=cloud.client_env(), timeout=120)


def test_cli_evacuates_a_server_off_a_dead_host_and_the_host_lets_go_on_return(
        cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "evacuate-cli")
    dest = OTHER[source]
    refused = _cli(cloud, "server", "evacuate", server.id)
    assert refused.returncode != 0
    assert f"Compute service of {source} is still in use." in refused.stderr
    _down(cloud, source)
    try:
        # (not --wait: python-openstackclient 10.5's waits for "ACTIVE" among
        # lower-cased statuses, forever, whatever the cloud)
        done = _cli(cloud, "--os-compute-api-version", "2.94", "server", "evacuate",
                    "-f", "json", server.id)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["id"] == server.id
        shown = _settled(conn, server.id, "ACTIVE")
        assert shown["OS-EXT-SRV-ATTR:host"] == dest
        assert _guest_state(cloud, dest, server.id) == virt.RUNNING
        assert _guest_state(cloud, source, server.id) == virt.RUNNING  # (dead host)
        migration = _migration(conn, server.id)
        assert (migration["status"], migration["source_compute"],
                migration["dest_compute"]) == ("done", source, dest)
        # the dead host's share stays held (by the migration) until it is back
        _held(conn, dest, {server.id: TINY})
        _held(conn, source, {migration["uuid"]: TINY})
        assert sorted((e["event"], e["result"]) for e in action_events(
            conn, server.id, "evacuate")) == [
            ("compute_rebuild_instance", "Success"),
            ("conductor_rebuild_server", "Success")]
    finally:
        _back(cloud, source)
    wait_for(lambda: _guest_state(cloud, source, server.id) is None)
    wait_for(lambda: _consumers(conn, source) == {})
    assert _migration(conn, server.id)["status"] == "completed"
    shown = _server(conn, server.id)  # untouched by its old guest's end
    assert (shown["status"], shown["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", dest)
    assert _guest_state(cloud, dest, server.id) == virt.RUNNING
    _delete(conn, server)


def test_a_stopped_server_lands_stopped(cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "evacuate-stopped")
    conn.compute.stop_server(server)
    _settled(conn, server.id, "SHUTOFF")
    _down(cloud, source)
    try:
        conn.compute.evacuate_server(server, host=OTHER[source])
        shown = _settled(conn, server.id, "SHUTOFF")
        assert shown["OS-EXT-SRV-ATTR:host"] == OTHER[source]
        assert _guest_state(cloud, OTHER[source], server.id) == virt.SHUTDOWN
    finally:
        _back(cloud, source)
    wait_for(lambda: _guest_state(cloud, source, server.id) is None)
    _delete(conn, server)


def test_a_failed_rebuild_leaves_it_in_error_on_its_source_until_evacuated_again(
        cloud, conn, image, flavor):
    server, source = _boot(conn, image, flavor, "evacuate-failing")
    dest = OTHER[source]
    _down(cloud, source)
    cloud.drivers[dest].fail_operations.add("spawn")
    try:
        resp = conn.compute.post(f"/servers/{server.id}/action", microversion="2.94",
                                 json={"evacuate": {}})
        assert resp.status_code == 200, resp.text
        shown = _settled(conn, server.id, "ERROR")
        assert shown["OS-EXT-SRV-ATTR:host"] == source
        assert shown["fault"]["message"] == \
            "Evacuation failed: The hypervisor failed: injected failure of spawn"
        _held(conn, source, {server.id: TINY})
        _held(conn, dest, {})
        assert _guest_state(cloud, dest, server.id) is None
        assert _migration(conn, server.id)["status"] == "failed"
        # once the destination can, again: ERROR servers may be evacuated
        cloud.drivers[dest].fail_operations.discard("spawn")
        resp = conn.compute.post(f"/servers/{server.id}/action", microversion="2.95",
                                 json={"evacuate": {"host": dest}})
        assert resp.status_code == 200, resp.text
        shown = _settled(conn, server.id, "SHUTOFF")  # 2.95: it lands stopped
        assert shown["OS-EXT-SRV-ATTR:host"] == dest
    finally:
        cloud.drivers[dest].fail_operations.discard("spawn")
        _back(cloud, source)
    wait_for(lambda: _guest_state(cloud, source, server.id) is None)
    wait_for(lambda: _consumers(conn, source) == {})
    _delete(conn, server)


def test_sovra_cli_evacuate_waits_and_lists_the_evacuation(cloud, conn, image, flavor):
    run = sovra_runner(cloud)
    server, source = _boot(conn, image, flavor, "sovra-evacuate")
    dest = OTHER[source]
    assert "still in use" in run("server", "evacuate", server.id, expect=1).stderr
    assert "--host" in run("server", "evacuate", "--help").stdout
    _down(cloud, source)
    try:
        run("server", "evacuate", "--host", dest, "--wait", server.id)
        shown = _server(conn, server.id)
        assert (shown["status"], shown["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", dest)
        rows = json.loads(run("server", "migration", "list", "--type", "evacuation",
                              "--server", server.id, "-f", "json").stdout)
        assert [(r["Type"], r["Source Compute"], r["Dest Compute"], r["Status"])
                for r in rows] == [("evacuation", source, dest, "done")]
    finally:
        _back(cloud, source)
    wait_for(lambda: _guest_state(cloud, source, server.id) is None)
    _delete(conn, server)

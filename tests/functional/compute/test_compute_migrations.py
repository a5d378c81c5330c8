"""GET /os-migrations after a cold migration and a resize: the fields by
microversion, the filters, 2.59's pages; through HTTP, openstacksdk and
``openstack server migration list``."""

import json
import shutil
import subprocess

import pytest
from members import project_member
from test_compute_server_migrate import OTHER, _boot, _delete, _settled

OPENSTACK = shutil.which("openstack")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def moved(conn, image, flavor):
    """A server migrated (confirmed) then resized on its host (reverted); its id,
    the host it left and the one it is on."""
    small = conn.compute.create_flavor(name="m1.small", ram=1024, vcpus=2, disk=2,
                                       id="2")
    server, source = _boot(conn, image, flavor, "listed")
    conn.compute.migrate_server(server)
    _settled(conn, server.id, "VERIFY_RESIZE")
    conn.compute.confirm_server_resize(server)
    _settled(conn, server.id, "ACTIVE")
    conn.compute.resize_server(server, small.id)
    _settled(conn, server.id, "VERIFY_RESIZE")
    conn.compute.revert_server_resize(server)
    _settled(conn, server.id, "ACTIVE")
    yield server.id, source, OTHER[source]
    _delete(conn, server)
    conn.compute.delete_flavor(small)


def _list(conn, query="", mv="2.1", status=200):
    resp = conn.compute.get(f"/os-migrations{query}", microversion=mv)
    assert resp.status_code == status, resp.text
    return resp.json().get("migrations") if status == 200 else resp.json()


def test_fields_by_version(conn, moved):
    server_id, source, dest = moved
    resize, migration = _list(conn, f"?instance_uuid={server_id}")  # newest first
    assert (migration["source_compute"], migration["dest_compute"],
            migration["status"]) == (source, dest, "confirmed")
    assert (migration["old_instance_type_id"], migration["new_instance_type_id"]) \
        == (1, 1)
    assert (resize["source_compute"], resize["dest_compute"], resize["status"],
            resize["new_instance_type_id"]) == (dest, dest, "reverted", 2)
    assert {"id", "instance_uuid", "source_node", "dest_node", "dest_host",
            "created_at", "updated_at"} <= set(migration)
    assert not {"migration_type", "uuid", "user_id"} & set(migration)
    shown = _list(conn, f"?instance_uuid={server_id}", mv="2.23")
    assert [m["migration_type"] for m in shown] == ["resize", "migration"]
    shown = _list(conn, f"?instance_uuid={server_id}", mv="2.59")
    assert all(len(m["uuid"]) == 36 for m in shown) and "user_id" not in shown[0]
    shown = _list(conn, f"?instance_uuid={server_id}", mv="2.80")
    project = conn.identity.find_project("admin").id
    assert {m["project_id"] for m in shown} == {project}


def test_filters(conn, moved):
    server_id, source, dest = moved
    assert [m["status"] for m in _list(conn, "?status=confirmed")
            if m["instance_uuid"] == server_id] == ["confirmed"]
    assert [m["status"] for m in _list(conn, f"?host={source}")
            if m["instance_uuid"] == server_id] == ["confirmed"]
    assert len([m for m in _list(conn, f"?host={dest}")
                if m["instance_uuid"] == server_id]) == 2
    assert [m["status"] for m in _list(conn, f"?source_compute={dest}")
            if m["instance_uuid"] == server_id] == ["reverted"]
    assert [m["status"] for m in _list(conn, "?migration_type=resize", mv="2.23")
            if m["instance_uuid"] == server_id] == ["reverted"]
    assert _list(conn, f"?instance_uuid={server_id}&hidden=1") == []
    assert _list(conn, "?instance_uuid=nope") == []


def test_pages(conn, moved):
    server_id, _, _ = moved
    every = _list(conn, f"?instance_uuid={server_id}", mv="2.59")
    resp = conn.compute.get(f"/os-migrations?instance_uuid={server_id}&limit=1",
                            microversion="2.59").json()
    assert [m["uuid"] for m in resp["migrations"]] == [every[0]["uuid"]]
    assert f"marker={every[0]['uuid']}" in resp["migrations_links"][0]["href"]
    after = _list(conn, f"?instance_uuid={server_id}&marker={every[0]['uuid']}",
                  mv="2.59")
    assert [m["uuid"] for m in after] == [every[1]["uuid"]]
    assert _list(conn, "?marker=no-such-one", mv="2.59", status=400)
    assert _list(conn, f"?instance_uuid={server_id}&changes-since=2999-01-01T00:00:00Z",
                 mv="2.59") == []
    assert len(_list(conn, f"?instance_uuid={server_id}"
                           "&changes-since=2000-01-01T00:00:00Z", mv="2.59")) == 2
    assert _list(conn, "?limit=x", mv="2.59", status=400)


def test_sdk_lists_them_and_members_may_not(cloud, conn, moved):
    server_id, _, _ = moved
    listed = [m for m in conn.compute.migrations() if m.server_id == server_id]
    assert sorted(m.migration_type for m in listed) == ["migration", "resize"]
    with project_member(conn, cloud, "mig-demo",
                        project=conn.identity.find_project("admin")) as member:
        assert member.conn.compute.get("/os-migrations").status_code == 403


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_server_migration_list(cloud, moved):
    server_id, source, dest = moved
    done = subprocess.run(
        [OPENSTACK, "--os-compute-api-version", "2.80", "server", "migration", "list",
         "--server", server_id, "-f", "json"],
        capture_output=True, text=True, env=cloud.client_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["Source Compute"], r["Dest Compute"], r["Status"], r["Type"])
            for r in rows] == [(dest, dest, "reverted", "resize"),
                               (source, dest, "confirmed", "migration")]

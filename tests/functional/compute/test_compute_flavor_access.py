"""Private flavors (os-flavor-access) through openstacksdk, HTTP and the `openstack`
CLI: who lists, shows and boots them, the access list and its actions, their
errors, and admin-only policy."""

import json
import shutil
import subprocess

import pytest
from compute_cloud import wait_for
from members import project_member

OPENSTACK = shutil.which("openstack")
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


def _call(conn, method, path, body=None, version="2.1"):
    return conn.compute.request(path, method, json=body, microversion=version)


@pytest.fixture(scope="module")
def demo(conn, cloud):
    """(project id, a connection as a member of it)."""
    with project_member(conn, cloud, "flavor-demo") as member:
        yield member.project.id, member.conn


def _ids(conn, query=""):
    resp = _call(conn, "GET", "/flavors" + query)
    assert resp.status_code == 200, resp.text
    return {f["id"] for f in resp.json()["flavors"]}


def _boot(conn, image, flavor_id, name):
    return _call(conn, "POST", "/servers", {"server": {
        "name": name, "imageRef": image.id, "flavorRef": flavor_id,
        "networks": "none"}}, version="2.37")


def test_sdk_private_flavor_access(conn, demo, image, flavor):
    project_id, member = demo
    private = conn.compute.create_flavor(name="private1", ram=256, vcpus=1, disk=1,
                                         id="p1", is_public=False)
    assert private.is_public is False
    # admins: not in the default list (not given to their project), in the others
    assert "p1" not in _ids(conn)
    assert "p1" in _ids(conn, "?is_public=false") and "p1" in _ids(conn,
                                                                    "?is_public=none")
    assert flavor.id not in _ids(conn, "?is_public=false")
    # the member's project: as if it did not exist
    assert "p1" not in _ids(member) and flavor.id in _ids(member)
    assert "p1" not in _ids(member, "?is_public=false")  # ignored for non-admins
    assert _call(member, "GET", "/flavors/p1").status_code == 404
    assert _call(member, "GET", "/flavors/p1/os-extra_specs").status_code == 404
    resp = _boot(member, image, "p1", "not-allowed")
    assert resp.status_code == 400 and "p1" in resp.text
    # given to the project
    conn.compute.flavor_add_tenant_access(private, project_id)
    assert conn.compute.get_flavor_access(private) == [
        {"flavor_id": "p1", "tenant_id": project_id}]
    assert "p1" in _ids(member)
    assert member.compute.get_flavor("p1").name == "private1"
    resp = _boot(member, image, "p1", "allowed")
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    wait_for(lambda: member.compute.get_server(server_id).status == "ACTIVE")
    server = member.compute.get_server(server_id)
    member.compute.delete_server(server)
    # the server fetched before the delete: it may be gone before a GET after it
    member.compute.wait_for_delete(server, interval=0.05, wait=20)
    # taken back
    conn.compute.flavor_remove_tenant_access(private, project_id)
    assert conn.compute.get_flavor_access(private) == []
    assert "p1" not in _ids(member)
    conn.compute.delete_flavor(private)


def test_access_errors_and_policy(conn, demo, flavor):
    project_id, member = demo
    conn.compute.create_flavor(name="private2", ram=256, vcpus=1, disk=1, id="p2",
                               is_public=False)
    add = {"addTenantAccess": {"tenant": project_id}}
    resp = _call(conn, "POST", "/flavors/p2/action", add)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"flavor_access": [{"flavor_id": "p2",
                                              "tenant_id": project_id}]}
    resp = _call(conn, "POST", "/flavors/p2/action", add)
    assert resp.status_code == 409 and "already exists" in resp.text
    resp = _call(conn, "POST", f"/flavors/{flavor.id}/action", add)
    assert resp.status_code == 400 and "public flavor" in resp.text
    resp = _call(conn, "GET", f"/flavors/{flavor.id}/os-flavor-access")
    assert resp.status_code == 404 and "public flavors" in resp.text
    assert _call(conn, "GET", "/flavors/nope/os-flavor-access").status_code == 404
    assert _call(conn, "POST", "/flavors/nope/action", add).status_code == 404
    assert _call(conn, "POST", "/flavors/p2/action", {
        "removeTenantAccess": {"tenant": "someone-else"}}).status_code == 404
    assert _call(conn, "POST", "/flavors/p2/action", {"grant": {}}).status_code == 400
    assert _call(conn, "POST", "/flavors/p2/action", {
        "addTenantAccess": {}}).status_code == 400
    # members may neither read nor change the list, even of a flavor they have
    assert _call(member, "GET", "/flavors/p2/os-flavor-access").status_code == 403
    assert _call(member, "POST", "/flavors/p2/action", {
        "removeTenantAccess": {"tenant": project_id}}).status_code == 403
    # deleting the flavor takes its access list with it
    conn.compute.delete_flavor("p2")
    conn.compute.create_flavor(name="private2", ram=256, vcpus=1, disk=1, id="p2",
                               is_public=False)
    assert conn.compute.get_flavor_access("p2") == []
    conn.compute.delete_flavor("p2")


@pytest.mark.skipif(OPENSTACK is None, reason="needs the openstack CLI")
def test_cli_private_flavor_and_project(cloud, conn, demo):
    project_id, member = demo

    def cli(*args):
        done = subprocess.run([OPENSTACK, *args], capture_output=True, text=True,
                              env=cloud.client_env(), timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    created = json.loads(cli("flavor", "create", "--private", "--ram", "256",
                             "--vcpus", "1", "--disk", "1", "--id", "cli-p",
                             "cli-private", "-f", "json"))
    assert created["os-flavor-access:is_public"] is False
    cli("flavor", "set", "--project", project_id, "cli-p")
    shown = json.loads(cli("flavor", "show", "cli-p", "-f", "json"))
    assert shown["access_project_ids"] == [project_id]
    assert "cli-p" in _ids(member)
    cli("flavor", "unset", "--project", project_id, "cli-p")
    assert "cli-p" not in _ids(member)
    cli("flavor", "delete", "cli-p")

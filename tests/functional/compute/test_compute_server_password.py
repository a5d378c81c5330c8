"""A server's password: the guest posts it to the metadata API (as the network
agent's proxy relays it), its owner reads it through os-server-password
(openstacksdk and HTTP) and clears it, after which the guest may post again."""

import pytest
import requests
from active_servers import boot_active, delete_and_wait
from compute_cloud import start_metadata
from members import project_member

from sovra_compute.metadata import auth

SECRET = "password-proxy-secret"
ENCRYPTED = "c2VjcmV0LWVuY3J5cHRlZC13aXRoLXRoZS1rZXk="
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def metadata_url(cloud):
    running = start_metadata(cloud, SECRET, "metadata-password")
    yield running.url
    running.stop()


@pytest.fixture(scope="module")
def server(conn, image, flavor):
    server = boot_active(conn, image, flavor, "pw")
    yield server
    delete_and_wait(conn, server)


def _guest_posts(url, server, project_id, password):
    return requests.post(f"{url}/openstack/latest/password", data=password, timeout=10,
                         headers={"X-Instance-ID": server.id, "X-Tenant-ID": project_id,
                                  "X-Instance-ID-Signature": auth.sign(SECRET,
                                                                       server.id),
                                  "X-Forwarded-For": "10.0.0.5"})


def test_guest_posts_owner_reads_and_clears(conn, server, metadata_url):
    project_id = conn.current_project_id
    path = f"/servers/{server.id}/os-server-password"
    resp = conn.compute.get(path)
    assert resp.status_code == 200 and resp.json() == {"password": ""}
    assert _guest_posts(metadata_url, server, project_id, ENCRYPTED).status_code == 200
    assert conn.compute.get_server_password(server) == ENCRYPTED
    # once only
    again = _guest_posts(metadata_url, server, project_id, "b3RoZXI=")
    assert again.status_code == 409
    assert conn.compute.get_server_password(server) == ENCRYPTED
    conn.compute.clear_server_password(server)
    assert conn.compute.get(path).json() == {"password": ""}
    assert _guest_posts(metadata_url, server, project_id, "bmV3").status_code == 200
    assert conn.compute.get_server_password(server) == "bmV3"
    resp = conn.compute.delete(path)
    assert resp.status_code == 204
    assert conn.compute.get("/servers/00000000-0000-0000-0000-000000000000/"
                            "os-server-password").status_code == 404


def test_another_project_cannot_read_it(conn, cloud, server):
    with project_member(conn, cloud, "pw-demo") as other:
        path = f"/servers/{server.id}/os-server-password"
        assert other.conn.compute.get(path).status_code == 404
        assert other.conn.compute.delete(path).status_code == 404

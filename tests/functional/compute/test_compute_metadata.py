"""The metadata API over real HTTP: servers made through the Compute API (openstacksdk)
in a lite-mode cloud with the network API, then read the way the network agent's
metadata proxy relays a guest's requests (X-Instance-ID, X-Tenant-ID,
X-Instance-ID-Signature = hex HMAC-SHA256 of the instance id with the shared
secret, X-Forwarded-For); and sovra-allinone hosting it as a real process."""

import base64
import hashlib
import hmac
import signal
import subprocess
import sys
import time

import pytest
import requests
from compute_cloud import _free_port, start_metadata
from compute_network_cloud import send_plugged_when_spawned, start_network_cloud

SECRET = "metadata-proxy-secret"
USER_DATA = b"#cloud-config\nhostname: ignored\n"
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = start_network_cloud(tmp_path_factory.mktemp("metacloud"))
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="module")
def metadata_url(cloud):
    running = start_metadata(cloud, SECRET)
    yield running.url
    running.stop()


@pytest.fixture(scope="module")
def server(conn, image, flavor):
    key = conn.compute.create_keypair(name="meta-key")
    created = conn.compute.create_server(
        name="meta vm", image_id=image.id, flavor_id=flavor.id, networks="none",
        key_name="meta-key", metadata={"role": "db"},
        user_data=base64.b64encode(USER_DATA).decode())
    server = conn.compute.wait_for_server(created, status="ACTIVE", failures=["ERROR"],
                                          interval=0.05, wait=20)
    return {"id": server.id, "project_id": conn.current_project_id,
            "public_key": key.public_key}


def _signed(server_id, project_id, secret=SECRET, address="10.1.0.7"):
    return {"X-Instance-ID": server_id, "X-Tenant-ID": project_id,
            "X-Instance-ID-Signature": hmac.new(secret.encode(), server_id.encode(),
                                                hashlib.sha256).hexdigest(),
            "X-Forwarded-For": address}


def _get(url, server, path, **kwargs):
    return requests.get(url + path, timeout=10,
                        headers=_signed(server["id"], server["project_id"], **kwargs))


def test_a_guest_reads_its_openstack_metadata(metadata_url, server):
    assert _get(metadata_url, server, "/openstack").text.split("\n")[-1] == "latest"
    meta = _get(metadata_url, server, "/openstack/latest/meta_data.json")
    assert meta.status_code == 200, meta.text
    body = meta.json()
    assert (body["uuid"], body["name"], body["hostname"]) == (
        server["id"], "meta vm", "meta-vm")
    assert body["project_id"] == server["project_id"] and body["meta"] == {"role": "db"}
    assert body["public_keys"] == {"meta-key": server["public_key"]}
    assert _get(metadata_url, server, "/openstack/latest/user_data").content == USER_DATA
    network = _get(metadata_url, server, "/openstack/latest/network_data.json").json()
    assert set(network) == {"links", "networks", "services"}
    assert _get(metadata_url, server, "/openstack/latest/vendor_data2.json").json() == {}


def test_a_guest_reads_its_ec2_metadata(metadata_url, server):
    listing = _get(metadata_url, server, "/latest/meta-data/").text.split("\n")
    assert {"instance-id", "hostname", "local-hostname", "local-ipv4", "placement/",
            "public-keys/"} <= set(listing)
    for path, expected in (("instance-id", server["id"]), ("local-hostname", "meta-vm"),
                           ("local-ipv4", "10.1.0.7"),
                           ("placement/availability-zone", "nova"),
                           ("public-keys/", "0=meta-key"),
                           ("public-keys/0/openssh-key", server["public_key"])):
        resp = _get(metadata_url, server, "/latest/meta-data/" + path)
        assert (resp.status_code, resp.text) == (200, expected), path
    assert _get(metadata_url, server, "/2009-04-04/user-data").content == USER_DATA


def test_a_guest_on_a_network_reads_its_network_data(cloud, conn, image, flavor,
                                                     metadata_url):
    network = conn.network.create_network(name="meta-net")
    conn.network.create_subnet(network_id=network.id, cidr="10.40.0.0/24",
                               ip_version=4, gateway_ip="10.40.0.1")
    resp = conn.compute.post("/servers", microversion="2.37", json={"server": {
        "name": "netvm", "imageRef": image.id, "flavorRef": flavor.id,
        "networks": [{"uuid": network.id, "fixed_ip": "10.40.0.50"}]}})
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    sender = send_plugged_when_spawned(cloud, conn, server_id)
    conn.compute.wait_for_server(conn.compute.get_server(server_id), status="ACTIVE",
                                 failures=["ERROR"], interval=0.05, wait=30)
    sender.join(10)
    (port,) = conn.network.ports(device_id=server_id)
    server = {"id": server_id, "project_id": conn.current_project_id}
    data = _get(metadata_url, server, "/openstack/latest/network_data.json").json()
    assert [(link["vif_id"], link["ethernet_mac_address"]) for link in data["links"]] \
        == [(port.id, port.mac_address)]
    (net,) = data["networks"]
    assert (net["type"], net["ip_address"], net["netmask"], net["network_id"]) == (
        "ipv4", "10.40.0.50", "255.255.255.0", network.id)
    assert [r["gateway"] for r in net["routes"]] == ["10.40.0.1"]
    # the guest's own fixed address, whatever address the proxy relayed from
    local = _get(metadata_url, server, "/latest/meta-data/local-ipv4",
                 address="10.40.0.99")
    assert (local.status_code, local.text) == (200, "10.40.0.50")


def test_requests_the_proxy_did_not_sign_are_refused(metadata_url, server):
    path = "/openstack/latest/meta_data.json"
    assert _get(metadata_url, server, path, secret="a guess").status_code == 403
    unsigned = requests.get(metadata_url + path, timeout=10, headers={
        "X-Instance-ID": server["id"], "X-Tenant-ID": server["project_id"]})
    assert unsigned.status_code == 403
    # signed, but for another project than the server's, or no such server
    other = dict(server, project_id="another-project")
    assert _get(metadata_url, other, path).status_code == 404
    ghost = dict(server, id="11111111-2222-3333-4444-555555555555")
    assert _get(metadata_url, ghost, path).status_code == 404
    post = requests.post(metadata_url + path, timeout=10,
                         headers=_signed(server["id"], server["project_id"]))
    assert post.status_code == 405


def test_without_a_shared_secret_nothing_is_served(cloud, server):
    running = start_metadata(cloud, "", "metadata-no-secret")
    try:
        for secret in ("", SECRET):
            assert _get(running.url, server, "/", secret=secret).status_code == 403
    finally:
        running.stop()


def test_sovra_allinone_hosts_it(cloud, server, tmp_path):
    """A real sovra-allinone process, finding compute-metadata by its entry point and
    reading the same compute database."""
    port = _free_port()
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "sovra.conf").write_text("[auth]\nstrategy = noauth\n")
    (etc / "sovra-compute.conf").write_text(
        f"[database]\nconnection = sqlite:///{cloud.tmp / 'compute.db'}\n"
        f"[metadata]\nproxy_shared_secret = {SECRET}\nbind_port = {port}\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from sovra_common.cmd import allinone; "
         "sys.exit(allinone.main(sys.argv[1:]))", "--config-dir", str(etc),
         "--components", "compute-metadata"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            try:
                resp = _get(url, server, "/latest/meta-data/instance-id")
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "sovra-allinone did not listen"
                time.sleep(0.1)
        assert (resp.status_code, resp.text) == (200, server["id"])
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=15)[0]
    assert proc.returncode == 0, output

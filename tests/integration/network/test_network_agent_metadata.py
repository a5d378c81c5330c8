"""The metadata proxy end to end, as root: a guest that got its route to
169.254.169.254 by DHCP fetches /openstack/latest/meta_data.json; the request that
reaches a stand-in for compute's metadata API (HTTP on loopback) says which server
and project asks, signed, and from where. Two networks with the same addresses
(each guest is told apart by its network), an unknown source (404), the agent
restarted (the proxies listen again), a network deleted (its proxy goes, the
other's stays).
"""

import hashlib
import hmac
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from integration.network import network_lab

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)")

SECRET = "metadata-proxy-test-secret"
CIDR = "10.20.0.0/24"
GUEST_IP = "10.20.0.10"    # on both networks
STRANGER_IP = "10.20.0.200"  # an address pair of guest a's port: not a fixed IP
META_PATH = "/openstack/latest/meta_data.json"

# run in a guest's namespace: GET 169.254.169.254<path> (POST <body> if given),
# from <source> if given; prints the status, then the body ("error ..." if none)
FETCH = r"""
import http.client, sys
source, path, body = sys.argv[1], sys.argv[2], sys.argv[3]
conn = http.client.HTTPConnection("169.254.169.254", 80, timeout=5,
                                  source_address=(source, 0) if source else None)
try:
    conn.request("POST" if body else "GET", path, body=body or None)
    resp = conn.getresponse()
    print(resp.status)
    print(resp.read().decode())
except OSError as exc:
    print("error", exc)
"""


class MetadataStandIn:
    """Compute's metadata API as the proxy sees it: records each request's path and
    headers, answers a meta_data.json naming the instance it was told of."""

    def __init__(self):
        self.seen = []
        self.posted = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                recorder.posted.append((self.path, self.headers["X-Instance-ID"],
                                        self.rfile.read(length).decode()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                recorder.seen.append((self.path, dict(self.headers)))
                body = json.dumps({"uuid": self.headers.get("X-Instance-ID"),
                                   "name": "from-stand-in"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def fetch(guest, source="", path=META_PATH, timeout=10.0, body=""):
    """(status or "error", body) of a GET (a POST of ``body``) from ``guest``;
    retried while nothing answers (the proxy appears with the agent's sync)."""
    deadline = time.monotonic() + timeout
    while True:
        out = network_lab.netns(guest.ns, sys.executable, "-c", FETCH, source, path,
                                body, timeout=30).stdout
        first, _, body = out.partition("\n")
        if not first.startswith("error") or time.monotonic() > deadline:
            return first, body.strip()
        time.sleep(0.2)


def apply_static_routes(guest):
    """What a guest's DHCP client does with option 121 (udhcpc: staticroutes)."""
    words = guest.lease.get("staticroutes", "").split()
    for dest, via in zip(words[::2], words[1::2], strict=True):
        dest = "default" if dest == "0.0.0.0/0" else dest
        network_lab.run(["ip", "-n", guest.ns, "route", "replace", dest, "via", via])


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    stand_in = MetadataStandIn()
    lab = network_lab.Lab(tmp_path_factory.mktemp("mdlab"))
    lab.metadata = stand_in
    try:
        lab.build_underlay().start_api()
        lab.start_agent("n1", metadata_proxy_shared_secret=SECRET,
                        metadata_url=stand_in.url)
        yield lab
    finally:
        lab.close()
        stand_in.stop()


def _network_with_guest(lab, name, **port_attrs):
    net = lab.client.create_network(name=f"md-{name}")
    subnet = lab.client.create_subnet(net["id"], CIDR)
    server = str(uuid.uuid4())
    port = lab.client.create_port(net["id"], **{
        "binding:host_id": lab.host("n1"), "device_owner": "compute:nova",
        "device_id": server, "fixed_ips": [{"subnet_id": subnet["id"],
                                            "ip_address": GUEST_IP}], **port_attrs})
    guest = lab.guest(name, "n1", port)
    assert guest.dhcp(), f"guest {name} got no lease"
    dhcp_port = next(p for p in lab.client.list_ports(network_id=net["id"])
                     if p["device_owner"] == "network:dhcp")
    return net, port, guest, dhcp_port


@pytest.fixture(scope="module")
def guests(lab):
    a = _network_with_guest(lab, "a", allowed_address_pairs=[
        {"ip_address": STRANGER_IP}])
    b = _network_with_guest(lab, "b")
    return {"a": a, "b": b}


def _check_request(lab, port, guest, index=-1):
    path, headers = lab.metadata.seen[index]
    assert path == META_PATH
    assert headers["X-Instance-ID"] == port["device_id"]
    assert headers["X-Tenant-ID"] == port["project_id"] != ""
    assert headers["X-Instance-ID-Signature"] == hmac.new(
        SECRET.encode(), port["device_id"].encode(), hashlib.sha256).hexdigest()
    assert headers["X-Forwarded-For"] == guest.lease["ip"] == GUEST_IP


def test_guests_reach_metadata_by_the_dhcp_route_and_are_told_apart(lab, guests):
    for name in ("a", "b"):
        _, port, guest, dhcp_port = guests[name]
        dhcp_ip = dhcp_port["fixed_ips"][0]["ip_address"]
        assert f"169.254.169.254/32 {dhcp_ip}" in guest.lease["staticroutes"]
        apply_static_routes(guest)
        before = len(lab.metadata.seen)
        status, body = fetch(guest)
        assert status == "200", body
        assert json.loads(body) == {"uuid": port["device_id"], "name": "from-stand-in"}
        assert len(lab.metadata.seen) == before + 1
        _check_request(lab, port, guest)
    # same address on both networks, yet two servers
    assert guests["a"][1]["device_id"] != guests["b"][1]["device_id"]


def test_a_post_is_relayed_with_its_body(lab, guests):
    _, port, guest, _ = guests["a"]
    apply_static_routes(guest)
    status, _ = fetch(guest, path="/openstack/latest/password", body="s3cr3t-pw")
    assert status == "200"
    assert lab.metadata.posted[-1] == ("/openstack/latest/password", port["device_id"],
                                       "s3cr3t-pw")


def test_an_unknown_source_gets_404_and_nothing_is_relayed(lab, guests):
    _, _, guest, _ = guests["a"]
    apply_static_routes(guest)
    network_lab.run(["ip", "-n", guest.ns, "addr", "add", f"{STRANGER_IP}/24", "dev",
                     "eth0"], check=False)
    before = len(lab.metadata.seen)
    status, _ = fetch(guest, source=STRANGER_IP)
    assert status == "404"
    assert len(lab.metadata.seen) == before


def test_a_restarted_agent_serves_metadata_again(lab, guests):
    _, port, guest, _ = guests["a"]
    apply_static_routes(guest)
    lab.stop_agent("n1")
    status, _ = fetch(guest, timeout=0)
    assert status.startswith("error")  # the proxy is the agent's
    started = time.monotonic()
    lab.start_agent("n1", metadata_proxy_shared_secret=SECRET,
                    metadata_url=lab.metadata.url)
    status, body = fetch(guest)
    print(f"agent start -> metadata served: {time.monotonic() - started:.2f} s")
    assert status == "200", body
    _check_request(lab, port, guest)


def test_a_namespace_made_anew_gets_a_proxy_and_dhcp_again(lab, guests):
    net, port, guest, _ = guests["a"]
    apply_static_routes(guest)
    namespace = lab.agents["n1"].agent.data_plane.dhcp.namespace(net["id"])
    network_lab.run(["ip", "netns", "delete", namespace])
    lab.wait_synced("n1")
    assert namespace in lab.namespaces()
    status, body = fetch(guest)
    assert status == "200", body
    _check_request(lab, port, guest)
    # dnsmasq too is in the new namespace, not left in the old one
    assert guest.dhcp()["ip"] == GUEST_IP


def test_a_deleted_network_loses_its_proxy_and_the_other_keeps_its_own(lab, guests):
    net_b, port_b, guest_b, _ = guests["b"]
    net_a, port_a, guest_a, _ = guests["a"]
    proxy = lab.agents["n1"].agent.data_plane.dhcp.metadata
    assert proxy.networks() == {net_a["id"], net_b["id"]}
    guest_b.unplug()
    lab.client.delete_port(port_b["id"])
    lab.client.delete_network(net_b["id"])
    lab.wait_synced("n1")
    assert proxy.networks() == {net_a["id"]}
    assert not any(net_b["id"] in ns for ns in lab.namespaces())
    apply_static_routes(guest_a)
    status, body = fetch(guest_a)
    assert status == "200", body
    _check_request(lab, port_a, guest_a)

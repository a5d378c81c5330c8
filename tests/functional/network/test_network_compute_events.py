"""The network API tells compute about its servers' ports (os-server-external-events):
a lite cloud (real identity, the network API with its service user) and, standing
in for compute, an HTTP server in the catalog that records what it is sent and
answers as compute does (404 for a server it does not know)."""

import json
import queue
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from network_cloud import start_cloud

from sovra_common.auth import sessions
from sovra_network.client import NetworkClient

SERVER = str(uuid.uuid4())
UNKNOWN_SERVER = str(uuid.uuid4())

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


class ComputeStandIn:
    """Records each POST /v2.1/os-server-external-events (headers, events) and
    answers like compute: one result per event, 200, 207 or 404 for all."""

    def __init__(self, servers):
        self.requests = queue.Queue()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                recorder.requests.put((self.path, dict(self.headers), body["events"]))
                results = [{**e, "code": 200 if e["server_uuid"] in servers else 404}
                           for e in body["events"]]
                codes = {r["code"] for r in results}
                status = 200 if codes == {200} else 404 if codes == {404} else 207
                payload = json.dumps({"events": results} if status != 404 else {
                    "itemNotFound": {"code": 404, "message": "No instances found"}})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v2.1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def events(self, count, timeout=10):
        """The next ``count`` events (in the order sent), and the requests' headers."""
        events, headers = [], []
        deadline = time.monotonic() + timeout
        while len(events) < count:
            path, head, batch = self.requests.get(
                timeout=max(deadline - time.monotonic(), 0.01))
            assert path == "/v2.1/os-server-external-events"
            events.extend(batch)
            headers.append(head)
        assert len(events) == count, events
        return events, headers

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def cloud_with_compute(tmp_path_factory):
    compute = ComputeStandIn({SERVER})
    cloud = start_cloud(tmp_path_factory.mktemp("compute-events"),
                        network_extra="[compute]\nsend_events_interval = 0.1\n")
    conn = cloud.connect()
    try:
        service = conn.identity.create_service(type="compute", name="nova")
        conn.identity.create_endpoint(service_id=service.id, interface="public",
                                      url=compute.url, region_id="RegionOne")
        yield cloud, compute, conn
    finally:
        conn.close()
        cloud.stop()
        compute.stop()


def _agent(cloud):
    """The network agent's client: the service user, as the agent reports."""
    return NetworkClient(sessions.service_session(cloud.network_conf),
                         endpoint_override=cloud.network_url)


def _event(name, port_id, server=SERVER, status="completed"):
    return {"name": name, "server_uuid": server, "tag": port_id, "status": status}


def test_server_ports_plugged_unplugged_deleted(cloud_with_compute):
    cloud, compute, conn = cloud_with_compute
    agent = _agent(cloud)
    net = conn.network.create_network(name="events")
    conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.70.0.0/24")
    vm_port = conn.network.create_port(network_id=net.id, device_owner="compute:nova",
                                       device_id=SERVER)
    other = conn.network.create_port(network_id=net.id, device_owner="compute:nova",
                                     device_id=UNKNOWN_SERVER)
    plain = conn.network.create_port(network_id=net.id)

    # not a server's port, or no change that compute waits for: nothing sent
    agent.set_port_status(plain.id, "ACTIVE")
    agent.set_port_status(vm_port.id, "BUILD")
    agent.set_port_status(vm_port.id, "DOWN")
    # plugged: the agent reports ACTIVE (twice: the second changes nothing)
    agent.set_port_status(vm_port.id, "ACTIVE")
    agent.set_port_status(vm_port.id, "ACTIVE")
    agent.set_port_status(other.id, "ACTIVE")  # compute answers 404 for this one
    events, headers = compute.events(2)
    assert events == [_event("network-vif-plugged", vm_port.id),
                      _event("network-vif-plugged", other.id, UNKNOWN_SERVER)]

    # sent as the network service's own user, at the microversion of the events
    for head in headers:
        assert head["OpenStack-API-Version"] == "compute 2.51"
        token = requests.get(f"{cloud.auth_url}/auth/tokens", timeout=30, headers={
            "X-Auth-Token": conn.auth_token, "X-Subject-Token": head["X-Auth-Token"]})
        assert token.status_code == 200, token.text
        assert token.json()["token"]["user"]["name"] == "neutron"

    agent.set_port_status(vm_port.id, "DOWN")
    assert compute.events(1)[0] == [_event("network-vif-unplugged", vm_port.id)]

    conn.network.delete_port(plain.id)
    conn.network.delete_port(vm_port.id)
    assert compute.events(1)[0] == [_event("network-vif-deleted", vm_port.id)]

    # an admin's status change counts as the agent's does
    conn.network.update_port(other.id, status="DOWN", name="renamed")
    assert compute.events(1)[0] == [
        _event("network-vif-unplugged", other.id, UNKNOWN_SERVER)]
    assert compute.requests.empty()


def test_floating_ips_and_fixed_ips_of_server_ports_are_network_changed(
        cloud_with_compute):
    """Associated, moved, disassociated, deleted while associated: each port the
    floating IP left or reached gets network-changed; so does a port whose fixed
    IPs change. Nothing for a change that maps nothing differently."""
    cloud, compute, conn = cloud_with_compute
    public = conn.network.create_network(name="fip-public", is_router_external=True)
    conn.network.create_subnet(network_id=public.id, ip_version=4,
                               cidr="172.24.9.0/24")
    net = conn.network.create_network(name="fip-private")
    subnet = conn.network.create_subnet(network_id=net.id, ip_version=4,
                                        cidr="10.71.0.0/24")
    router = conn.network.create_router(
        name="fip-router", external_gateway_info={"network_id": public.id})
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    vm_port = conn.network.create_port(
        network_id=net.id, device_owner="compute:nova", device_id=SERVER,
        fixed_ips=[{"subnet_id": subnet.id, "ip_address": "10.71.0.100"}])
    other = conn.network.create_port(network_id=net.id, device_owner="compute:nova",
                                     device_id=UNKNOWN_SERVER)
    plain = conn.network.create_port(network_id=net.id)

    fip = conn.network.create_ip(floating_network_id=public.id, port_id=vm_port.id)
    assert compute.events(1)[0] == [_event("network-changed", vm_port.id)]
    conn.network.update_ip(fip, description="no mapping change")
    conn.network.update_ip(fip, port_id=other.id)  # moved: both ports
    assert compute.events(2)[0] == [
        _event("network-changed", vm_port.id),
        _event("network-changed", other.id, UNKNOWN_SERVER)]
    conn.network.update_ip(fip, port_id=plain.id)  # to a port of no server
    assert compute.events(1)[0] == [
        _event("network-changed", other.id, UNKNOWN_SERVER)]
    conn.network.update_ip(fip, port_id=vm_port.id)
    assert compute.events(1)[0] == [_event("network-changed", vm_port.id)]
    conn.network.update_ip(fip, port_id=None)
    assert compute.events(1)[0] == [_event("network-changed", vm_port.id)]
    conn.network.update_ip(fip, port_id=vm_port.id)
    assert compute.events(1)[0] == [_event("network-changed", vm_port.id)]
    conn.network.delete_ip(fip)
    assert compute.events(1)[0] == [_event("network-changed", vm_port.id)]

    conn.network.update_port(vm_port, name="renamed")
    conn.network.update_port(vm_port, fixed_ips=[
        {"subnet_id": subnet.id, "ip_address": "10.71.0.200"}])
    assert compute.events(1)[0] == [_event("network-changed", vm_port.id)]
    for port in (vm_port, other, plain):
        conn.network.delete_port(port)
    compute.events(2)  # network-vif-deleted of the two servers' ports
    conn.network.remove_interface_from_router(router, subnet_id=subnet.id)
    conn.network.delete_router(router)
    assert compute.requests.empty()


def test_an_unreachable_compute_fails_no_request(cloud_with_compute):
    cloud, compute, conn = cloud_with_compute
    agent = _agent(cloud)
    net = conn.network.create_network(name="no-compute")
    vm_port = conn.network.create_port(network_id=net.id, device_owner="compute:nova",
                                       device_id=SERVER)
    compute.stop()
    started = time.monotonic()
    assert agent.set_port_status(vm_port.id, "ACTIVE")["status"] == "ACTIVE"
    conn.network.delete_port(vm_port.id)
    assert time.monotonic() - started < 5
    assert conn.network.find_port(vm_port.id) is None

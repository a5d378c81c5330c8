"""The example service served by ApiServer over real HTTP, called with keystoneauth1
(the HTTP library every OpenStack client uses)."""

import socket
import time

import pytest
import requests
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

from example_svc.api import app as example_app
from sovra_common import conf as sovra_conf
from sovra_common.wsgi import deploy, request_id
from sovra_common.wsgi.server import ApiServer


@pytest.fixture
def server():
    conf = sovra_conf.load(sovra_conf.new_conf(), "sovra-test", config_files=[])
    conf.set_override("strategy", "noauth", group="auth")
    conf.set_override("max_request_body_size", 4096, group="api")
    app = deploy.install_middleware(example_app.create_app(conf), conf)
    with ApiServer(app, "127.0.0.1", 0, name="example") as srv:
        yield srv


def test_keystoneauth_round_trip(server):
    sess = ks_session.Session(auth=token_endpoint.Token(server.url, "u1:p1"))
    created = sess.post("/v1/widgets", json={"widget": {"name": "w"}},
                        endpoint_filter={"service_type": "example"},
                        headers={"OpenStack-API-Version": "example 1.1"})
    assert created.status_code == 201
    assert created.headers["OpenStack-API-Version"] == "example 1.1"
    assert request_id.is_valid(created.headers[request_id.HEADER])
    listed = sess.get("/v1/widgets", endpoint_filter={"service_type": "example"}).json()
    assert [w["name"] for w in listed["widgets"]] == ["w"]


def test_errors_reach_keystoneauth_as_http_errors(server):
    sess = ks_session.Session(auth=token_endpoint.Token(server.url, "u1:p1"))
    with pytest.raises(ks_exc.NotFound) as err:
        sess.get("/v1/widgets/missing", endpoint_filter={"service_type": "example"})
    assert err.value.request_id == err.value.response.headers[request_id.HEADER]


def test_chunked_body_is_read(server):
    def chunks():
        yield b'{"widget": '
        yield b'{"name": "chunked"}}'
    resp = requests.post(f"{server.url}/v1/widgets", data=chunks(),
                         headers={"X-Auth-Token": "u1:p1",
                                  "Content-Type": "application/json"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["widget"]["name"] == "chunked"


def test_chunked_oversized_body_is_413_not_500(server):
    def chunks():
        for _ in range(10):
            yield b"x" * 1024
    resp = requests.post(f"{server.url}/v1/widgets", data=chunks(),
                         headers={"X-Auth-Token": "u1:p1",
                                  "Content-Type": "application/json"})
    assert resp.status_code == 413


def test_port_is_released_on_stop():
    conf = sovra_conf.load(sovra_conf.new_conf(), "sovra-test", config_files=[])
    srv = ApiServer(example_app.create_app(conf), "127.0.0.1", 0).start()
    port = srv.port
    srv.stop()
    srv.stop()  # idempotent
    with socket.create_server(("127.0.0.1", port)):
        pass


# cheroot drops (does not close) the socket whose bind failed: its leak, not ours.
@pytest.mark.filterwarnings("ignore::ResourceWarning",
                            "ignore::pytest.PytestUnraisableExceptionWarning")
def test_address_in_use_fails_at_start():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        conf = sovra_conf.load(sovra_conf.new_conf(), "sovra-test", config_files=[])
        with pytest.raises(OSError):
            ApiServer(example_app.create_app(conf), "127.0.0.1", port).start()


def test_many_clients_keep_their_connections(server):
    """Fifty clients, each with a connection of its own held open: every answer
    keeps the connection (cheroot's default kept ten; the others were told
    "Connection: close" and reconnected for every request)."""
    import http.client

    clients = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
               for _ in range(50)]
    try:
        for _ in range(2):
            for client in clients:
                client.request("GET", "/", headers={"X-Auth-Token": "u1:p1"})
                response = client.getresponse()
                response.read()
                assert response.status < 500
                assert response.getheader("Connection") != "close"
                assert not response.will_close
        sockets = {id(client.sock) for client in clients}
        assert None not in sockets and len(sockets) == 50
    finally:
        for client in clients:
            client.close()


def test_api_options_set_the_servers_address_and_threads():
    """``[api] threads`` requests are worked on at once; the next waits in the
    queue, its connection open, until one of them is answered."""
    import threading

    release = threading.Event()
    inside = []

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            inside.append(1)
            release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    conf = sovra_conf.load(sovra_conf.new_conf(), "sovra-test", config_files=[])
    conf.set_override("threads", 2, group="api")
    with socket.create_server(("127.0.0.1", 0)) as probe:
        free = probe.getsockname()[1]
    with ApiServer.for_api(app, conf, free, "example") as srv:
        assert (srv.host, srv.port) == ("127.0.0.1", free)  # bind_port unset
        slow = [threading.Thread(target=requests.get, args=(f"{srv.url}/slow",),
                                 kwargs={"timeout": 10}) for _ in range(2)]
        for thread in slow:
            thread.start()
        deadline = time.monotonic() + 5
        while len(inside) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(inside) == 2
        with pytest.raises(requests.Timeout):  # both threads taken
            requests.get(f"{srv.url}/fast", timeout=0.5)
        release.set()
        for thread in slow:
            thread.join(10)
        assert requests.get(f"{srv.url}/fast", timeout=5).text == "ok"

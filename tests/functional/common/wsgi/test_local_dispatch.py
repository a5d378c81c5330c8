"""In-process dispatch of a process's calls to the APIs it serves (local_dispatch)."""

import contextvars
import json
import threading

import flask
import pytest
import requests
from keystoneauth1 import session as ks_session
from oslo_context import context as oslo_context

from sovra_common.wsgi import local_dispatch
from sovra_common.wsgi.server import ApiServer

CALLER_VAR = contextvars.ContextVar("caller_var", default="unset")


def _app(seen: list):
    app = flask.Flask("dispatch-test")

    @app.route("/echo/<path:rest>", methods=["GET", "POST", "PUT"])
    def echo(rest):
        seen.append({"thread": threading.get_ident(),
                     "server_software": flask.request.environ.get("SERVER_SOFTWARE"),
                     "caller_var": CALLER_VAR.get(),
                     "authorization": flask.request.headers.get("Authorization")})
        CALLER_VAR.set("callee")  # must not leak into the caller
        oslo_context.RequestContext(request_id="req-callee")  # becomes "current"
        return flask.jsonify(method=flask.request.method, path=rest,
                             query=flask.request.args.to_dict(flat=False),
                             body=flask.request.get_data().decode(),
                             header=flask.request.headers.get("X-Test"),
                             length=flask.request.content_length)

    @app.route("/stream")
    def stream():
        def chunks():
            for index in range(5):
                yield f"chunk{index};".encode()
        return flask.Response(chunks(), mimetype="text/plain")

    @app.route("/closing")
    def closing():
        response = flask.Response(iter([b"a", b"b"]), mimetype="text/plain")
        response.call_on_close(lambda: seen.append("closed"))
        return response

    @app.route("/boom")
    def boom():
        raise RuntimeError("the app failed")

    return app


@pytest.fixture
def served():
    seen = []
    server = ApiServer(_app(seen), "127.0.0.1", 0, name="dispatch-test").start()
    try:
        yield server, seen
    finally:
        server.stop()


@pytest.fixture
def session():
    sess = requests.Session()
    sess.trust_env = False
    sess.mount("http://", local_dispatch.LocalDispatchAdapter(requests.adapters.HTTPAdapter()))
    yield sess
    sess.close()


def test_a_started_server_is_called_in_the_calling_thread(served, session):
    server, seen = served
    response = session.get(f"{server.url}/echo/a%20b/c?x=1&x=2&y=%C3%A9",
                           headers={"X-Test": "yes"})
    assert response.status_code == 200
    assert response.json() == {"method": "GET", "path": "a b/c",
                               "query": {"x": ["1", "2"], "y": ["é"]}, "body": "",
                               "header": "yes", "length": None}
    assert seen[-1]["thread"] == threading.get_ident()
    assert seen[-1]["server_software"] is None  # cheroot never saw it
    assert response.headers["Content-Type"] == "application/json"


def test_loopback_names_reach_a_server_bound_to_every_address(session):
    seen = []
    server = ApiServer(_app(seen), "0.0.0.0", 0, name="dispatch-any").start()
    try:
        for host in ("127.0.0.1", "localhost"):
            response = session.get(f"http://{host}:{server.port}/echo/x")
            assert response.json()["path"] == "x"
        assert [s["thread"] for s in seen] == [threading.get_ident()] * 2
    finally:
        server.stop()


def test_bodies_bytes_and_streamed(served, session):
    server, _ = served
    response = session.post(f"{server.url}/echo/p", json={"a": [1, 2]})
    assert json.loads(response.json()["body"]) == {"a": [1, 2]}
    assert response.json()["length"] == len(response.request.body)

    def upload():
        yield b"part1-"
        yield b"part2"
    response = session.put(f"{server.url}/echo/u", data=upload())
    assert response.json()["body"] == "part1-part2"


def test_a_streamed_response_is_read_in_chunks(served, session):
    server, _ = served
    response = session.get(f"{server.url}/stream", stream=True)
    assert response.status_code == 200
    chunks = list(response.iter_content(chunk_size=7))
    assert b"".join(chunks) == b"".join(f"chunk{i};".encode() for i in range(5))
    assert all(len(c) == 7 for c in chunks[:-1])
    response.close()


def test_the_apps_body_is_closed_once_read(served, session):
    server, seen = served
    assert session.get(f"{server.url}/closing").text == "ab"
    assert seen == ["closed"]
    response = session.get(f"{server.url}/closing", stream=True)
    assert b"".join(response.iter_content(1)) == b"ab"
    assert seen == ["closed", "closed"]  # read to the end: closed without close()
    response.close()
    assert seen == ["closed", "closed"]


def test_the_callees_context_does_not_leak_into_the_caller(served, session):
    server, seen = served
    caller = oslo_context.RequestContext(request_id="req-caller")
    token = CALLER_VAR.set("caller")
    try:
        session.get(f"{server.url}/echo/ctx")
        assert seen[-1]["caller_var"] == "caller"  # the callee sees a copy
        assert CALLER_VAR.get() == "caller"
        assert oslo_context.get_current() is caller
    finally:
        CALLER_VAR.reset(token)


def test_an_app_failure_is_a_500_as_a_server_would_answer(served, session):
    server, _ = served
    response = session.get(f"{server.url}/boom")
    # Flask turns the exception into its own 500 page
    assert response.status_code == 500


def test_an_app_that_raises_past_wsgi_gives_500(session):
    def broken(environ, start_response):
        raise RuntimeError("no response at all")
    local_dispatch.register("127.0.0.9", 4321, broken)
    try:
        response = session.get("http://127.0.0.9:4321/x")
        assert response.status_code == 500
        assert response.text == "Internal Server Error"
    finally:
        local_dispatch.unregister("127.0.0.9", 4321)


def test_an_app_using_wsgi_write_gives_what_it_wrote_then_its_body(session):
    def legacy(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written-")
        return [b"returned"]
    local_dispatch.register("127.0.0.9", 4322, legacy)
    try:
        assert session.get("http://127.0.0.9:4322/").text == "written-returned"
    finally:
        local_dispatch.unregister("127.0.0.9", 4322)


def test_a_stopped_server_is_reached_over_http_again(session):
    seen = []
    server = ApiServer(_app(seen), "127.0.0.1", 0, name="dispatch-stop").start()
    url = server.url
    server.stop()
    assert local_dispatch.app_for(f"{url}/echo/x") is None
    with pytest.raises(requests.ConnectionError):
        session.get(f"{url}/echo/x", timeout=5)
    assert seen == []


def test_other_addresses_and_https_go_over_the_network(served):
    server, _ = served
    assert local_dispatch.app_for(f"http://127.0.0.1:{server.port}/") is not None
    assert local_dispatch.app_for(f"https://127.0.0.1:{server.port}/") is None
    assert local_dispatch.app_for(f"http://192.0.2.1:{server.port}/") is None


def test_unregistered_calls_use_the_fallback_adapter(served):
    """A real HTTP call through the fallback, for an address nobody registered."""
    server, seen = served
    local_dispatch.unregister(server.host, server.port)
    sess = requests.Session()
    sess.trust_env = False
    sess.mount("http://", local_dispatch.LocalDispatchAdapter(
        ks_session.TCPKeepAliveAdapter()))
    try:
        response = sess.get(f"{server.url}/echo/net")
        assert response.json()["path"] == "net"
        assert seen[-1]["thread"] != threading.get_ident()
        assert seen[-1]["server_software"]  # cheroot answered
    finally:
        sess.close()


@pytest.fixture
def network_environment(tmp_path, monkeypatch):
    """A proxy nobody could reach and ~/.netrc credentials for loopback, as the
    environment of a process may hold them."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTP_PROXY", "http://192.0.2.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


def test_a_local_first_session_calls_in_process_without_the_environment(
        served, network_environment):
    """No proxy, no netrc credentials: the call never touches the network."""
    server, seen = served
    sess = local_dispatch.LocalFirstSession(requests.adapters.HTTPAdapter())
    try:
        response = sess.get(f"{server.url}/echo/local", timeout=5)
    finally:
        sess.close()
    assert response.json()["path"] == "local"
    assert seen[-1]["thread"] == threading.get_ident()
    assert seen[-1]["authorization"] is None


def test_a_local_first_session_keeps_the_environment_for_other_addresses(
        served, network_environment):
    server, seen = served
    local_dispatch.unregister(server.host, server.port)
    sess = local_dispatch.LocalFirstSession(ks_session.TCPKeepAliveAdapter())
    try:
        settings = sess.merge_environment_settings(
            "http://192.0.2.7:8778/", {}, False, True, None)
        assert settings["proxies"].get("http") == "http://192.0.2.1:9"
        # over the network (no proxy for this one), with the netrc credentials
        response = sess.get(f"{server.url}/echo/net", timeout=5,
                            proxies={"http": None})
    finally:
        sess.close()
    assert response.json()["path"] == "net"
    assert seen[-1]["thread"] != threading.get_ident()
    assert seen[-1]["authorization"].startswith("Basic ")

"""A service calling another for a user: user token + X-Service-Token, end to end
over HTTP through the real auth middleware on the callee."""

import threading

import flask
import pytest

from sovra_common import auth, context, exception
from sovra_common.auth import sessions
from sovra_common.wsgi import local_dispatch


def _echo_app():
    app = flask.Flask("callee")

    @app.get("/whoami")
    def whoami():
        ctx = flask.request.environ[context.CONTEXT_ENVIRON_KEY]
        return {"user_id": ctx.user_id, "roles": ctx.roles,
                "service_roles": ctx.service_roles}

    return app


@pytest.fixture
def callee(identity, serve, write_conf):
    conf = write_conf(identity.url)
    return serve(auth.build_middleware(_echo_app(), conf))


def test_user_session_sends_user_and_service_tokens(identity, callee, write_conf):
    caller_conf = write_conf(identity.url)
    user = identity.add_user("relay-alice", roles=["member", "reader"])
    token = identity.issue("relay-alice")
    ctxt = context.RequestContext(auth_token=token, user_id=user["id"],
                                  project_id=user["project"]["id"])

    sess = sessions.user_session(sessions.service_session(caller_conf), ctxt)
    body = sess.get(f"{callee.url}/whoami").json()

    assert body["user_id"] == user["id"]
    assert sorted(body["roles"]) == ["member", "reader"]
    assert body["service_roles"] == ["service"]


def test_user_session_to_an_api_this_process_serves_is_called_in_process(
        identity, write_conf):
    """The same tokens and the same middleware, without the socket."""
    seen = []
    app = _echo_app()

    @app.get("/thread")
    def thread():
        seen.append(threading.get_ident())
        return {"server": flask.request.environ.get("SERVER_SOFTWARE")}

    local_dispatch.register("127.0.0.1", 1, auth.build_middleware(
        app, write_conf(identity.url)))
    try:
        user = identity.add_user("relay-bob", roles=["reader"])
        ctxt = context.RequestContext(auth_token=identity.issue("relay-bob"),
                                      user_id=user["id"],
                                      project_id=user["project"]["id"])
        sess = sessions.user_session(
            sessions.service_session(write_conf(identity.url)), ctxt)
        body = sess.get("http://127.0.0.1:1/whoami").json()
        assert body["user_id"] == user["id"] and body["roles"] == ["reader"]
        assert body["service_roles"] == ["service"]
        assert sess.get("http://127.0.0.1:1/thread").json() == {"server": None}
        assert seen == [threading.get_ident()]
        # a bad token is refused in-process as over HTTP
        bad = sessions.user_session(sessions.service_session(write_conf(identity.url)),
                                    context.RequestContext(auth_token="nope",
                                                           user_id="u", project_id="p"))
        assert bad.get("http://127.0.0.1:1/whoami", raise_exc=False).status_code == 401
    finally:
        local_dispatch.unregister("127.0.0.1", 1)


def test_user_session_finds_endpoints_in_the_service_catalog(identity, write_conf):
    sess = sessions.user_session(
        sessions.service_session(write_conf(identity.url)),
        context.RequestContext(auth_token="t", user_id="u", project_id="p"))
    url = sess.get_endpoint(service_type="identity", interface="internal")
    assert url.startswith(identity.url)


def test_service_session_keeps_a_connection_per_concurrent_caller(
        identity, callee, write_conf):
    """Callers of one service session (and of user sessions over it) in many
    threads reuse their connections: the pool keeps POOL_MAXSIZE per host."""
    import concurrent.futures

    service = sessions.service_session(write_conf(identity.url))
    dispatcher = service.session.get_adapter(callee.url)
    assert isinstance(dispatcher, local_dispatch.LocalDispatchAdapter)
    adapter = dispatcher.fallback  # the callee is not served by this process: HTTP
    assert adapter._pool_maxsize == sessions.POOL_MAXSIZE > 10
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        assert all(pool.map(lambda _: service.get(f"{callee.url}/whoami").ok,
                            range(60)))
    connections = adapter.poolmanager.connection_from_url(callee.url)
    assert connections.num_connections <= 20  # one per thread at most, kept


def test_service_session_alone_has_no_user(identity, callee, write_conf):
    body = sessions.service_session(write_conf(identity.url)).get(
        f"{callee.url}/whoami").json()
    assert body["roles"] == ["service"] and body["service_roles"] == []


def test_context_without_token_cannot_relay(identity, write_conf):
    with pytest.raises(exception.NotAuthenticated):
        sessions.user_session(sessions.service_session(write_conf(identity.url)),
                              context.get_internal_context())


def test_a_services_own_work_acts_with_its_own_session(identity, callee, write_conf):
    conf = write_conf(identity.url)
    for_context = sessions.for_contexts(conf, lambda sess: sess)
    # a periodic task's context: no user, no token, the service role
    body = for_context(context.get_internal_context()).get(
        f"{callee.url}/whoami").json()
    assert body["roles"] == ["service"] and body["service_roles"] == []
    # a user's context still relays the user's token
    user = identity.add_user("relay-bob", roles=["member"])
    ctxt = context.RequestContext(auth_token=identity.issue("relay-bob"),
                                  user_id=user["id"], project_id=user["project"]["id"])
    body = for_context(ctxt).get(f"{callee.url}/whoami").json()
    assert (body["user_id"], body["service_roles"]) == (user["id"], ["service"])
    # and a user's context that lost its token is refused, not served as the service
    with pytest.raises(exception.NotAuthenticated):
        for_context(context.RequestContext(user_id=user["id"], service_roles=["service"],
                                           project_id=user["project"]["id"]))


def test_an_endpoint_is_looked_up_once_per_token(identity, write_conf, monkeypatch):
    """keystoneauth would search (and deep-copy) the token's catalog on every
    request; the session remembers the answer while the token is the same."""
    from keystoneauth1.access import service_catalog

    lookups = []
    search = service_catalog.ServiceCatalog.endpoint_data_for

    def counted(self, *args, **kwargs):
        lookups.append(kwargs.get("interface"))
        return search(self, *args, **kwargs)

    monkeypatch.setattr(service_catalog.ServiceCatalog, "endpoint_data_for", counted)
    service = sessions.service_session(write_conf(identity.url))
    relay = sessions.user_session(
        service, context.RequestContext(auth_token="t", user_id="u", project_id="p"))
    for sess in (service, relay, service, relay):
        assert sess.get_endpoint(service_type="identity",
                                 interface="internal") == identity.url
    assert sess.get_endpoint(service_type="identity", interface="admin") == identity.url
    assert lookups == ["internal", "admin"]


def test_a_new_token_finds_the_endpoint_in_its_own_catalog(identity, write_conf):
    """The remembered endpoint lasts as long as the token whose catalog it came
    from: a new one (after a 401 or at expiry) looks again."""
    service = sessions.service_session(write_conf(identity.url))
    relay = sessions.user_session(
        service, context.RequestContext(auth_token="t", user_id="u", project_id="p"))
    assert service.get_endpoint(service_type="identity",
                                interface="internal") == identity.url
    identity.catalog_suffix = "/v3"  # the catalog changes in identity
    try:
        # the same token, the same catalog (as keystoneauth answers it)
        assert relay.get_endpoint(service_type="identity",
                                  interface="internal") == identity.url
        service.invalidate()  # what keystoneauth does on a 401
        for sess in (service, relay):
            assert sess.get_endpoint(service_type="identity",
                                     interface="internal") == f"{identity.url}/v3"
    finally:
        identity.catalog_suffix = ""

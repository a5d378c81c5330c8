"""keystoneauth1 sessions for calling other services.

- ``service_session(conf)``: the service acting as itself, with its own credentials
  from ``[service_auth]`` (token validation, inventory reports, anything done with
  no user).
- ``for_contexts(conf, make_client)``: a client per request context, each on a
  ``user_session`` over one shared service session.
- ``user_session(service_sess, context)``: the service acting for the user whose
  request it is serving. It sends the user's token as ``X-Auth-Token`` and the
  service's own token as ``X-Service-Token``, so the callee sees both who asked and
  which service relayed it (OpenStack's service-token model), and can accept the
  call when the user's token expires in the middle of a long operation. Endpoints
  are found in the service's own catalog: the user's token was validated without
  one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from keystoneauth1 import loading as ks_loading
from keystoneauth1 import plugin as ks_plugin
from keystoneauth1 import service_token
from keystoneauth1 import session as ks_session
from oslo_config import cfg

from sovra_common import exception
from sovra_common.conf import auth as auth_conf
from sovra_common.wsgi import local_dispatch

T = TypeVar("T")

#: connections kept per host by a service session (and the user sessions over it)
POOL_MAXSIZE = 64


def service_session(conf: cfg.ConfigOpts) -> ks_session.Session:
    """The service's own session, from ``[service_auth]``.

    :raises oslo_config.cfg.RequiredOptError: no ``[service_auth] auth_type``.
    """
    group = auth_conf.SERVICE_AUTH_GROUP.name
    plugin = ks_loading.load_auth_from_conf_options(conf, group)
    if plugin is None:
        raise cfg.RequiredOptError("auth_type", auth_conf.SERVICE_AUTH_GROUP)
    plugin.get_endpoint = _EndpointMemo(plugin)
    timeout = conf[group].timeout or conf.auth.identity_timeout
    # an API this process serves itself is called in-process (without reading
    # the environment's proxy and netrc settings), the others over HTTP; one
    # pool for every thread of the process that calls out (API workers, RPC
    # executors, agents): requests' default keeps 10 connections per host and
    # closes the others after each call, so busy callers reconnected every time
    requests_session = local_dispatch.LocalFirstSession(
        ks_session.TCPKeepAliveAdapter(pool_maxsize=POOL_MAXSIZE))
    requests_session.mount("https://", ks_session.TCPKeepAliveAdapter(
        pool_maxsize=POOL_MAXSIZE))
    return ks_loading.load_session_from_conf_options(
        conf, group, auth=plugin, timeout=timeout, session=requests_session)


class _EndpointMemo:
    """An auth plugin's ``get_endpoint``, answered from memory for as long as the
    token it was found in (whose catalog it comes from) is the plugin's current
    one. keystoneauth looks the endpoint up in the token's catalog on every
    request, deep-copying the whole catalog each time: about a tenth of an
    in-process call's CPU. A new token (expiry, or the re-authentication that
    follows a 401) starts the memory afresh."""

    def __init__(self, plugin):
        self._plugin = plugin
        self._find = plugin.get_endpoint
        self._lock = threading.Lock()
        self._access = None  # the AccessInfo that _urls were found in
        self._urls: dict[str, str] = {}

    def __call__(self, session, *args, **kwargs):
        access = self._plugin.get_access(session)  # fetches a token when it must
        key = repr((args, sorted(kwargs.items())))
        with self._lock:
            if access is self._access and key in self._urls:
                return self._urls[key]
        url = self._find(session, *args, **kwargs)
        with self._lock:
            if access is not self._access:
                self._access, self._urls = access, {}
            if url is not None:
                self._urls[key] = url
        return url


class ContextAuth(ks_plugin.BaseAuthPlugin):
    """The user's already-validated token, with endpoints from ``catalog_auth``."""

    def __init__(self, context, catalog_auth: ks_plugin.BaseAuthPlugin):
        super().__init__()
        if not getattr(context, "auth_token", None):
            raise exception.NotAuthenticated(
                "No user token in this context to call another service with.")
        self._token = context.auth_token
        self._user_id = context.user_id
        self._project_id = context.project_id
        self._catalog_auth = catalog_auth

    def get_token(self, session, **kwargs):
        return self._token

    def get_endpoint(self, session, **kwargs):
        return self._catalog_auth.get_endpoint(session, **kwargs)

    def get_endpoint_data(self, session, **kwargs):
        return self._catalog_auth.get_endpoint_data(session, **kwargs)

    def get_user_id(self, session, **kwargs):
        return self._user_id

    def get_project_id(self, session, **kwargs):
        return self._project_id

    def invalidate(self):
        return False  # the user's token is what it is: nothing to refresh


def user_session(service_sess: ks_session.Session, context) -> ks_session.Session:
    """A session that calls other services on behalf of ``context``'s user."""
    auth = service_token.ServiceTokenAuthWrapper(
        user_auth=ContextAuth(context, service_sess.auth), service_auth=service_sess.auth)
    # the service session's HTTP connection pool, not a new one per request: a
    # pool per call was never closed (sockets left to the garbage collector) and
    # gave no connection reuse
    return ks_session.Session(auth=auth, session=service_sess.session,
                              verify=service_sess.verify, cert=service_sess.cert,
                              timeout=service_sess.timeout,
                              app_name=service_sess.app_name)


def for_contexts(conf: cfg.ConfigOpts, make_client: Callable[[ks_session.Session], T]
                 ) -> Callable[..., T]:
    """``for_context(context) -> make_client(session)``, the session acting for the
    context's user with the service's own token relayed alongside. The service's
    session (from [service_auth]) is made on first use, then shared by every
    client, so a process logs its service user in once. How a service reaches
    another one's REST API on a user's behalf (compute and block storage to the
    image service, compute to block storage).

    Work a service does on its own behalf (``context.get_internal_context()``: a
    periodic task, no user and no token) acts with the service's own session:
    it has no user to act for. Any other context without a token is refused
    (NotAuthenticated), as ``user_session`` does."""
    state = {}
    lock = threading.Lock()

    def for_context(context) -> T:
        with lock:
            if "session" not in state:
                state["session"] = service_session(conf)
        if _own_work(context):
            return make_client(state["session"])
        return make_client(user_session(state["session"], context))
    return for_context


def _own_work(context) -> bool:
    """Whether ``context`` is a service's own work: no token, no user, the
    service role (as ``get_internal_context`` makes it)."""
    return (not getattr(context, "auth_token", None)
            and getattr(context, "user_id", None) is None
            and bool(getattr(context, "is_service", False)))

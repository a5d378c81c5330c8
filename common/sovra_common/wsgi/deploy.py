"""The WSGI stack around a service's Flask app, built in one place.

Outermost first::

    RequestIdMiddleware   every response, even a 401, carries x-openstack-request-id
    auth middleware       keystone (token validated by identity, cached, revocable)
                          or noauth (tests, lite development); strips spoofable
                          identity headers; leaves a RequestContext in the environ
    Flask app             microversions, validation, policy, faults (wsgi/app.py)

Routes whose handlers are @public (version discovery) are the only ones served
without a token; the route table is the one source of that list.
"""

from __future__ import annotations

import flask

from sovra_common import auth
from sovra_common.wsgi import faults, routes
from sovra_common.wsgi.request_id import RequestIdMiddleware


def error_renderer(style: faults.FaultStyle):
    """The auth middleware's ``render_error`` for a service's fault style."""
    def render_error(status: int, message: str, request_id: str | None):
        return faults.render(style, status, message, request_id=request_id)
    return render_error


def install_middleware(app: flask.Flask, conf, *, token_cache=None, validator=None,
                       request_id_headers=()) -> flask.Flask:
    """Wrap ``app``'s WSGI callable in the stack above; returns ``app``.

    ``token_cache``: one cache shared by every API of a process (lite mode), so one
    revocation listener invalidates them all. ``validator``: the token validator
    (default: identity over keystoneauth1, from ``[service_auth]``).
    ``request_id_headers``: extra names for the request id (compute's
    ``X-Compute-Request-Id``).
    """
    state = app.extensions["sovra"]
    inner = app.wsgi_app
    authenticated = auth.build_middleware(
        inner, conf, error_renderer(state.fault_style),
        public=lambda environ: routes.path_is_public(app, environ),
        token_cache=token_cache, validator=validator)
    state.extras["auth_middleware"] = authenticated
    app.wsgi_app = RequestIdMiddleware(authenticated, extra_headers=request_id_headers)
    return app

"""The Flask app factory every service's API uses.

What a request goes through inside the app (the WSGI layers around it are in
``deploy.py``):

1. ``_negotiate``: microversion from the headers (400/406 on a bad one), unless the
   handler is @public (version discovery is not versioned).
2. the handler: validate input -> ``req.authorize(rule, target)`` -> service layer
   -> ``json_response``.
3. ``_finish``: version headers on the response, and the assertion that a policy
   check ran: a handler that returned without one fails the request with a 500
   that is logged as a bug, so a missing check is caught by the first test that
   calls it, not by an attacker.
4. any exception, ours or werkzeug's (404, 405, 413), is rendered by ``_fault``
   in the service's OpenStack format; an unexpected one is a logged 500.
"""

from __future__ import annotations

import dataclasses
import logging

import flask
from werkzeug import exceptions as wz_exceptions

from sovra_common import exception, policy
from sovra_common.wsgi import faults, request_id, routes
from sovra_common.wsgi.microversion import Microversions
from sovra_common.wsgi.request import POLICY_CHECKED, ApiRequest

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class ApiState:
    """What a service's handlers reach through ``req.state``."""

    name: str
    conf: object
    fault_style: faults.FaultStyle
    enforcer: object
    microversions: Microversions | None = None
    # Service-specific objects (database, rpc clients) the service attaches.
    extras: dict = dataclasses.field(default_factory=dict)


def create_app(name: str, conf, *, routes_table: dict, fault_style: str,
               microversions: Microversions | None = None,
               policy_rules=()) -> flask.Flask:
    """A Flask app for service ``name`` answering ``routes_table``.

    ``fault_style`` is one of faults.STYLES (the OpenStack API family whose error
    format the service speaks). ``policy_rules`` are the service's RuleDefaults.
    """
    app = flask.Flask(name)
    app.request_class = ApiRequest
    app.config["MAX_CONTENT_LENGTH"] = conf.api.max_request_body_size
    app.json.sort_keys = False
    app.extensions["sovra"] = ApiState(
        name=name, conf=conf, fault_style=faults.get_style(fault_style),
        enforcer=policy.build_enforcer(conf, policy_rules),
        microversions=microversions)
    routes.register(app, routes_table)
    app.before_request(_negotiate)
    app.after_request(_finish)
    app.register_error_handler(Exception, _fault)
    return app


def _current_handler():
    view = flask.current_app.view_functions.get(flask.request.endpoint)
    return getattr(view, "sovra_handler", None)


def _negotiate():
    versions = flask.current_app.extensions["sovra"].microversions
    handler = _current_handler()
    if versions is None or handler is None or routes.is_public(handler):
        return
    flask.g.microversion = versions.negotiate(flask.request.headers)


def _finish(response: flask.Response) -> flask.Response:
    state = flask.current_app.extensions["sovra"]
    if (flask.g.get(routes.HANDLER_RETURNED) and not flask.g.get(POLICY_CHECKED)
            and state.conf.api.enforce_policy_checked):
        handler = _current_handler()
        if handler is not None and not routes.is_public(handler):
            response = _fault(exception.PolicyNotEnforced(
                f"Handler {handler.__module__}.{handler.__name__} returned without "
                "checking policy."))
    version = flask.g.get("microversion")
    if version is not None and state.microversions is not None:
        response.headers.update(state.microversions.response_headers(version))
    return response


def _fault(exc: BaseException) -> flask.Response:
    state = flask.current_app.extensions["sovra"]
    style = state.fault_style
    status = style.status_for(exc)
    rid = flask.request.environ.get(request_id.ENVIRON_KEY)
    if status >= 500:
        LOG.error("%s %s failed [%s]: %s", flask.request.method, flask.request.path,
                  rid, exc, exc_info=exc)
    else:
        LOG.info("%s %s -> %d [%s]: %s", flask.request.method, flask.request.path,
                 status, rid, exc)
    body, content_type = faults.render(style, status, faults.message_for(exc, status, rid),
                                       exc=exc, request_id=rid)
    response = flask.Response(body, status=status, content_type=content_type)
    if isinstance(exc, wz_exceptions.MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    if isinstance(exc, exception.NotAuthenticated):
        # The auth middleware sets the identity URI; handlers raising it rarely.
        response.headers["WWW-Authenticate"] = "Keystone"
    return response

"""The request object handlers receive: Flask's, plus the few things every handler
needs (context, microversion, validated input, policy)."""

from __future__ import annotations

import json

import flask

from sovra_common import exception, policy
from sovra_common.context import CONTEXT_ENVIRON_KEY
from sovra_common.wsgi import request_id, validation

POLICY_CHECKED = "sovra_policy_checked"


class ApiRequest(flask.Request):

    @property
    def state(self):
        """The service's ApiState (conf, enforcer, microversions, fault style)."""
        return flask.current_app.extensions["sovra"]

    @property
    def request_id(self) -> str | None:
        return self.environ.get(request_id.ENVIRON_KEY)

    @property
    def context(self):
        """The caller's RequestContext, set by the auth middleware."""
        ctx = self.environ.get(CONTEXT_ENVIRON_KEY)
        if ctx is None:
            raise exception.NotAuthenticated()
        return ctx

    @property
    def microversion(self):
        """The negotiated microversion (sovra_common.wsgi.microversion.Version)."""
        return flask.g.get("microversion")

    def json_body(self, schema: dict | None = None, *, media_type: str | None = None):
        """The request body parsed as JSON and, with ``schema``, validated.

        An empty or malformed body is a 400; a non-JSON content type a 415.
        ``media_type``: the one content type a route takes instead (a JSON
        document of its own type, e.g. the Image API's JSON patch).
        """
        mimetype = self.mimetype
        if media_type is not None:
            if mimetype != media_type:
                raise exception.UnsupportedMediaType(
                    f"Content type {mimetype!r} is not supported; use {media_type}.")
        elif mimetype and mimetype != "application/json" and \
                not mimetype.endswith("+json"):
            raise exception.UnsupportedMediaType(
                f"Content type {mimetype!r} is not supported; use application/json.")
        raw = self.get_data(cache=True)
        limit = self.max_content_length
        if self.content_length is None and limit is not None and len(raw) >= limit:
            # A streamed (chunked) body is cut at the limit, not refused, by werkzeug.
            raise exception.PayloadTooLarge(
                f"The request body is larger than the limit of {limit} bytes.")
        if not raw:
            raise exception.Invalid("The request body is empty; a JSON body is required.")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise exception.Invalid(f"Malformed request body: {exc}.") from None
        except RecursionError:  # "[[[[..." nested deeper than the parser goes
            raise exception.Invalid("Malformed request body: nested too deeply.") from None
        if schema is not None:
            validation.validate(schema, body)
        return body

    def query(self, schema: dict) -> dict:
        """Query parameters as a dict, validated against ``schema``."""
        params = validation.query_dict(self.args, schema)
        validation.validate(schema, params, what="query string")
        return params

    def authorize(self, rule: str, target: dict | None = None) -> None:
        """Check policy ``rule`` for the caller on ``target``; 403 if refused.

        Every handler that is not @public must call this: the app fails a request
        whose handler returned without it.
        """
        flask.g.setdefault(POLICY_CHECKED, True)
        policy.authorize(self.state.enforcer, rule, target, self.context)

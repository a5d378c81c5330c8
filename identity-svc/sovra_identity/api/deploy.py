"""The identity API's WSGI stack: sovra_common's, with two identity specifics.

1. Tokens are validated in-process (``LocalTokenValidator``): identity does not
   call itself over HTTP. The validator reads the token and the database directly.
2. Routes whose handler is marked ``unscoped_ok`` (GET /v3/auth/projects and the
   other /v3/auth/* reads, validating a token) accept an *unscoped* token, which the
   common middleware refuses everywhere else. ``IdentityAuthMiddleware`` is the
   common ``AuthMiddleware`` with that one exception, decided from the route table
   (like @public), so the list cannot drift from the handlers.

The token cache of this process is invalidated directly by the Revoker (see
service/revocation.py) the moment identity revokes, before the notification goes on
the bus for the other services.
"""

from __future__ import annotations

from sovra_common import auth as common_auth
from sovra_common import exception
from sovra_common.auth import headers
from sovra_common.auth.validator import TokenValidator
from sovra_common.wsgi import deploy, routes
from sovra_common.wsgi.request_id import RequestIdMiddleware
from sovra_identity.token.formatter import InvalidToken


def unscoped_ok(handler):
    """Mark a handler that an unscoped token may call."""
    handler.identity_unscoped_ok = True
    return handler


class LocalTokenValidator(TokenValidator):
    """Validates tokens with identity's own TokenProvider (no HTTP)."""

    def __init__(self, provider):
        self.provider = provider

    def validate(self, token: str) -> common_auth.TokenInfo:
        try:
            body = self.provider.validate(token, include_catalog=False)
        except InvalidToken:
            raise exception.NotAuthenticated() from None
        return common_auth.TokenInfo.from_body(body)


class IdentityAuthMiddleware(common_auth.AuthMiddleware):
    def __init__(self, app, validator, token_cache, *, allows_unscoped, **kwargs):
        super().__init__(app, validator, token_cache, **kwargs)
        self.allows_unscoped = allows_unscoped

    def authenticate(self, environ: dict) -> None:
        if not self.allows_unscoped(environ):
            return super().authenticate(environ)
        token = environ.get("HTTP_X_AUTH_TOKEN")
        if not token:
            raise exception.NotAuthenticated()
        headers.set_user_headers(environ, self._check(token))
        service_token = environ.get("HTTP_X_SERVICE_TOKEN")
        if service_token:
            headers.set_service_headers(environ, self._check(service_token))
        return None


def install_middleware(app, conf, *, validator, token_cache):
    """Wrap ``app`` as sovra_common.wsgi.deploy does, with identity's middleware."""
    state = app.extensions["sovra"]

    def allows_unscoped(environ):
        handler = routes.handler_for(app, environ)
        return bool(getattr(handler, "identity_unscoped_ok", False))

    extra_public = common_auth.public_paths_predicate(conf.auth.public_paths)
    authenticated = IdentityAuthMiddleware(
        app.wsgi_app, validator, token_cache, allows_unscoped=allows_unscoped,
        render_error=deploy.error_renderer(state.fault_style),
        is_public=lambda environ: (routes.path_is_public(app, environ)
                                   or extra_public(environ)),
        www_authenticate_uri=conf.auth.www_authenticate_uri)
    state.extras["auth_middleware"] = authenticated
    app.wsgi_app = RequestIdMiddleware(authenticated)
    return app

"""The auth middleware every Sovra API request passes (plain WSGI, any framework).

Why not keystonemiddleware's auth_token: Sovra's rule is that no cache outlives a
revocation, and auth_token's cache (``token_cache_time``, 300 s by default) keeps
accepting a revoked token until the entry expires, with no way to drop it when
identity revokes. Ours caches for a short TTL (``[auth] token_cache_ttl``, 30 s) and
drops entries the moment identity's revocation notifications arrive (revocation.py).
auth_token is also heavy for the lite all-in-one process (memcache support, its own
config group and plugin loading per service, catalog handling we do not use).

Per request, in this order:

1. Every identity header a client could spoof is removed (headers.py). Always first.
2. A public route (version discovery; ``is_public(environ)`` true) goes through with
   an anonymous context; any token it carried is dropped, unvalidated.
3. ``X-Auth-Token`` is validated (cache, else identity); so is ``X-Service-Token``
   when present (a token of another Sovra service; its roles become
   ``service_roles``, as in OpenStack's service-token model). An unscoped user
   token is refused: every Sovra API is project-, domain- or system-scoped.
4. On success: keystonemiddleware's identity headers are set for the application,
   and a ``sovra_common.context.RequestContext`` is left in
   ``environ['sovra.context']``.
5. On failure: 401 with ``WWW-Authenticate: Keystone uri="<public identity URL>"``;
   503 when identity cannot answer. Never 500, never the request let through.

Error bodies come from ``render_error(status, message, request_id) -> (body,
content_type)``, which each service's fault module supplies (its OpenStack error
format); ``json_error`` is the default. The request id shown is
``environ['sovra.request_id']`` or a well-formed ``X-OpenStack-Request-ID`` header.
"""

import http
import json
import logging
from collections.abc import Callable, Iterable

from sovra_common import context as sovra_context
from sovra_common import exception
from sovra_common.auth import headers
from sovra_common.auth.token_cache import TokenCache
from sovra_common.auth.token_info import TokenInfo
from sovra_common.auth.validator import TokenValidator

LOG = logging.getLogger(__name__)

RenderError = Callable[[int, str, "str | None"], tuple[bytes, str]]
PublicPredicate = Callable[[dict], bool]

_UNAUTHENTICATED = "The request you have made requires authentication."
_UNSCOPED = "The token is not scoped to a project, domain or system."
_UNAVAILABLE = "The identity service cannot validate the token right now."


def json_error(status: int, message: str, request_id: str | None) -> tuple[bytes, str]:
    """Default error body: ``{"error": {"code", "title", "message"[, "request_id"]}}``
    (Keystone's shape)."""
    error = {"code": status, "title": http.HTTPStatus(status).phrase, "message": message}
    if request_id:
        error["request_id"] = request_id
    return json.dumps({"error": error}).encode("utf-8"), "application/json"


def _normalise_path(path: str) -> str:
    return path.rstrip("/") or "/"


def public_paths_predicate(paths: Iterable[str]) -> PublicPredicate:
    """GET/HEAD of exactly one of ``paths`` (trailing '/' ignored) needs no token."""
    allowed = frozenset(_normalise_path(p) for p in paths)

    def is_public(environ: dict) -> bool:
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return False
        return _normalise_path(environ.get("PATH_INFO") or "/") in allowed

    return is_public


def _never_public(environ: dict) -> bool:
    return False


class BaseAuthMiddleware:
    """What every auth strategy shares: header stripping, public routes, the
    context, error responses. Subclasses implement ``authenticate``."""

    def __init__(self, app, *, render_error: RenderError | None = None,
                 is_public: PublicPredicate | None = None,
                 www_authenticate_uri: str | None = None):
        self.app = app
        self.render_error = render_error or json_error
        self.is_public = is_public or _never_public
        self.www_authenticate_uri = www_authenticate_uri or ""

    def __call__(self, environ, start_response):
        self.capture(environ)
        headers.strip_identity_headers(environ)
        if self.is_public(environ):
            environ.pop("HTTP_X_AUTH_TOKEN", None)
            environ.pop("HTTP_X_SERVICE_TOKEN", None)
            headers.set_anonymous_headers(environ)
        else:
            try:
                self.authenticate(environ)
            except exception.NotAuthenticated as exc:
                return self._error(environ, start_response, 401, exc.msg)
            except exception.ServiceUnavailable:
                return self._error(environ, start_response, 503, _UNAVAILABLE)
        # Built from the headers just set, so the context and the headers agree; it
        # also becomes the thread's current context (oslo.context), for logging.
        environ[sovra_context.CONTEXT_ENVIRON_KEY] = \
            sovra_context.RequestContext.from_environ(environ)
        return self.app(environ, start_response)

    def close(self) -> None:
        """Release connections to identity (the middleware stays usable)."""

    def capture(self, environ: dict) -> None:
        """Hook run before stripping (noauth reads its role headers here)."""

    def authenticate(self, environ: dict) -> None:
        """Set the identity headers in ``environ`` for a valid request.

        :raises NotAuthenticated: -> 401.
        :raises ServiceUnavailable: -> 503.
        """
        raise NotImplementedError

    def _error(self, environ, start_response, status: int, message: str):
        request_id = (environ.get(sovra_context.REQUEST_ID_ENVIRON_KEY)
                      or sovra_context.valid_request_id(
                          environ.get("HTTP_X_OPENSTACK_REQUEST_ID")))
        body, content_type = self.render_error(status, message, request_id)
        response_headers = [("Content-Type", content_type),
                            ("Content-Length", str(len(body)))]
        if status == 401:
            response_headers.append(
                ("WWW-Authenticate", f'Keystone uri="{self.www_authenticate_uri}"'))
        start_response(f"{status} {http.HTTPStatus(status).phrase}", response_headers)
        if environ.get("REQUEST_METHOD") == "HEAD":
            return [b""]
        return [body]


class AuthMiddleware(BaseAuthMiddleware):
    """Validates tokens against identity through a ``TokenValidator``, with a
    ``TokenCache`` in front of it (share one cache per process, and feed it
    revocations with ``RevocationEndpoint``)."""

    def __init__(self, app, validator: TokenValidator, token_cache: TokenCache, **kwargs):
        super().__init__(app, **kwargs)
        self.validator = validator
        self.token_cache = token_cache

    def authenticate(self, environ: dict) -> None:
        token = environ.get("HTTP_X_AUTH_TOKEN")
        if not token:
            raise exception.NotAuthenticated(_UNAUTHENTICATED)
        user = self._check(token)
        if not user.scoped:
            raise exception.NotAuthenticated(_UNSCOPED)
        service_token = environ.get("HTTP_X_SERVICE_TOKEN")
        service = self._check(service_token) if service_token else None
        headers.set_user_headers(environ, user)
        if service is not None:
            headers.set_service_headers(environ, service)

    def _check(self, token: str) -> TokenInfo:
        info = self.token_cache.get(token)
        if info is not None:
            return info
        generation = self.token_cache.generation
        try:
            info = self.validator.validate(token)
        except exception.NotAuthenticated:
            raise exception.NotAuthenticated(_UNAUTHENTICATED) from None
        except exception.ServiceUnavailable:
            raise
        except Exception as exc:
            # A validator bug must not turn into a 500 or, worse, a pass.
            LOG.exception("Token validation failed unexpectedly")
            raise exception.ServiceUnavailable() from exc
        self.token_cache.put(token, info, generation=generation)
        return info

    def close(self) -> None:
        self.validator.close()

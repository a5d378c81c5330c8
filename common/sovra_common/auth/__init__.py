"""Authentication of API requests: one WSGI middleware in front of every Sovra API.

    mw = build_middleware(app, conf, render_error=fault.render_error,
                          public=["/", "/v2.1"])
    # keystone strategy: feed identity's revocations to the cache
    listener_endpoints = [RevocationEndpoint(mw.token_cache)]

Modules: middleware.py (the WSGI part, keystone strategy), noauth.py (tests / lite
dev), validator.py (asking identity), token_cache.py, revocation.py (notifications ->
invalidations), headers.py (the identity header contract), token_info.py.
"""

from collections.abc import Callable, Iterable

from oslo_config import cfg

from sovra_common.auth.middleware import (
    AuthMiddleware,
    BaseAuthMiddleware,
    PublicPredicate,
    RenderError,
    json_error,
    public_paths_predicate,
)
from sovra_common.auth.noauth import NoAuthMiddleware
from sovra_common.auth.revocation import RevocationEndpoint
from sovra_common.auth.token_cache import TokenCache
from sovra_common.auth.token_info import TokenInfo
from sovra_common.auth.validator import KeystoneTokenValidator, TokenValidator

__all__ = ["AuthMiddleware", "BaseAuthMiddleware", "KeystoneTokenValidator",
           "NoAuthMiddleware", "RevocationEndpoint", "TokenCache", "TokenInfo",
           "TokenValidator", "build_middleware", "build_token_cache", "json_error",
           "public_paths_predicate"]


def build_token_cache(conf: cfg.ConfigOpts, clock: Callable[[], float] | None = None
                      ) -> TokenCache:
    """A cache sized and timed by ``[auth] token_cache_ttl/token_cache_size``."""
    kwargs = {"clock": clock} if clock is not None else {}
    return TokenCache(ttl=conf.auth.token_cache_ttl, max_size=conf.auth.token_cache_size,
                      **kwargs)


def _public_predicate(conf: cfg.ConfigOpts,
                      public: PublicPredicate | Iterable[str] | None) -> PublicPredicate:
    from_conf = public_paths_predicate(conf.auth.public_paths)
    if public is None:
        return from_conf
    given = public if callable(public) else public_paths_predicate(public)
    return lambda environ: given(environ) or from_conf(environ)


def build_middleware(app, conf: cfg.ConfigOpts, render_error: RenderError | None = None,
                     *, public: PublicPredicate | Iterable[str] | None = None,
                     token_cache: TokenCache | None = None,
                     validator: TokenValidator | None = None) -> BaseAuthMiddleware:
    """Wrap ``app`` in the middleware ``[auth] strategy`` names.

    :param render_error: the service's ``(status, message, request_id) -> (body,
        content_type)``; default ``json_error``.
    :param public: paths (or a predicate on the environ) served without a token, on
        top of ``[auth] public_paths``.
    :param token_cache: share one cache between the APIs of one process (lite mode);
        default: a new one from ``[auth]``.
    :param validator: default: ``KeystoneTokenValidator`` from ``[service_auth]``.
    :raises oslo_config.cfg.RequiredOptError: keystone strategy without
        ``[service_auth] auth_type``.
    """
    kwargs = {"render_error": render_error, "is_public": _public_predicate(conf, public),
              "www_authenticate_uri": conf.auth.www_authenticate_uri}
    if conf.auth.strategy == "noauth":
        return NoAuthMiddleware(app, **kwargs)
    if validator is None:
        validator = KeystoneTokenValidator.from_conf(conf)
    if not kwargs["www_authenticate_uri"]:
        kwargs["www_authenticate_uri"] = getattr(validator, "auth_url", None)
    if token_cache is None:
        token_cache = build_token_cache(conf)
    return AuthMiddleware(app, validator, token_cache, **kwargs)

"""The identity headers: what the auth middleware tells the application.

The names are keystonemiddleware's public header contract (what oslo.context's
``RequestContext.from_environ`` reads), so code written for OpenStack services reads
them unchanged. Because the application trusts them, a client must never be able to
set them: ``strip_identity_headers`` removes every such header from the WSGI environ,
whatever its spelling (``X-User-Id`` and ``X_User_Id`` both arrive as
``HTTP_X_USER_ID``), before anything else looks at the request.
"""

from sovra_common.auth.token_info import TokenInfo

# Exact environ keys the middleware owns.
_OWNED_KEYS = frozenset({
    "HTTP_X_IDENTITY_STATUS",
    "HTTP_X_SERVICE_IDENTITY_STATUS",
    "HTTP_X_USER",                  # deprecated alias of X-User-Id / X-User-Name
    "HTTP_X_IS_ADMIN_PROJECT",
    "HTTP_OPENSTACK_SYSTEM_SCOPE",
    "HTTP_X_SYSTEM_SCOPE",
    "HTTP_X_STORAGE_TOKEN",         # legacy token alias: only X-Auth-Token is validated
    "HTTP_X_AUTH_TOKEN_INFO",
})

# Families of environ keys the middleware owns (X-User-*, X-Project-*, X-Domain-*,
# X-Tenant*, X-Role(s), X-Service-* except the service token itself, X-Trust*).
_OWNED_PREFIXES = (
    "HTTP_X_USER_",
    "HTTP_X_PROJECT_",
    "HTTP_X_DOMAIN_",
    "HTTP_X_TENANT",
    "HTTP_X_ROLE",
    "HTTP_X_SERVICE_",
    "HTTP_X_TRUST",
)

_NOT_OWNED = frozenset({"HTTP_X_SERVICE_TOKEN"})


def is_identity_header(environ_key: str) -> bool:
    if environ_key in _NOT_OWNED:
        return False
    return environ_key in _OWNED_KEYS or environ_key.startswith(_OWNED_PREFIXES)


def strip_identity_headers(environ: dict) -> list[str]:
    """Remove every identity header from ``environ``; return the keys removed."""
    removed = [key for key in environ if is_identity_header(key)]
    for key in removed:
        del environ[key]
    return removed


def _set(environ: dict, key: str, value) -> None:
    if value is not None and value != "":
        environ[key] = str(value)


def set_user_headers(environ: dict, info: TokenInfo) -> None:
    """Headers for the validated user token (``environ`` already stripped)."""
    environ["HTTP_X_IDENTITY_STATUS"] = "Confirmed"
    _set(environ, "HTTP_X_USER_ID", info.user_id)
    _set(environ, "HTTP_X_USER_NAME", info.user_name)
    _set(environ, "HTTP_X_USER_DOMAIN_ID", info.user_domain_id)
    _set(environ, "HTTP_X_USER_DOMAIN_NAME", info.user_domain_name)
    _set(environ, "HTTP_X_PROJECT_ID", info.project_id)
    _set(environ, "HTTP_X_PROJECT_NAME", info.project_name)
    _set(environ, "HTTP_X_PROJECT_DOMAIN_ID", info.project_domain_id)
    _set(environ, "HTTP_X_PROJECT_DOMAIN_NAME", info.project_domain_name)
    _set(environ, "HTTP_X_DOMAIN_ID", info.domain_id)
    _set(environ, "HTTP_X_DOMAIN_NAME", info.domain_name)
    _set(environ, "HTTP_OPENSTACK_SYSTEM_SCOPE", info.system_scope)
    environ["HTTP_X_ROLES"] = ",".join(info.roles)
    environ["HTTP_X_IS_ADMIN_PROJECT"] = "True" if info.is_admin_project else "False"


def set_service_headers(environ: dict, info: TokenInfo) -> None:
    """Headers for a validated X-Service-Token."""
    environ["HTTP_X_SERVICE_IDENTITY_STATUS"] = "Confirmed"
    _set(environ, "HTTP_X_SERVICE_USER_ID", info.user_id)
    _set(environ, "HTTP_X_SERVICE_USER_NAME", info.user_name)
    _set(environ, "HTTP_X_SERVICE_USER_DOMAIN_ID", info.user_domain_id)
    _set(environ, "HTTP_X_SERVICE_USER_DOMAIN_NAME", info.user_domain_name)
    _set(environ, "HTTP_X_SERVICE_PROJECT_ID", info.project_id)
    _set(environ, "HTTP_X_SERVICE_PROJECT_NAME", info.project_name)
    _set(environ, "HTTP_X_SERVICE_PROJECT_DOMAIN_ID", info.project_domain_id)
    _set(environ, "HTTP_X_SERVICE_PROJECT_DOMAIN_NAME", info.project_domain_name)
    environ["HTTP_X_SERVICE_ROLES"] = ",".join(info.roles)


def set_anonymous_headers(environ: dict) -> None:
    """Headers for a request let through without a token (public routes)."""
    environ["HTTP_X_IDENTITY_STATUS"] = "Invalid"
    environ["HTTP_X_IS_ADMIN_PROJECT"] = "False"

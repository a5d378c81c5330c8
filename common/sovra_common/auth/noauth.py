"""``[auth] strategy = noauth``: trust the caller. For tests and lite development only.

NEVER FOR PRODUCTION: whoever can reach the API can be any user, in any project, with
any role. A warning is logged when the middleware is built.

The request says who it is:

- ``X-Auth-Token: <user_id>:<project_id>`` -> that user, scoped to that project. A
  token without ``:`` is both (``X-Auth-Token: alice`` = user alice in project
  alice).
- ``X-Auth-Token: admin`` -> the fixed admin context: user ``admin`` in project
  ``admin`` with roles admin, member, reader.
- ``X-Roles: <role>,<role>`` -> the roles (default ``member,reader``). Read before
  the identity headers are stripped, so this is the one place a client's X-Roles
  counts.
- ``X-Service-Token: <user_id>:<project_id>`` (optional) -> the service user;
  ``X-Service-Roles`` its roles (default ``service``).
- No token -> 401, as with keystone, so clients behave the same in both modes (with
  keystoneauth: ``auth_type = admin_token``, ``token = <user>:<project>``,
  ``endpoint = <service URL>``).
"""

import logging

from sovra_common import exception
from sovra_common.auth import headers
from sovra_common.auth.middleware import BaseAuthMiddleware
from sovra_common.auth.token_info import TokenInfo

LOG = logging.getLogger(__name__)

ADMIN_TOKEN = "admin"
ADMIN_ROLES = ("admin", "member", "reader")
DEFAULT_ROLES = ("member", "reader")
DEFAULT_SERVICE_ROLES = ("service",)
NOAUTH_DOMAIN = "default"

_ROLES_KEY = "sovra.noauth.roles"
_SERVICE_ROLES_KEY = "sovra.noauth.service_roles"


def _roles(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        return default
    return tuple(r.strip() for r in value.split(",") if r.strip())


def token_info(token: str, roles: tuple[str, ...]) -> TokenInfo:
    """What a noauth token stands for."""
    if token == ADMIN_TOKEN:
        user_id, project_id, roles = ADMIN_TOKEN, ADMIN_TOKEN, ADMIN_ROLES
    else:
        user_id, _, project_id = token.partition(":")
        project_id = project_id or user_id
    return TokenInfo(user_id=user_id, user_name=user_id, user_domain_id=NOAUTH_DOMAIN,
                     project_id=project_id, project_name=project_id,
                     project_domain_id=NOAUTH_DOMAIN, roles=roles)


class NoAuthMiddleware(BaseAuthMiddleware):
    def __init__(self, app, **kwargs):
        super().__init__(app, **kwargs)
        LOG.warning("Authentication is OFF ([auth] strategy = noauth): every caller "
                    "is trusted to be who it claims. Never use this in production.")

    def capture(self, environ: dict) -> None:
        environ[_ROLES_KEY] = _roles(environ.get("HTTP_X_ROLES"), DEFAULT_ROLES)
        environ[_SERVICE_ROLES_KEY] = _roles(environ.get("HTTP_X_SERVICE_ROLES"),
                                             DEFAULT_SERVICE_ROLES)

    def authenticate(self, environ: dict) -> None:
        token = environ.get("HTTP_X_AUTH_TOKEN")
        if not token:
            raise exception.NotAuthenticated()
        headers.set_user_headers(environ, token_info(token, environ[_ROLES_KEY]))
        service_token = environ.get("HTTP_X_SERVICE_TOKEN")
        if service_token:
            headers.set_service_headers(
                environ, token_info(service_token, environ[_SERVICE_ROLES_KEY]))

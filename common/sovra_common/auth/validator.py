"""Asking identity whether a token is valid.

``TokenValidator`` is the contract the middleware depends on; ``KeystoneTokenValidator``
implements it over the Keystone v3 API: ``GET /v3/auth/tokens?nocatalog`` with the
token in ``X-Subject-Token``, authenticated by the service's own token from a
keystoneauth1 session (the ``[service_auth]`` credentials). The identity service can
plug in a validator that reads its own token store instead.
"""

import abc
import logging

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from oslo_config import cfg

from sovra_common import exception
from sovra_common.auth import sessions
from sovra_common.auth.token_info import TokenInfo
from sovra_common.conf import auth as auth_conf

LOG = logging.getLogger(__name__)

# No Keystone token comes close (Fernet ~250 bytes, JWS ~800); longer ones are
# refused without bothering identity.
MAX_TOKEN_LENGTH = 8192


class TokenValidator(abc.ABC):
    @abc.abstractmethod
    def validate(self, token: str) -> TokenInfo:
        """Return what identity says about ``token``.

        :raises sovra_common.exception.NotAuthenticated: invalid, expired or revoked.
        :raises sovra_common.exception.ServiceUnavailable: identity could not answer
            (unreachable, timed out, 5xx, or it refused the service's own
            credentials). Never let the request through in that case.
        """

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release here
        """Release connections; the validator stays usable."""


class KeystoneTokenValidator(TokenValidator):
    def __init__(self, session: ks_session.Session, *, interface: str = "internal",
                 region_name: str | None = None, timeout: float | None = None):
        self._session = session
        self._endpoint_filter = {"service_type": "identity", "interface": interface,
                                 "version": (3, 0)}
        if region_name:
            self._endpoint_filter["region_name"] = region_name
        self._timeout = timeout

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> "KeystoneTokenValidator":
        """Build the service's session from ``[service_auth]`` and ``[auth]``.

        :raises oslo_config.cfg.RequiredOptError: no ``[service_auth] auth_type``.
        """
        session = sessions.service_session(conf)
        timeout = conf[auth_conf.SERVICE_AUTH_GROUP.name].timeout or conf.auth.identity_timeout
        return cls(session, interface=conf.auth.identity_interface,
                   region_name=conf.auth.identity_region_name, timeout=timeout)

    @property
    def auth_url(self) -> str | None:
        """The service plugin's auth_url (the default WWW-Authenticate uri)."""
        return getattr(self._session.auth, "auth_url", None)

    def validate(self, token: str) -> TokenInfo:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise exception.NotAuthenticated()
        try:
            resp = self._session.get(
                "/auth/tokens?nocatalog", endpoint_filter=self._endpoint_filter,
                headers={"X-Subject-Token": token}, authenticated=True,
                raise_exc=False, timeout=self._timeout, log=False)
        except ks_exc.ClientException as exc:
            # connection refused/timeout, discovery or catalog lookup failure, or
            # identity refusing the service's own credentials
            LOG.error("Cannot validate a token, identity unavailable: %s", exc)
            raise exception.ServiceUnavailable() from exc
        if resp.status_code == 200:
            try:
                return TokenInfo.from_body(resp.json())
            except ValueError as exc:
                LOG.error("Identity returned an unreadable token body: %s", exc)
                raise exception.ServiceUnavailable() from exc
        if resp.status_code in (400, 404):
            # Keystone: 404 for an unknown, expired or revoked token; 400 for a
            # malformed one.
            raise exception.NotAuthenticated()
        # 401 after keystoneauth re-authenticated once, or 403: identity refuses our
        # own credentials (a deployment error, not the user's); 5xx: identity broken.
        LOG.error("Identity answered %s to a token validation; check [service_auth]",
                  resp.status_code)
        raise exception.ServiceUnavailable()

    def close(self) -> None:
        self._session.close()

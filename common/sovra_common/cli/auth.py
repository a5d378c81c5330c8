"""Who the CLI is and how it reaches the cloud: ``--os-*`` options, clouds.yaml and
``OS_*`` variables (merged by openstacksdk's config loader, as the ``openstack`` CLI
does), a keystoneauth1 session, and the token cache around it.

Nothing here imports openstacksdk or keystoneauth1 until a command needs the cloud:
``sovra --help`` never pays for them.
"""

from __future__ import annotations

import argparse
import logging
import os

from sovra_common.cli import token_cache as tc

LOG = logging.getLogger(__name__)

#: (option, help) of the global --os-* options; each defaults to nothing so that
#: clouds.yaml and OS_* variables apply (openstacksdk merges them in that order).
_OPTIONS = (
    ("--os-cloud", "cloud name in clouds.yaml (env: OS_CLOUD)"),
    ("--os-auth-type", "keystoneauth1 plugin: password (default), token, "
                       "v3applicationcredential, ... (env: OS_AUTH_TYPE)"),
    ("--os-auth-url", "identity endpoint, e.g. http://127.0.0.1:5000/v3 (env: OS_AUTH_URL)"),
    ("--os-username", "user name (env: OS_USERNAME)"),
    ("--os-user-id", "user id (env: OS_USER_ID)"),
    ("--os-password", "password (env: OS_PASSWORD); never written to the token cache"),
    ("--os-user-domain-name", "the user's domain name (env: OS_USER_DOMAIN_NAME)"),
    ("--os-user-domain-id", "the user's domain id (env: OS_USER_DOMAIN_ID)"),
    ("--os-project-name", "project scope by name (env: OS_PROJECT_NAME)"),
    ("--os-project-id", "project scope by id (env: OS_PROJECT_ID)"),
    ("--os-project-domain-name", "the project's domain name (env: OS_PROJECT_DOMAIN_NAME)"),
    ("--os-project-domain-id", "the project's domain id (env: OS_PROJECT_DOMAIN_ID)"),
    ("--os-domain-name", "domain scope by name (env: OS_DOMAIN_NAME)"),
    ("--os-domain-id", "domain scope by id (env: OS_DOMAIN_ID)"),
    ("--os-system-scope", "system scope, 'all' (env: OS_SYSTEM_SCOPE)"),
    ("--os-token", "an existing token, with --os-auth-type token (env: OS_TOKEN)"),
    ("--os-application-credential-id", "application credential id "
                                       "(env: OS_APPLICATION_CREDENTIAL_ID)"),
    ("--os-application-credential-secret", "application credential secret "
                                           "(env: OS_APPLICATION_CREDENTIAL_SECRET)"),
    ("--os-region-name", "region of the endpoints to use (env: OS_REGION_NAME)"),
    ("--os-interface", "endpoint interface: public (default), internal or admin "
                       "(env: OS_INTERFACE)"),
    ("--os-cacert", "CA bundle to verify TLS servers with (env: OS_CACERT)"),
    ("--os-cert", "client certificate for TLS (env: OS_CERT)"),
    ("--os-key", "client certificate key for TLS (env: OS_KEY)"),
)


def add_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "authentication", "As for the openstack CLI: --os-cloud picks a cloud from "
        "clouds.yaml (./clouds.yaml, ~/.config/openstack/, /etc/openstack/ or "
        "OS_CLIENT_CONFIG_FILE); OS_* variables and these options override it.")
    for flag, text in _OPTIONS:
        group.add_argument(flag, metavar="<value>", help=text)
    group.add_argument("--insecure", action="store_true", default=None,
                       help="do not verify TLS certificates")
    group.add_argument("--no-token-cache", dest="token_cache", action="store_false",
                       default=True,
                       help="neither read nor write the token cache (~/.cache/sovra/)")


def _config_args(options: argparse.Namespace) -> argparse.Namespace:
    """The --os-* values actually given, as openstacksdk's loader takes them."""
    given = {}
    for flag, _ in _OPTIONS:
        dest = flag[2:].replace("-", "_")
        value = getattr(options, dest, None)
        if value not in (None, "") and dest != "os_cloud":
            given[dest] = value
    if getattr(options, "insecure", None):
        given["insecure"] = True
    return argparse.Namespace(**given)


class Cloud:
    """The cloud one invocation talks to: config, session, token cache. Built lazily
    by the app on first use; ``finish()`` stores a token obtained meanwhile."""

    def __init__(self, options: argparse.Namespace, cache: tc.TokenCache | None = None):
        self._options = options
        self._cache = cache if getattr(options, "token_cache", True) else None
        self._region = None
        self._session = None
        self._cache_key = None
        self._loaded_state = None

    # -- configuration ---------------------------------------------------------------

    @property
    def config(self):
        """openstacksdk's CloudRegion: clouds.yaml + OS_* + --os-* merged."""
        if self._region is None:
            loader = _config_loader()
            cloud = self._options.os_cloud or os.environ.get("OS_CLOUD") or None
            config = loader.OpenStackConfig(load_envvars=True)
            self._region = config.get_one(cloud=cloud, argparse=_config_args(self._options))
        return self._region

    @property
    def interface(self) -> str:
        return self.config.get_interface() or "public"

    @property
    def region_name(self) -> str | None:
        return self.config.get_region_name() or None

    # -- session ---------------------------------------------------------------------

    @property
    def session(self):
        """A keystoneauth1 session; its auth restored from the token cache if a
        token for this login is cached and not about to expire."""
        if self._session is None:
            region = self.config
            session = region.get_session()
            plugin = session.auth
            if self._cache is not None and _cacheable(plugin):
                self._cache_key = tc.cache_key(region.name, dict(region.auth or {}))
                state = self._cache.load(self._cache_key)
                if state:
                    try:
                        plugin.set_auth_state(state)
                        self._loaded_state = state
                    except (ValueError, KeyError, TypeError):
                        self._cache.forget(self._cache_key)
            self._session = session
        return self._session

    @property
    def from_cache(self) -> bool:
        """True while the session's token is the one read from the cache."""
        plugin = self.session.auth
        return bool(self._loaded_state) and plugin.get_auth_state() == self._loaded_state

    def access(self):
        """The session's AccessInfo (token, catalog, scope), logging in if needed."""
        return self.session.auth.get_access(self.session)

    def invalidate(self) -> None:
        """Drop the session's token: the next request logs in again."""
        self.session.auth.invalidate()

    def finish(self) -> None:
        """Store the token if this invocation obtained a new one."""
        if self._session is None or self._cache is None or self._cache_key is None:
            return
        plugin = self._session.auth
        auth_ref = getattr(plugin, "auth_ref", None)
        if auth_ref is None or auth_ref.expires is None:
            return
        state = plugin.get_auth_state()
        if state and state != self._loaded_state:
            try:
                self._cache.store(self._cache_key, state, auth_ref.expires.isoformat())
            except OSError as exc:  # a read-only home must not fail the command
                LOG.debug("token cache not written: %s", exc)


def _config_loader():
    """openstacksdk's ``openstack.config.loader``, without the 0.5 s of importing the
    whole SDK: ``openstack/__init__.py`` imports every service proxy, the config
    loader needs none of them. While the loader's modules import, the ``openstack``
    package is a bare module (its path only); afterwards it is taken out of
    ``sys.modules`` again so a later ``import openstack`` gets the real one."""
    import importlib
    import importlib.util
    import sys

    if "openstack" in sys.modules:
        return importlib.import_module("openstack.config.loader")
    spec = importlib.util.find_spec("openstack")
    bare = importlib.util.module_from_spec(spec)
    sys.modules["openstack"] = bare
    try:
        return importlib.import_module("openstack.config.loader")
    except ImportError:  # the SDK changed shape: pay for the full import
        sys.modules.pop("openstack", None)
        return importlib.import_module("openstack.config.loader")
    finally:
        if sys.modules.get("openstack") is bare:
            del sys.modules["openstack"]


def _cacheable(plugin) -> bool:
    """Plugins that log in to identity (password, token, application credential)
    have an auth state worth keeping; admin tokens, noauth, basic auth do not."""
    return hasattr(plugin, "get_auth_state") and hasattr(plugin, "set_auth_state") \
        and hasattr(plugin, "auth_url")

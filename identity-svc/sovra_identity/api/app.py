"""The identity API: create_app(conf) builds the app with its whole stack."""

from __future__ import annotations

from sovra_common import auth as common_auth
from sovra_common import rpc
from sovra_common.db import Database
from sovra_common.wsgi import app as wsgi_app
from sovra_identity import conf as identity_conf
from sovra_identity.api import deploy, policies
from sovra_identity.api.routes import ROUTES
from sovra_identity.api.state import IdentityState
from sovra_identity.service.credential import CredentialKeys
from sovra_identity.service.revocation import Revoker
from sovra_identity.service.token import TokenProvider
from sovra_identity.service.user import PasswordPolicy
from sovra_identity.token import formatter, keys


def ensure_opts(conf) -> None:
    """Register identity's option groups on ``conf`` unless already there."""
    if "token" not in conf:
        identity_conf.register_opts(conf)


def create_app(conf, *, db: Database | None = None, token_cache=None):
    """The identity WSGI app (a Flask app with identity's middleware installed).

    ``db``: default from [database]. ``token_cache``: the process's shared cache
    (lite mode); default a new one. Revocation events are published on [messaging]'s
    notification transport. Release what it holds with ``close(app)``.

    :raises KeyRepositoryError: no Fernet keys (identity refuses to start).
    """
    ensure_opts(conf)
    crypto = keys.KeyRing(conf.fernet_tokens.key_repository)
    if db is None:
        db = Database.from_conf(conf, name="identity")
    transport = rpc.build_notification_transport(conf)
    notifier = rpc.Notifier(transport, "identity.api")
    if token_cache is None:
        token_cache = common_auth.build_token_cache(conf)
    revoker = Revoker(db, conf.token.expiration, notifier,
                      listeners=[common_auth.RevocationEndpoint(token_cache)])
    provider = TokenProvider(db, formatter.TokenFormatter(crypto), revoker,
                             conf.token.expiration)
    app = wsgi_app.create_app("identity", conf, routes_table=ROUTES,
                              fault_style="identity", policy_rules=policies.list_rules())
    app.extensions["sovra"].extras["identity"] = IdentityState(
        db=db, tokens=provider, revoker=revoker,
        passwords=PasswordPolicy(conf.identity.password_hash_rounds,
                                 conf.identity.max_password_length),
        transport=transport,
        credentials=CredentialKeys(conf.credential.key_repository))
    deploy.install_middleware(app, conf, validator=deploy.LocalTokenValidator(provider),
                              token_cache=token_cache)
    return app


def close(app) -> None:
    """Release the app's database connections and bus transport."""
    state = app.extensions["sovra"].extras["identity"]
    state.db.dispose()
    state.transport.cleanup()

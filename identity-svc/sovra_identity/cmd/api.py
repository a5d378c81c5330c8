"""sovra-identity-api: the identity API as a Sovra component (default port 5000).

Console script: ``sovra-identity-api = sovra_identity.cmd.api:main``; lite mode's
all-in-one process finds ``COMPONENT`` through the ``sovra.components`` entry point
(``identity-api = sovra_identity.cmd.api:COMPONENT``).
"""

from __future__ import annotations

import sys

from sovra_common import process
from sovra_common.component import ApiComponent, ServedApp
from sovra_common.wsgi.server import ApiServer
from sovra_identity import conf as identity_conf
from sovra_identity.api import app as identity_app


class IdentityApi(ApiComponent):
    """Identity differs from the other APIs in one way: its auth middleware is its
    own (in-process validation, unscoped tokens on /v3/auth/*; see api/deploy.py),
    so ``start`` builds the app with it instead of the common one."""

    name = "identity-api"
    config_project = "sovra-identity"
    default_port = 5000

    def register_opts(self, conf) -> None:
        identity_conf.register_opts(conf)

    def create_app(self, conf):
        """The complete app, identity's middleware installed, with its own cache."""
        return identity_app.create_app(conf)

    def start(self, conf, resources):
        app = identity_app.create_app(conf, token_cache=resources.token_cache)
        try:
            server = ApiServer.for_api(app, conf, self.default_port, self.name).start()
        except Exception:
            identity_app.close(app)
            raise
        return ServedApp(server, app, identity_app.close)


COMPONENT = IdentityApi()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":
    sys.exit(main())

"""sovra-network-api: the Networking API v2.0 (default port 9696), as a component of
a Sovra process: alone (this console script) or in sovra-allinone."""

import sys

from sovra_common import component, process
from sovra_common.wsgi import deploy
from sovra_common.wsgi.server import ApiServer
from sovra_network import conf as network_conf


class NetworkApiComponent(component.ApiComponent):
    name = "network-api"
    config_project = "sovra-network"
    default_port = network_conf.DEFAULT_PORT

    def register_opts(self, conf):
        for module in network_conf.MODULES:
            module.register_opts(conf)

    def create_app(self, conf, coordinator=None):
        from sovra_network.api import app as network_app

        return network_app.create_app(conf, coordinator=coordinator)

    def start(self, conf, resources):
        """Serve with the process's coordinator (the one its agents, in an
        all-in-one process, keep their heartbeats in), and release the app's
        database and bus when stopped."""
        from sovra_network.api import app as network_app

        app = self.create_app(conf, coordinator=resources.coordinator)
        try:
            deploy.install_middleware(app, conf, token_cache=resources.token_cache)
            server = ApiServer.for_api(app, conf, self.default_port, self.name).start()
        except Exception:
            network_app.close(app)
            raise
        return component.ServedApp(server, app, network_app.close)


COMPONENT = NetworkApiComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":
    sys.exit(main())

"""sovra-network-api: the Networking API v2.0 (default port 9696), as a component of
a Sovra process: alone (this console script) or in sovra-allinone."""

import sys

from sovra_common import component, process
from sovra_network import conf as network_conf


class NetworkApiComponent(component.ApiComponent):
    name = "network-api"
    config_project = "sovra-network"
    default_port = network_conf.DEFAULT_PORT

    def register_opts(self, conf):
        for module in network_conf.MODULES:
            module.register_opts(conf)

    def create_app(self, conf):
        from sovra_network.api import app as network_app

        return network_app.create_app(conf)


COMPONENT = NetworkApiComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":
    sys.exit(main())

"""sovra-compute-metadata: the metadata API (default port 8775, ``[metadata]``
bind_host / bind_port), which answers guests' requests relayed by the network
agent's metadata proxy; a component of a Sovra process: alone (this console script)
or in sovra-allinone. It reads the compute database ([database]) and needs
``[metadata] proxy_shared_secret``; no token, no bus."""

from __future__ import annotations

import sys

from sovra_common import component, process
from sovra_common.wsgi.server import ApiServer
from sovra_compute import conf as compute_conf
from sovra_compute.conf import metadata as metadata_conf
from sovra_compute.metadata import app as metadata_app


class MetadataComponent(component.Component):
    name = "compute-metadata"
    config_project = "sovra-compute"
    default_port = metadata_conf.DEFAULT_PORT

    def register_opts(self, conf):
        compute_conf.register_opts(conf)

    def create_app(self, conf, database=None):
        return metadata_app.create_app(conf, database=database)

    def start(self, conf, resources):
        app = self.create_app(conf)
        try:
            server = ApiServer(app, conf.metadata.bind_host, conf.metadata.bind_port,
                               name=self.name).start()
        except Exception:
            metadata_app.close(app)
            raise
        return component.ServedApp(server, app, metadata_app.close)


COMPONENT = MetadataComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

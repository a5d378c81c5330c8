"""sovra-compute-api: the Compute API (default port 8774), as a component of a
Sovra process: alone (this console script) or in sovra-allinone."""

from __future__ import annotations

import sys

from sovra_common import component, process
from sovra_common.wsgi import deploy
from sovra_common.wsgi.server import ApiServer
from sovra_compute import conf as compute_conf
from sovra_compute.api import app as compute_app


class ComputeApiComponent(component.ApiComponent):
    name = "compute-api"
    config_project = "sovra-compute"
    default_port = compute_conf.DEFAULT_PORT

    def register_opts(self, conf):
        compute_conf.register_opts(conf)

    def create_app(self, conf, coordinator=None):
        return compute_app.create_app(conf, coordinator=coordinator)

    def start(self, conf, resources):
        app = self.create_app(conf, coordinator=resources.coordinator)
        deploy.install_middleware(app, conf, token_cache=resources.token_cache,
                                  request_id_headers=("X-Compute-Request-Id",))
        try:
            server = ApiServer.for_api(app, conf, self.default_port, self.name).start()
        except Exception:
            compute_app.close(app)
            raise
        return component.ServedApp(server, app, compute_app.close)


COMPONENT = ComputeApiComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

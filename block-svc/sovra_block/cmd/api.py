"""sovra-block-api: the Block Storage API v3 (default port 8776), as a component of a
Sovra process: alone (this console script) or in sovra-allinone.

Besides HTTP it serves the volume agents' reports (capacity, outcomes of the
operations it cast to them) on the bus: the API process holds the block database,
agents hold none. When an attached volume's extend completes, it tells compute
(service/compute_events.py).
"""

from __future__ import annotations

import sys

from sovra_block import conf as block_conf
from sovra_block import rpc as block_rpc
from sovra_block.api import app as block_app
from sovra_common import component, process, rpc
from sovra_common.wsgi import deploy
from sovra_common.wsgi.server import ApiServer


class BlockApiComponent(component.ApiComponent):
    name = "block-api"
    config_project = "sovra-block"
    default_port = block_conf.DEFAULT_PORT

    def register_opts(self, conf):
        block_conf.register_opts(conf)

    def create_app(self, conf):
        return block_app.create_app(conf)

    def start(self, conf, resources):
        from sovra_block.service import compute_events
        from sovra_block.service.report import ReportEndpoint

        app = self.create_app(conf)
        extras = app.extensions["sovra"].extras
        deploy.install_middleware(app, conf, token_cache=resources.token_cache)
        report_server = api_server = None
        compute = compute_events.from_conf(conf)
        try:
            endpoint = ReportEndpoint(conf, extras["db"], extras["agents"],
                                      extras["notifier"], compute)
            report_server = rpc.RPCServer(
                extras["transport"],
                block_rpc.REPORT_TOPIC, conf.block.host, [endpoint]).start()
            api_server = ApiServer.for_api(app, conf, self.default_port, self.name).start()
        except Exception:
            if report_server is not None:
                report_server.stop()
            if compute is not None:
                compute.close()
            block_app.close(app)
            raise
        return _Running(api_server, report_server, app, compute)


class _Running:
    def __init__(self, server, report_server, app, compute=None):
        self.server, self._report_server, self._app = server, report_server, app
        self._compute = compute

    @property
    def url(self):
        return self.server.url

    def stop(self):
        self.server.stop()
        self._report_server.stop()
        if self._compute is not None:
            self._compute.close()
        block_app.close(self._app)


COMPONENT = BlockApiComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

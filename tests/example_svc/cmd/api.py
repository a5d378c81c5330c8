"""The example API as a component: what sovra-allinone and run_one start."""

import sys

from example_svc.api import app
from sovra_common import process
from sovra_common.component import ApiComponent


class ExampleApi(ApiComponent):
    name = "example-api"
    config_project = "sovra-example"
    default_port = 0  # a real service has a fixed one (identity 5000, ...)

    def create_app(self, conf):
        return app.create_app(conf)


COMPONENT = ExampleApi()


def main():
    sys.exit(process.run_one(COMPONENT))

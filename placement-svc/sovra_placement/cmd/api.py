"""sovra-placement-api: the Placement API (default port 8778), as a component of a
Sovra process: alone (this console script) or in sovra-allinone."""

import sys

from sovra_common import component, process
from sovra_common import conf as sovra_conf
from sovra_placement import conf as placement_conf
from sovra_placement.api import app as placement_app


class PlacementApiComponent(component.ApiComponent):
    name = "placement-api"
    config_project = "sovra-placement"
    default_port = 8778

    def register_opts(self, conf):
        placement_conf.register_opts(conf)

    def create_app(self, conf):
        return placement_app.create_app(conf)


COMPONENT = PlacementApiComponent()


def build_conf(argv=None, config_files=None):
    """A loaded ConfigOpts with the common and placement options (tests, tools)."""
    return sovra_conf.load(COMPONENT.new_conf(), "sovra", args=argv,
                           config_files=config_files)


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

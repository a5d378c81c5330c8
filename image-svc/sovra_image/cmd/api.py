"""sovra-image-api: the Image API (default port 9292), as a component of a Sovra
process: alone (this console script) or in sovra-allinone."""

import sys

from sovra_common import component, process
from sovra_image import conf as image_conf
from sovra_image.api import app as image_app


class ImageApiComponent(component.ApiComponent):
    name = "image-api"
    config_project = "sovra-image"
    default_port = image_conf.DEFAULT_PORT

    def register_opts(self, conf):
        for module in image_conf.MODULES:
            module.register_opts(conf)

    def create_app(self, conf):
        return image_app.create_app(conf)


COMPONENT = ImageApiComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":
    sys.exit(main())

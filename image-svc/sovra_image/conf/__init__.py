"""The image service's own option groups (the common ones come from sovra_common.conf)."""

from sovra_common import conf as sovra_conf
from sovra_image.conf import image, s3_store

MODULES = (image, s3_store)
DEFAULT_PORT = 9292


def new_conf():
    """A ConfigOpts with every common group and the image service's groups."""
    conf = sovra_conf.new_conf()
    for module in MODULES:
        module.register_opts(conf)
    return conf

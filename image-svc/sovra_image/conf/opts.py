"""Entry point for oslo-config-generator (namespace ``sovra.image``)."""

from sovra_image import conf as image_conf


def list_opts():
    """[(group, [opts])] for the image service's own option groups."""
    result = []
    for module in image_conf.MODULES:
        result.extend(module.list_opts())
    return result

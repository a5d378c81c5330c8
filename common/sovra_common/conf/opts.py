"""Entry point for oslo-config-generator (namespace ``sovra.common``)."""

from sovra_common import conf as sovra_conf


def list_opts():
    """[(group, [opts])] for every common option group."""
    result = []
    for module in sovra_conf.MODULES:
        result.extend(module.list_opts())
    return result

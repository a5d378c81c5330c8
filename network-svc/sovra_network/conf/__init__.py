"""The network service's own option groups (the common ones come from sovra_common.conf)."""

from sovra_common import conf as sovra_conf
from sovra_network.conf import agent, compute, network

MODULES = [network, agent, compute]
DEFAULT_PORT = 9696


def new_conf():
    """A ConfigOpts with every common group and the network service's groups."""
    conf = sovra_conf.new_conf()
    for module in MODULES:
        module.register_opts(conf)
    return conf


def list_opts():
    """[(group, [opts])] for oslo-config-generator (namespace ``sovra.network``)."""
    result = []
    for module in MODULES:
        result.extend(module.list_opts())
    return result

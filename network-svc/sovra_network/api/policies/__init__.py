"""The network service's policy rules (Neutron's names; overridable per deployment)."""

from sovra_network.api.policies import base, extension, network


def list_rules():
    return [*base.RULES, *extension.RULES, *network.RULES]

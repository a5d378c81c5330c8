"""The network service's policy rules (Neutron's names; overridable per deployment)."""

from sovra_network.api.policies import (
    base,
    extension,
    info,
    network,
    port,
    quota,
    security_group,
    subnet,
)


def list_rules():
    return [*base.RULES, *extension.RULES, *info.RULES, *network.RULES, *port.RULES,
            *quota.RULES, *security_group.RULES, *subnet.RULES]

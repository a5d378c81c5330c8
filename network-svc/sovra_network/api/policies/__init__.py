"""The network service's policy rules (Neutron's names; overridable per deployment)."""

from sovra_network.api.policies import (
    base,
    extension,
    floatingip,
    info,
    network,
    port,
    port_forwarding,
    quota,
    router,
    security_group,
    subnet,
)


def list_rules():
    return [*base.RULES, *extension.RULES, *floatingip.RULES, *info.RULES,
            *network.RULES, *port.RULES, *port_forwarding.RULES, *quota.RULES,
            *router.RULES,
            *security_group.RULES, *subnet.RULES]

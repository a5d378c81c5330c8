"""The network service's models: one module per resource, all registered on Base.

Every module's models must be imported here (the migrations test compares
Base.metadata with the migrated schema). Routers and floating IPs: router.py,
floatingip.py.
"""

from sovra_network.db.models import (
    agent,
    floatingip,
    network,
    port,
    port_forwarding,
    quota,
    router,
    security_group,
    subnet,
)
from sovra_network.db.models.base import Base, JSONText, StandardAttrMixin, Tag

__all__ = ["Base", "JSONText", "StandardAttrMixin", "Tag", "agent", "floatingip",
           "network", "port", "port_forwarding", "quota", "router", "security_group",
           "subnet"]

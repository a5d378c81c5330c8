"""Which collections carry tags, and how to reach one of their resources.

``TAGGABLE`` maps a collection (the URL segment) to the service module of its
resource, which provides ``RESOURCE`` (singular name, the policy rules'
``get_<x>``/``update_<x>`` and the tags table's resource_type), ``load(session,
ctxt, id, lock=False)`` (NotFound if the caller cannot see it) and
``target(row)`` (its policy target).
"""

from sovra_network.service import (
    floatingip,
    network,
    port,
    router,
    security_group,
    subnet,
    subnetpool,
)

TAGGABLE = {
    "networks": network,
    "subnets": subnet,
    "subnetpools": subnetpool,
    "ports": port,
    "security-groups": security_group,
    "routers": router,
    "floatingips": floatingip,
}

"""Subnet queries."""

from sqlalchemy import select

from sovra_network.db.api import network as network_db
from sovra_network.db.api import query
from sovra_network.db.models.network import Network
from sovra_network.db.models.subnet import Subnet

FILTER_COLUMNS = {
    "id": Subnet.id, "name": Subnet.name, "project_id": Subnet.project_id,
    "network_id": Subnet.network_id, "ip_version": Subnet.ip_version,
    "cidr": Subnet.cidr, "gateway_ip": Subnet.gateway_ip,
    "enable_dhcp": Subnet.enable_dhcp, "ipv6_ra_mode": Subnet.ipv6_ra_mode,
    "ipv6_address_mode": Subnet.ipv6_address_mode,
    "subnetpool_id": Subnet.subnetpool_id, "description": Subnet.description,
    "revision_number": Subnet.revision_number,
}
SORT_COLUMNS = FILTER_COLUMNS | {"created_at": Subnet.created_at,
                                 "updated_at": Subnet.updated_at}


def visible_clause(ctxt):
    """Subnets of the networks the caller sees."""
    networks = network_db.visible_clause(ctxt)
    if networks is None:
        return None
    return Subnet.network_id.in_(select(Network.id).where(networks))


def list_subnets(session, ctxt, spec):
    return query.list_rows(session, Subnet, "subnet", spec,
                           filter_columns=FILTER_COLUMNS, sort_columns=SORT_COLUMNS,
                           visible=visible_clause(ctxt))

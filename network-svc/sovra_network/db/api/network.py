"""Network queries."""

from sqlalchemy import or_, select

from sovra_network.db.api import query
from sovra_network.db.models.network import Network
from sovra_network.db.models.subnet import Subnet

FILTER_COLUMNS = {
    "id": Network.id, "name": Network.name, "project_id": Network.project_id,
    "status": Network.status, "admin_state_up": Network.admin_state_up,
    "shared": Network.shared, "router:external": Network.router_external,
    "mtu": Network.mtu, "port_security_enabled": Network.port_security_enabled,
    "provider:network_type": Network.network_type,
    "provider:physical_network": Network.physical_network,
    "provider:segmentation_id": Network.segmentation_id,
    "description": Network.description, "revision_number": Network.revision_number,
}
SORT_COLUMNS = {k: v for k, v in FILTER_COLUMNS.items()} | {
    "created_at": Network.created_at, "updated_at": Network.updated_at}


def visible_clause(ctxt):
    """What a non-admin caller sees: its own networks, shared and external ones."""
    if ctxt.is_admin:
        return None
    return or_(Network.project_id == ctxt.project_id, Network.shared.is_(True),
               Network.router_external.is_(True))


def list_networks(session, ctxt, spec):
    return query.list_rows(session, Network, "network", spec,
                           filter_columns=FILTER_COLUMNS, sort_columns=SORT_COLUMNS,
                           visible=visible_clause(ctxt))


def subnet_ids(session, network_ids) -> dict[str, list[str]]:
    ids = list(network_ids)
    result = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        rows = session.execute(select(Subnet.network_id, Subnet.id).where(
            Subnet.network_id.in_(ids[start:start + 500])).order_by(Subnet.created_at,
                                                                     Subnet.id))
        for network_id, subnet_id in rows:
            result[network_id].append(subnet_id)
    return result

"""Port forwarding queries."""

from sqlalchemy import func, select

from sovra_network.db.api import query
from sovra_network.db.models.floatingip import FloatingIP
from sovra_network.db.models.port_forwarding import PortForwarding

FILTER_COLUMNS = {
    "id": PortForwarding.id, "internal_port_id": PortForwarding.internal_port_id,
    "internal_ip_address": PortForwarding.internal_ip_address,
    "internal_port": PortForwarding.internal_port,
    "external_port": PortForwarding.external_port,
    "protocol": PortForwarding.protocol, "description": PortForwarding.description,
}
SORT_COLUMNS = FILTER_COLUMNS


def list_port_forwardings(session, floatingip_id: str, spec):
    return query.list_rows(session, PortForwarding, "port_forwarding", spec,
                           filter_columns=FILTER_COLUMNS, sort_columns=SORT_COLUMNS,
                           visible=PortForwarding.floatingip_id == floatingip_id)


def count_of(session, floatingip_id: str) -> int:
    return session.scalar(select(func.count()).select_from(PortForwarding).where(
        PortForwarding.floatingip_id == floatingip_id))


def of_port(session, port_id: str, ip_address: str | None = None) -> list:
    """The forwardings to the port ``port_id`` (to ``ip_address`` only, if given)."""
    stmt = select(PortForwarding).where(PortForwarding.internal_port_id == port_id)
    if ip_address is not None:
        stmt = stmt.where(PortForwarding.internal_ip_address == ip_address)
    return list(session.scalars(stmt))


def of_router(session, router_id: str) -> list:
    """The forwardings of the floating IPs the router ``router_id`` carries."""
    return list(session.scalars(select(PortForwarding).join(
        FloatingIP, FloatingIP.id == PortForwarding.floatingip_id).where(
        FloatingIP.router_id == router_id)))

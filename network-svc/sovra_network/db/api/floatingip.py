"""Floating IP queries."""

from sqlalchemy import select

from sovra_network.db.api import query
from sovra_network.db.models.floatingip import FloatingIP
from sovra_network.db.models.port import Port

FILTER_COLUMNS = {
    "id": FloatingIP.id, "project_id": FloatingIP.project_id,
    "router_id": FloatingIP.router_id, "status": FloatingIP.status,
    "floating_network_id": FloatingIP.floating_network_id,
    "floating_ip_address": FloatingIP.floating_ip_address,
    "fixed_ip_address": FloatingIP.fixed_ip_address,
    "port_id": FloatingIP.fixed_port_id, "description": FloatingIP.description,
    "revision_number": FloatingIP.revision_number,
}
SORT_COLUMNS = FILTER_COLUMNS | {"created_at": FloatingIP.created_at,
                                 "updated_at": FloatingIP.updated_at}


def visible_clause(ctxt):
    """A caller's floating IPs (admins: all)."""
    if ctxt.is_admin:
        return None
    return FloatingIP.project_id == ctxt.project_id


def list_floatingips(session, ctxt, spec):
    return query.list_rows(session, FloatingIP, "floatingip", spec,
                           filter_columns=FILTER_COLUMNS, sort_columns=SORT_COLUMNS,
                           visible=visible_clause(ctxt))


def fixed_ports(session, rows) -> dict[str, Port]:
    """{port id: port} of the ports the floating IPs ``rows`` are associated with."""
    ids = sorted({r.fixed_port_id for r in rows if r.fixed_port_id})
    result = {}
    for start in range(0, len(ids), 500):
        for port in session.scalars(select(Port).where(Port.id.in_(
                ids[start:start + 500]))):
            result[port.id] = port
    return result


def of_fixed_port(session, port_id: str) -> list[FloatingIP]:
    """The floating IPs associated with the port ``port_id``."""
    return list(session.scalars(select(FloatingIP).where(
        FloatingIP.fixed_port_id == port_id)))


def of_router(session, router_id: str) -> list[FloatingIP]:
    """The floating IPs the router ``router_id`` carries."""
    return list(session.scalars(select(FloatingIP).where(
        FloatingIP.router_id == router_id)))

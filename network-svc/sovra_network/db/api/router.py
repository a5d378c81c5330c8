"""Router queries: lists, a router's ports, the subnets they are on."""

from sqlalchemy import select

from sovra_network.db.api import query
from sovra_network.db.models.port import IpAllocation, Port
from sovra_network.db.models.router import Router, RouterPort
from sovra_network.db.models.subnet import Subnet

FILTER_COLUMNS = {
    "id": Router.id, "name": Router.name, "project_id": Router.project_id,
    "status": Router.status, "admin_state_up": Router.admin_state_up,
    "description": Router.description, "revision_number": Router.revision_number,
}
SORT_COLUMNS = FILTER_COLUMNS | {"created_at": Router.created_at,
                                 "updated_at": Router.updated_at}


def visible_clause(ctxt):
    """A caller's routers (admins: all)."""
    if ctxt.is_admin:
        return None
    return Router.project_id == ctxt.project_id


def list_routers(session, ctxt, spec):
    return query.list_rows(session, Router, "router", spec,
                           filter_columns=FILTER_COLUMNS, sort_columns=SORT_COLUMNS,
                           visible=visible_clause(ctxt))


def ports(session, router_id: str, port_type: str | None = None) -> list[Port]:
    """The router's ports (of ``port_type`` only, if given), oldest first."""
    stmt = select(Port).join(RouterPort, RouterPort.port_id == Port.id).where(
        RouterPort.router_id == router_id)
    if port_type is not None:
        stmt = stmt.where(RouterPort.port_type == port_type)
    return list(session.scalars(stmt.order_by(Port.created_at, Port.id)))


def subnets_of_ports(session, port_ids) -> list[Subnet]:
    """The subnets the ports ``port_ids`` have addresses on."""
    ids = list(port_ids)
    if not ids:
        return []
    return list(session.scalars(select(Subnet).where(Subnet.id.in_(
        select(IpAllocation.subnet_id).where(IpAllocation.port_id.in_(ids))))))


def gateway_ports(session, rows) -> dict[str, Port | None]:
    """{router id: its gateway port or None} for ``rows``."""
    wanted = {r.gw_port_id: r.id for r in rows if r.gw_port_id}
    result = {r.id: None for r in rows}
    ids = list(wanted)
    for start in range(0, len(ids), 500):
        for port in session.scalars(select(Port).where(Port.id.in_(
                ids[start:start + 500]))):
            result[wanted[port.id]] = port
    return result

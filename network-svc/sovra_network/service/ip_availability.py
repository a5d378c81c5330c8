"""Network IP availability: per network and subnet, how many addresses the pools
hold (total_ips) and how many are allocated (used_ips)."""

from __future__ import annotations

from sqlalchemy import select

from sovra_network.db.models.network import Network
from sovra_network.db.models.subnet import Subnet
from sovra_network.service import ipam


def _network(session, network) -> dict:
    subnets = []
    for subnet in session.scalars(select(Subnet).where(
            Subnet.network_id == network.id).order_by(Subnet.created_at, Subnet.id)):
        subnets.append({"subnet_id": subnet.id, "subnet_name": subnet.name,
                        "cidr": subnet.cidr, "ip_version": subnet.ip_version,
                        "total_ips": ipam.pool_size(subnet),
                        "used_ips": ipam.used_count(session, subnet.id)})
    return {"network_id": network.id, "network_name": network.name,
            "tenant_id": network.project_id, "project_id": network.project_id,
            "total_ips": sum(s["total_ips"] for s in subnets),
            "used_ips": sum(s["used_ips"] for s in subnets),
            "subnet_ip_availability": subnets}


def list_availabilities(db, filters: dict) -> list[dict]:
    """``filters``: network_id, network_name, project_id (lists of values),
    ip_version (keeps the networks with a subnet of that version)."""
    stmt = select(Network).order_by(Network.id)
    for key, column in (("network_id", Network.id), ("network_name", Network.name),
                        ("project_id", Network.project_id)):
        if filters.get(key):
            stmt = stmt.where(column.in_(filters[key]))
    with db.reader() as session:
        result = [_network(session, n) for n in session.scalars(stmt)]
    if filters.get("ip_version"):
        versions = {int(v) for v in filters["ip_version"] if str(v).isdigit()}
        result = [n for n in result if any(s["ip_version"] in versions
                                           for s in n["subnet_ip_availability"])]
    return result


def get(db, network_id: str) -> dict | None:
    with db.reader() as session:
        network = session.get(Network, network_id)
        return None if network is None else _network(session, network)

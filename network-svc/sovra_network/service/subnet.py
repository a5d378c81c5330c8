"""Subnets (filled in below the layout commit)."""

from sqlalchemy import delete, select

from sovra_network.db.models.port import IpAllocation
from sovra_network.db.models.subnet import Subnet
from sovra_network.service import standard_attrs

RESOURCE = "subnet"


def delete_all_of_network(session, network) -> None:
    """Drop every subnet of ``network`` (its ports are gone already)."""
    for row in session.scalars(select(Subnet).where(Subnet.network_id == network.id)):
        session.execute(delete(IpAllocation).where(IpAllocation.subnet_id == row.id))
        standard_attrs.forget(session, RESOURCE, row.id)
        session.delete(row)
    session.flush()

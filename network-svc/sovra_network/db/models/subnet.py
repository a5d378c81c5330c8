"""Subnets, their allocation pools, and subnet pools."""

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sovra_common.db import schema
from sovra_network.db.models.base import Base, JSONText, StandardAttrMixin


class Subnet(StandardAttrMixin, Base):
    __tablename__ = "subnets"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(Integer)
    cidr: Mapped[str] = mapped_column(String(64))
    gateway_ip: Mapped[str | None] = mapped_column(String(64))
    enable_dhcp: Mapped[bool] = mapped_column(Boolean, default=True)
    ipv6_ra_mode: Mapped[str | None] = mapped_column(String(16))
    ipv6_address_mode: Mapped[str | None] = mapped_column(String(16))
    subnetpool_id: Mapped[str | None] = mapped_column(
        ForeignKey("subnetpools.id"), index=True)
    dns_nameservers: Mapped[list] = mapped_column(JSONText, default=list)
    host_routes: Mapped[list] = mapped_column(JSONText, default=list)

    allocation_pools: Mapped[list["AllocationPool"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        order_by="AllocationPool.id")


class AllocationPool(Base):
    """One range (first_ip..last_ip, inclusive) addresses are handed out from."""

    __tablename__ = "allocation_pools"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subnet_id: Mapped[str] = mapped_column(
        ForeignKey("subnets.id", ondelete="CASCADE"), index=True)
    first_ip: Mapped[str] = mapped_column(String(64))
    last_ip: Mapped[str] = mapped_column(String(64))


class SubnetPool(StandardAttrMixin, Base):
    """Prefixes subnets may be carved from (``prefixes``: a list of CIDRs)."""

    __tablename__ = "subnetpools"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(Integer)
    prefixes: Mapped[list] = mapped_column(JSONText, default=list)
    default_prefixlen: Mapped[int] = mapped_column(Integer)
    min_prefixlen: Mapped[int] = mapped_column(Integer)
    max_prefixlen: Mapped[int] = mapped_column(Integer)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

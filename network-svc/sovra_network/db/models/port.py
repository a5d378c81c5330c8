"""Ports, their fixed IPs and their security groups.

``ip_allocations`` has the primary key (subnet_id, ip_address): two concurrent
transactions can never both hold one address; the loser's insert fails and IPAM
retries with another address (sovra_network.service.ipam).
"""

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sovra_common.db import schema
from sovra_network.db.models.base import Base, JSONText, StandardAttrMixin


class Port(StandardAttrMixin, Base):
    __tablename__ = "ports"
    __table_args__ = (UniqueConstraint("network_id", "mac_address"),
                      schema.TABLE_OPTIONS)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    mac_address: Mapped[str] = mapped_column(String(32))
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
    device_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    device_owner: Mapped[str] = mapped_column(String(255), default="", index=True)
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    binding_host_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    binding_vnic_type: Mapped[str] = mapped_column(String(64), default="normal")
    binding_profile: Mapped[dict] = mapped_column(JSONText, default=dict)
    allowed_address_pairs: Mapped[list] = mapped_column(JSONText, default=list)

    fixed_ips: Mapped[list["IpAllocation"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        order_by="IpAllocation.ip_address")
    security_groups: Mapped[list["PortSecurityGroup"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin")


class IpAllocation(Base):
    __tablename__ = "ip_allocations"
    __table_args__ = (schema.TABLE_OPTIONS,)

    subnet_id: Mapped[str] = mapped_column(ForeignKey("subnets.id"), primary_key=True)
    ip_address: Mapped[str] = mapped_column(String(64), primary_key=True)
    port_id: Mapped[str] = mapped_column(
        ForeignKey("ports.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[str] = mapped_column(String(36), index=True)


class PortSecurityGroup(Base):
    __tablename__ = "port_security_groups"
    __table_args__ = (schema.TABLE_OPTIONS,)

    port_id: Mapped[str] = mapped_column(
        ForeignKey("ports.id", ondelete="CASCADE"), primary_key=True)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id"), primary_key=True, index=True)

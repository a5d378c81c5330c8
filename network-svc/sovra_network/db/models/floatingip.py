"""Floating IPs.

A floating IP's address is the one fixed IP of its own port on the external
network (``floating_port_id``, device_owner ``network:floatingip``), so IPAM hands
it out once, as any port's. Associated, it points at a fixed IP of an internal
port (``fixed_port_id``, ``fixed_ip_address``) and the router that reaches it;
the unique key (floating network, fixed port, fixed IP) keeps one fixed IP from
having two floating IPs of one external network even under concurrent updates
(NULLs are distinct, so any number stay unassociated).
"""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sovra_common.db import schema
from sovra_network.db.models.base import Base, StandardAttrMixin


class FloatingIP(StandardAttrMixin, Base):
    __tablename__ = "floatingips"
    __table_args__ = (
        # named by hand: the convention's name passes MySQL's 64 characters
        UniqueConstraint("floating_network_id", "fixed_port_id", "fixed_ip_address",
                         name="uq_floatingips_fixed_ip"),
        schema.TABLE_OPTIONS)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    floating_network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"),
                                                     index=True)
    floating_port_id: Mapped[str] = mapped_column(ForeignKey("ports.id"), unique=True)
    floating_ip_address: Mapped[str] = mapped_column(String(64))
    fixed_port_id: Mapped[str | None] = mapped_column(ForeignKey("ports.id"),
                                                      index=True)
    fixed_ip_address: Mapped[str | None] = mapped_column(String(64))
    router_id: Mapped[str | None] = mapped_column(ForeignKey("routers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")

"""Port forwardings of floating IPs: one external port (and protocol) of a
floating IP DNATed to one internal address and port of a port.

The unique keys keep an external (floating IP, protocol, port) and an internal
(port, address, protocol, port) to one forwarding each; a forwarding goes with its
floating IP and with its internal port (ON DELETE CASCADE).
"""

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sovra_common.db import schema
from sovra_network.db.models.base import Base


class PortForwarding(Base):
    __tablename__ = "port_forwardings"
    __table_args__ = (
        UniqueConstraint("floatingip_id", "protocol", "external_port",
                         name="uq_port_forwardings_external"),
        UniqueConstraint("internal_port_id", "internal_ip_address", "protocol",
                         "internal_port", name="uq_port_forwardings_internal"),
        schema.TABLE_OPTIONS)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    floatingip_id: Mapped[str] = mapped_column(
        ForeignKey("floatingips.id", ondelete="CASCADE"), index=True)
    internal_port_id: Mapped[str] = mapped_column(
        ForeignKey("ports.id", ondelete="CASCADE"), index=True)
    internal_ip_address: Mapped[str] = mapped_column(String(64))
    internal_port: Mapped[int] = mapped_column(Integer)
    external_port: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(255), default="")

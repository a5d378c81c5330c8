"""Networks and the segment allocations that keep VNIs and flat physnets unique."""

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sovra_common.db import schema
from sovra_network.db.models.base import Base, JSONText, StandardAttrMixin


class Network(StandardAttrMixin, Base):
    """A network. Its one segment is ``network_type`` / ``physical_network`` /
    ``segmentation_id`` (the provider attributes)."""

    __tablename__ = "networks"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    router_external: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    mtu: Mapped[int] = mapped_column(Integer)
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    network_type: Mapped[str] = mapped_column(String(32))
    physical_network: Mapped[str | None] = mapped_column(String(64))
    segmentation_id: Mapped[int | None] = mapped_column(Integer)
    availability_zone_hints: Mapped[list] = mapped_column(JSONText, default=list)


class VxlanAllocation(Base):
    """A VNI held by a network: the primary key makes it one network's at a time;
    the row goes with its network, which returns the VNI to the range."""

    __tablename__ = "vxlan_allocations"
    __table_args__ = (schema.TABLE_OPTIONS,)

    vni: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    network_id: Mapped[str] = mapped_column(
        ForeignKey("networks.id", ondelete="CASCADE"), unique=True)


class FlatAllocation(Base):
    """A physical network held by a flat network (one flat network per physnet)."""

    __tablename__ = "flat_allocations"
    __table_args__ = (schema.TABLE_OPTIONS,)

    physical_network: Mapped[str] = mapped_column(String(64), primary_key=True)
    network_id: Mapped[str] = mapped_column(
        ForeignKey("networks.id", ondelete="CASCADE"), unique=True)

"""Routers, the ports they own (gateway and interfaces) and their extra routes.

A router's ports are rows of ``router_ports`` (what makes a port a router's, not
its device_owner string, which a client could set itself): ``port_type`` is
``network:router_gateway`` for its one gateway port on an external network (also
``routers.gw_port_id``) or ``network:router_interface`` for an interface on an
internal subnet. Extra routes (``routes``) are a JSON list of {destination,
nexthop}, changed only under the router's row lock.
"""

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sovra_common.db import schema
from sovra_network.db.models.base import Base, JSONText, StandardAttrMixin


class Router(StandardAttrMixin, Base):
    __tablename__ = "routers"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    enable_snat: Mapped[bool] = mapped_column(Boolean, default=True)
    gw_port_id: Mapped[str | None] = mapped_column(ForeignKey("ports.id"), unique=True)
    routes: Mapped[list] = mapped_column(JSONText, default=list)
    availability_zone_hints: Mapped[list] = mapped_column(JSONText, default=list)


class RouterPort(Base):
    """A port a router owns (``port_type``: its device_owner)."""

    __tablename__ = "router_ports"
    __table_args__ = (schema.TABLE_OPTIONS,)

    port_id: Mapped[str] = mapped_column(
        ForeignKey("ports.id", ondelete="CASCADE"), primary_key=True)
    router_id: Mapped[str] = mapped_column(
        ForeignKey("routers.id", ondelete="CASCADE"), index=True)
    port_type: Mapped[str] = mapped_column(String(255))

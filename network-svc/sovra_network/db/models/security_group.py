"""Security groups, their rules, and each project's default group."""

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sovra_common.db import schema
from sovra_network.db.models.base import Base, StandardAttrMixin


class SecurityGroup(StandardAttrMixin, Base):
    __tablename__ = "security_groups"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    stateful: Mapped[bool] = mapped_column(Boolean, default=True)


class SecurityGroupRule(StandardAttrMixin, Base):
    __tablename__ = "security_group_rules"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), index=True)
    remote_group_id: Mapped[str | None] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    ethertype: Mapped[str] = mapped_column(String(8))
    protocol: Mapped[str | None] = mapped_column(String(40))
    port_range_min: Mapped[int | None] = mapped_column(Integer)
    port_range_max: Mapped[int | None] = mapped_column(Integer)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64))


class DefaultSecurityGroup(Base):
    """A project's "default" group: the primary key keeps it one per project even
    when two first requests race to create it."""

    __tablename__ = "default_security_groups"
    __table_args__ = (schema.TABLE_OPTIONS,)

    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), unique=True)

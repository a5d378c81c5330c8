"""Widgets, and the tags on them."""

import datetime

from sqlalchemy import ForeignKey, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sovra_common.db import schema


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=schema.NAMING_CONVENTION)


class Widget(Base):
    __tablename__ = "widgets"
    __table_args__ = (UniqueConstraint("project_id", "name"), schema.TABLE_OPTIONS)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer, server_default="1")
    description: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    tags: Mapped[list["WidgetTag"]] = relationship(
        back_populates="widget", cascade="all, delete-orphan", passive_deletes=True)


class WidgetTag(Base):
    __tablename__ = "widget_tags"
    __table_args__ = (schema.TABLE_OPTIONS,)

    widget_id: Mapped[str] = mapped_column(
        ForeignKey("widgets.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)
    widget: Mapped[Widget] = relationship(back_populates="tags")

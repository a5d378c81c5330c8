"""Placement's tables.

Resource providers form trees (``parent_provider_id``/``root_provider_id``); a root
points at itself. Resource classes and traits hold the standard names (synced from
os-resource-classes / os-traits at start-up) and the CUSTOM_* ones. A consumer exists
while it holds allocations; ``generation`` guards concurrent writers of one consumer
as the provider's ``generation`` guards its inventory, traits, aggregates and usage.
"""

import datetime

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sovra_common.db import schema


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=schema.NAMING_CONVENTION)


class _Timestamps:
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        schema.UTCDateTime, nullable=True, onupdate=schema.utcnow)


class ResourceClass(Base, _Timestamps):
    __tablename__ = "resource_classes"
    __table_args__ = (UniqueConstraint("name"), schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))


class Trait(Base, _Timestamps):
    __tablename__ = "traits"
    __table_args__ = (UniqueConstraint("name"), schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))


class ResourceProvider(Base, _Timestamps):
    __tablename__ = "resource_providers"
    __table_args__ = (UniqueConstraint("uuid"), UniqueConstraint("name"),
                      schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(200))
    generation: Mapped[int] = mapped_column(Integer, default=0)
    root_provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_providers.id"), nullable=True, index=True)
    parent_provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_providers.id"), nullable=True, index=True)


class Inventory(Base, _Timestamps):
    __tablename__ = "inventories"
    __table_args__ = (UniqueConstraint("resource_provider_id", "resource_class_id"),
                      Index(None, "resource_class_id", "resource_provider_id"),
                      schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_provider_id: Mapped[int] = mapped_column(
        ForeignKey("resource_providers.id", ondelete="CASCADE"))
    resource_class_id: Mapped[int] = mapped_column(ForeignKey("resource_classes.id"))
    total: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer)
    min_unit: Mapped[int] = mapped_column(Integer)
    max_unit: Mapped[int] = mapped_column(Integer)
    step_size: Mapped[int] = mapped_column(Integer)
    allocation_ratio: Mapped[float] = mapped_column(Float)


class ResourceProviderTrait(Base):
    __tablename__ = "resource_provider_traits"
    __table_args__ = (Index(None, "trait_id", "resource_provider_id"),
                      schema.TABLE_OPTIONS)

    resource_provider_id: Mapped[int] = mapped_column(
        ForeignKey("resource_providers.id", ondelete="CASCADE"), primary_key=True)
    trait_id: Mapped[int] = mapped_column(ForeignKey("traits.id"), primary_key=True)


class Aggregate(Base):
    __tablename__ = "aggregates"
    __table_args__ = (UniqueConstraint("uuid"), schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36))


class ResourceProviderAggregate(Base):
    __tablename__ = "resource_provider_aggregates"
    __table_args__ = (Index(None, "aggregate_id", "resource_provider_id"),
                      schema.TABLE_OPTIONS)

    resource_provider_id: Mapped[int] = mapped_column(
        ForeignKey("resource_providers.id", ondelete="CASCADE"), primary_key=True)
    aggregate_id: Mapped[int] = mapped_column(ForeignKey("aggregates.id"),
                                              primary_key=True)


class ConsumerType(Base, _Timestamps):
    __tablename__ = "consumer_types"
    __table_args__ = (UniqueConstraint("name"), schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))


class Consumer(Base, _Timestamps):
    __tablename__ = "consumers"
    __table_args__ = (UniqueConstraint("uuid"),
                      Index(None, "project_id", "user_id"),
                      schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    generation: Mapped[int] = mapped_column(Integer, default=0)
    consumer_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("consumer_types.id"), nullable=True)


class Allocation(Base, _Timestamps):
    __tablename__ = "allocations"
    __table_args__ = (Index(None, "resource_provider_id", "resource_class_id"),
                      Index(None, "consumer_id"),
                      schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_provider_id: Mapped[int] = mapped_column(ForeignKey("resource_providers.id"))
    consumer_id: Mapped[int] = mapped_column(ForeignKey("consumers.id",
                                                        ondelete="CASCADE"))
    resource_class_id: Mapped[int] = mapped_column(ForeignKey("resource_classes.id"))
    used: Mapped[int] = mapped_column(Integer)

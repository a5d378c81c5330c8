"""The declarative Base of the network service, and what every resource shares.

Standard attributes (Neutron's "standard-attr-*" extensions): every top-level
resource (networks, subnets, ports, security groups and rules, subnet pools,
routers, floating IPs) carries ``created_at``, ``updated_at``, ``revision_number``
and ``description`` as columns of its own table (:class:`StandardAttrMixin`), and
its tags as rows of the one ``tags`` table keyed by (resource type, resource id).
``revision_number`` grows by one on every change of the resource (including its
tags); ``If-Match: revision_number=N`` compares against it.
"""

import datetime
import json

from sqlalchemy import Integer, MetaData, String, Text, types
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sovra_common.db import schema


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=schema.NAMING_CONVENTION)


class JSONText(types.TypeDecorator):
    """A JSON value stored as text (lists of DNS servers, binding profiles...)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else json.dumps(value, sort_keys=True)

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


class StandardAttrMixin:
    """created_at, updated_at, revision_number, description (see the module doc)."""

    created_at: Mapped[datetime.datetime] = mapped_column(
        schema.UTCDateTime, default=schema.utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(
        schema.UTCDateTime, default=schema.utcnow)
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(255), default="")


class Tag(Base):
    """A tag of any resource with standard attributes (``resource_type`` is the
    resource's singular name: "network", "port", "router"...)."""

    __tablename__ = "tags"
    __table_args__ = (schema.TABLE_OPTIONS,)

    resource_type: Mapped[str] = mapped_column(String(36), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tag: Mapped[str] = mapped_column(String(255), primary_key=True)

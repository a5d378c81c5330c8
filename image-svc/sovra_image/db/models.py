"""Images, and what hangs off them: custom properties, tags, members, locations.

Images are soft-deleted (``deleted`` set, status ``deleted``) so that an id is never
reused; every query filters them out.
"""

import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sovra_common.db import schema

STATUSES = ("queued", "saving", "active", "killed", "deleted", "pending_delete",
            "deactivated", "uploading", "importing")
VISIBILITIES = ("public", "private", "shared", "community")
MEMBER_STATUSES = ("pending", "accepted", "rejected")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=schema.NAMING_CONVENTION)


class Image(Base):
    __tablename__ = "images"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    visibility: Mapped[str] = mapped_column(String(9), index=True)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    os_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str | None] = mapped_column(String(255), index=True)
    disk_format: Mapped[str | None] = mapped_column(String(20))
    container_format: Mapped[str | None] = mapped_column(String(20))
    size: Mapped[int | None] = mapped_column(BigInteger)
    virtual_size: Mapped[int | None] = mapped_column(BigInteger)
    checksum: Mapped[str | None] = mapped_column(String(32), index=True)
    os_hash_algo: Mapped[str | None] = mapped_column(String(64))
    os_hash_value: Mapped[str | None] = mapped_column(String(128), index=True)
    min_disk: Mapped[int] = mapped_column(Integer, default=0)
    min_ram: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime, index=True)
    updated_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)

    properties: Mapped[list["ImageProperty"]] = relationship(
        back_populates="image", cascade="all, delete-orphan", passive_deletes=True)
    tags: Mapped[list["ImageTag"]] = relationship(
        back_populates="image", cascade="all, delete-orphan", passive_deletes=True)
    members: Mapped[list["ImageMember"]] = relationship(
        back_populates="image", cascade="all, delete-orphan", passive_deletes=True)
    locations: Mapped[list["ImageLocation"]] = relationship(
        back_populates="image", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ImageLocation.id")


class ImageProperty(Base):
    """A custom (non-core) property: a string value under a free name."""

    __tablename__ = "image_properties"
    __table_args__ = (schema.TABLE_OPTIONS,)

    image_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    image: Mapped[Image] = relationship(back_populates="properties")


class ImageTag(Base):
    __tablename__ = "image_tags"
    __table_args__ = (schema.TABLE_OPTIONS,)

    image_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    image: Mapped[Image] = relationship(back_populates="tags")


class ImageMember(Base):
    """A project an image is shared with, and what that project said about it."""

    __tablename__ = "image_members"
    __table_args__ = (schema.TABLE_OPTIONS,)

    image_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime)
    updated_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime)
    image: Mapped[Image] = relationship(back_populates="members")


class ImageLocation(Base):
    """Where an image's data is: a store, and a location the store understands.

    Several images may point at one stored object (the filesystem store is
    content-addressed); the object is removed when the last one goes.
    """

    __tablename__ = "image_locations"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    image_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), index=True)
    store: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime)
    image: Mapped[Image] = relationship(back_populates="locations")

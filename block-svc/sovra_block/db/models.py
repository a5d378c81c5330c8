"""The block storage service's tables: volumes (their metadata and attachments),
snapshots, volume types (extra specs, project access), QoS specs, transfers, quotas
and their usage, and the backends the volume agents report."""

import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sovra_common.db import schema


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=schema.NAMING_CONVENTION)


class Volume(Base):
    """A volume. ``host`` is the backend (``<host>@<backend>``) once scheduled;
    ``status`` follows upstream's state machine, ``error_reason`` says why a volume
    went to an error state."""

    __tablename__ = "volumes"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    # the size an extend in flight asked for (its quota is already reserved)
    pending_size: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), index=True)
    attach_status: Mapped[str] = mapped_column(String(32), default="detached")
    error_reason: Mapped[str | None] = mapped_column(Text)
    availability_zone: Mapped[str] = mapped_column(String(255))
    host: Mapped[str | None] = mapped_column(String(255), index=True)
    volume_type_id: Mapped[str] = mapped_column(ForeignKey("volume_types.id"))
    snapshot_id: Mapped[str | None] = mapped_column(String(36))
    source_volid: Mapped[str | None] = mapped_column(String(36))
    image_id: Mapped[str | None] = mapped_column(String(36))
    bootable: Mapped[bool] = mapped_column(Boolean, default=False)
    readonly: Mapped[bool] = mapped_column(Boolean, default=False)
    multiattach: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_location: Mapped[str | None] = mapped_column(String(1024))
    format: Mapped[str] = mapped_column(String(16), default="raw")
    image_metadata: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        schema.UTCDateTime, onupdate=schema.utcnow)
    launched_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)

    metadata_items: Mapped[list["VolumeMetadata"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin")
    attachments: Mapped[list["VolumeAttachment"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        back_populates="volume")
    volume_type: Mapped["VolumeType"] = relationship(lazy="joined")

    @property
    def metadata_dict(self) -> dict:
        return {item.key: item.value for item in self.metadata_items}


class VolumeMetadata(Base):
    __tablename__ = "volume_metadata"
    __table_args__ = (schema.TABLE_OPTIONS,)

    volume_id: Mapped[str] = mapped_column(
        ForeignKey("volumes.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class VolumeAttachment(Base):
    """One attachment of a volume to a server: ``attach_status`` reserved ->
    attaching (connector given, connection made) -> attached (os-complete)."""

    __tablename__ = "volume_attachments"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    volume_id: Mapped[str] = mapped_column(
        ForeignKey("volumes.id", ondelete="CASCADE"), index=True)
    instance_uuid: Mapped[str | None] = mapped_column(String(36))
    attached_host: Mapped[str | None] = mapped_column(String(255))
    mountpoint: Mapped[str | None] = mapped_column(String(255))
    attach_status: Mapped[str] = mapped_column(String(32))
    attach_mode: Mapped[str] = mapped_column(String(4), default="rw")
    connector: Mapped[dict | None] = mapped_column(JSON)
    connection_info: Mapped[dict | None] = mapped_column(JSON)
    attach_time: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)
    detach_time: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    volume: Mapped[Volume] = relationship(back_populates="attachments")


class Snapshot(Base):
    __tablename__ = "snapshots"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str | None] = mapped_column(String(64))
    volume_id: Mapped[str] = mapped_column(ForeignKey("volumes.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    error_reason: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    progress: Mapped[str | None] = mapped_column(String(8))
    provider_location: Mapped[str | None] = mapped_column(String(1024))
    volume_type_id: Mapped[str | None] = mapped_column(String(36))
    metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        schema.UTCDateTime, onupdate=schema.utcnow)


class VolumeType(Base):
    __tablename__ = "volume_types"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    qos_specs_id: Mapped[str | None] = mapped_column(
        ForeignKey("qos_specs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    extra_specs: Mapped[list["VolumeTypeExtraSpec"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin")
    projects: Mapped[list["VolumeTypeProject"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin")

    @property
    def extra_specs_dict(self) -> dict:
        return {item.key: item.value for item in self.extra_specs}


class VolumeTypeExtraSpec(Base):
    __tablename__ = "volume_type_extra_specs"
    __table_args__ = (schema.TABLE_OPTIONS,)

    volume_type_id: Mapped[str] = mapped_column(
        ForeignKey("volume_types.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class VolumeTypeProject(Base):
    """A project allowed to use a private volume type."""

    __tablename__ = "volume_type_projects"
    __table_args__ = (schema.TABLE_OPTIONS,)

    volume_type_id: Mapped[str] = mapped_column(
        ForeignKey("volume_types.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class QosSpec(Base):
    __tablename__ = "qos_specs"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    consumer: Mapped[str] = mapped_column(String(16), default="back-end")
    specs: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)


class Transfer(Base):
    """A volume offered to another project; only a hash of the key is kept."""

    __tablename__ = "transfers"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    volume_id: Mapped[str] = mapped_column(ForeignKey("volumes.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    salt: Mapped[str] = mapped_column(String(64))
    crypt_hash: Mapped[str] = mapped_column(String(128))
    source_project_id: Mapped[str] = mapped_column(String(64), index=True)
    destination_project_id: Mapped[str | None] = mapped_column(String(64))
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    no_snapshots: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)


class Backup(Base):
    """A backup of a volume's bytes in the backup store. ``volume_id`` is no foreign
    key: a backup outlives its volume. ``host`` is the backend whose agent made it
    (and deletes it); ``parent_id`` the backup an incremental one builds on."""

    __tablename__ = "backups"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str | None] = mapped_column(String(64))
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    snapshot_id: Mapped[str | None] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    fail_reason: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    object_count: Mapped[int] = mapped_column(Integer, default=0)
    container: Mapped[str | None] = mapped_column(String(255))
    parent_id: Mapped[str | None] = mapped_column(String(36))
    is_incremental: Mapped[bool] = mapped_column(Boolean, default=False)
    host: Mapped[str | None] = mapped_column(String(255))
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    restore_volume_id: Mapped[str | None] = mapped_column(String(36))
    data_timestamp: Mapped[datetime.datetime | None] = mapped_column(
        schema.UTCDateTime)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        schema.UTCDateTime, onupdate=schema.utcnow)


class Quota(Base):
    """A project's limit of one resource, overriding [block_quota]'s default."""

    __tablename__ = "quotas"
    __table_args__ = (schema.TABLE_OPTIONS,)

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaUsage(Base):
    """What a project uses of one resource, changed in the same transaction as
    the rows it counts (so a check and the creation it allows are one step)."""

    __tablename__ = "quota_usages"
    __table_args__ = (schema.TABLE_OPTIONS,)

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    in_use: Mapped[int] = mapped_column(BigInteger, default=0)


class Backend(Base):
    """A backend as its volume agent last reported it (``reported_at``)."""

    __tablename__ = "backends"
    __table_args__ = (schema.TABLE_OPTIONS,)

    name: Mapped[str] = mapped_column(String(255), primary_key=True)  # host@backend
    host: Mapped[str] = mapped_column(String(255))
    backend_name: Mapped[str] = mapped_column(String(255))
    availability_zone: Mapped[str] = mapped_column(String(255))
    total_gb: Mapped[float] = mapped_column(Float, default=0.0)
    free_gb: Mapped[float] = mapped_column(Float, default=0.0)
    provisioned_gb: Mapped[float] = mapped_column(Float, default=0.0)
    max_over_subscription_ratio: Mapped[float] = mapped_column(Float, default=1.0)
    capabilities: Mapped[dict] = mapped_column(JSON, default=dict)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)
    reported_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime)

"""Compute's tables: flavors (with the projects of private ones), key pairs,
instances (with tags, faults, actions, block device mappings and passwords), server
groups, services, host aggregates, migrations (moves of servers).

An instance keeps a snapshot of its flavor (JSON): a flavor deleted or changed later
does not change what a server was built with.
"""

import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sovra_common.db import schema


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=schema.NAMING_CONVENTION)


class Flavor(Base):
    __tablename__ = "flavors"
    __table_args__ = (UniqueConstraint("flavorid"), UniqueConstraint("name"),
                      schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flavorid: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    root_gb: Mapped[int] = mapped_column(Integer)
    ephemeral_gb: Mapped[int] = mapped_column(Integer, default=0)
    swap: Mapped[int] = mapped_column(Integer, default=0)
    rxtx_factor: Mapped[float] = mapped_column(Float, default=1.0)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    extra_specs: Mapped[list["FlavorExtraSpec"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin")


class FlavorExtraSpec(Base):
    __tablename__ = "flavor_extra_specs"
    __table_args__ = (schema.TABLE_OPTIONS,)

    flavor_id: Mapped[int] = mapped_column(ForeignKey("flavors.id", ondelete="CASCADE"),
                                           primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class FlavorProject(Base):
    """A project given access to a private flavor (os-flavor-access)."""

    __tablename__ = "flavor_projects"
    __table_args__ = (schema.TABLE_OPTIONS,)

    flavor_id: Mapped[int] = mapped_column(ForeignKey("flavors.id", ondelete="CASCADE"),
                                           primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)


class KeyPair(Base):
    __tablename__ = "key_pairs"
    __table_args__ = (UniqueConstraint("user_id", "name"), schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16), default="ssh")
    fingerprint: Mapped[str] = mapped_column(String(255))
    public_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)


class Instance(Base):
    __tablename__ = "instances"
    __table_args__ = (schema.TABLE_OPTIONS,)

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    flavor: Mapped[dict] = mapped_column(JSON)
    image_ref: Mapped[str | None] = mapped_column(String(255))
    vm_state: Mapped[str] = mapped_column(String(32))
    task_state: Mapped[str | None] = mapped_column(String(32))
    power_state: Mapped[int] = mapped_column(Integer, default=0)
    host: Mapped[str | None] = mapped_column(String(255), index=True)
    node: Mapped[str | None] = mapped_column(String(255))
    key_name: Mapped[str | None] = mapped_column(String(255))
    key_data: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    user_data: Mapped[str | None] = mapped_column(Text)
    #: the zone the server is in: the one it asked for until the conductor
    #: records its host's (at scheduling); ``requested_zone``: the one it asked for
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    requested_zone: Mapped[str | None] = mapped_column(String(255))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_reason: Mapped[str | None] = mapped_column(String(255))
    #: the host / node an admin asked the server to be built on (2.74), if any
    requested_host: Mapped[str | None] = mapped_column(String(255))
    requested_node: Mapped[str | None] = mapped_column(String(255))
    #: the guest's hostname when the user chose it (2.90); else one from the name
    hostname: Mapped[str | None] = mapped_column(String(255))
    #: the image's hw_/img_/os_ properties when the server was built (2.98)
    image_properties: Mapped[dict | None] = mapped_column(JSON)
    #: the scheduler hints of the create request (2.100)
    scheduler_hints: Mapped[dict | None] = mapped_column(JSON)
    #: hosts the build was tried on, in order (the conductor's reschedule memory)
    build_hosts: Mapped[list] = mapped_column(JSON, default=list)
    #: the networks the create asked for, each {"network_id", "port_id",
    #: "fixed_ip", "tag"} (an empty list: no NIC)
    requested_networks: Mapped[list | None] = mapped_column(JSON)
    #: the server's VIFs as its agent made them (sovra_compute.network_api)
    network_info: Mapped[list | None] = mapped_column(JSON)
    #: whether the guest gets a config drive (sovra_compute.service.config_drive
    #: decides it at create; rebuilds keep it)
    config_drive: Mapped[bool | None] = mapped_column(Boolean, default=False)
    #: during a resize, until confirmed or reverted: the flavor before, and the
    #: placement consumer holding that flavor's allocations
    old_flavor: Mapped[dict | None] = mapped_column(JSON)
    migration_uuid: Mapped[str | None] = mapped_column(String(36))
    #: the create request that made the server (its ``r-`` id; one request may
    #: make several servers: min_count / max_count) and its 0-based index in it
    reservation_id: Mapped[str | None] = mapped_column(String(255), index=True)
    launch_index: Mapped[int | None] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime,
                                                                 index=True)
    launched_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)
    terminated_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)
    faults: Mapped[list["InstanceFault"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        order_by="InstanceFault.id")
    tags: Mapped[list["InstanceTag"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        order_by="InstanceTag.tag")
    block_devices: Mapped[list["BlockDeviceMapping"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        order_by="BlockDeviceMapping.id")


class InstanceTag(Base):
    __tablename__ = "instance_tags"
    __table_args__ = (schema.TABLE_OPTIONS,)

    instance_uuid: Mapped[str] = mapped_column(
        ForeignKey("instances.uuid", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class BlockDeviceMapping(Base):
    """A volume of a server: attached (os-volume_attachments), or asked for at
    create (block_device_mapping_v2: an existing volume, or one to be made from an
    image or blank). The block storage attachment is the volume's side of it."""

    __tablename__ = "block_device_mappings"
    __table_args__ = (UniqueConstraint("uuid"),
                      UniqueConstraint("instance_uuid", "device_name"),
                      UniqueConstraint("instance_uuid", "volume_id"),
                      schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36))
    instance_uuid: Mapped[str] = mapped_column(
        ForeignKey("instances.uuid", ondelete="CASCADE"), index=True)
    #: image, volume or blank: what the volume is (or is made) from
    source_type: Mapped[str] = mapped_column(String(32))
    destination_type: Mapped[str] = mapped_column(String(32), default="volume")
    #: None until a volume made at boot exists
    volume_id: Mapped[str | None] = mapped_column(String(36), index=True)
    image_id: Mapped[str | None] = mapped_column(String(36))
    volume_size: Mapped[int | None] = mapped_column(Integer)
    #: the volume type of a volume made at boot (2.67)
    volume_type: Mapped[str | None] = mapped_column(String(255))
    #: the block storage attachment (None: none yet, or withdrawn after a failure)
    attachment_id: Mapped[str | None] = mapped_column(String(36))
    device_name: Mapped[str] = mapped_column(String(255))
    boot_index: Mapped[int | None] = mapped_column(Integer)
    delete_on_termination: Mapped[bool] = mapped_column(Boolean, default=False)
    tag: Mapped[str | None] = mapped_column(String(60))
    #: how the node opens the volume (block storage's connection_info)
    connection_info: Mapped[dict | None] = mapped_column(JSON)
    #: attaching, attached, detaching
    attach_status: Mapped[str] = mapped_column(String(32), default="attaching")
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)


class InstanceFault(Base):
    __tablename__ = "instance_faults"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(
        ForeignKey("instances.uuid", ondelete="CASCADE"), index=True)
    code: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(String(255))
    details: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)


class InstanceAction(Base):
    __tablename__ = "instance_actions"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(
        ForeignKey("instances.uuid", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(255))
    request_id: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str | None] = mapped_column(String(255))
    start_time: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    finish_time: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)
    events: Mapped[list["InstanceActionEvent"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        order_by="InstanceActionEvent.id")


class InstanceActionEvent(Base):
    __tablename__ = "instance_action_events"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("instance_actions.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(255))
    host: Mapped[str | None] = mapped_column(String(255))
    result: Mapped[str | None] = mapped_column(String(255))
    traceback: Mapped[str | None] = mapped_column(Text)
    #: a failed event's fault message, as users may see it (tracebacks are admins')
    details: Mapped[str | None] = mapped_column(Text)
    start_time: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    finish_time: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)


class ServerGroup(Base):
    """A set of servers with a placement policy (affinity, anti-affinity and their
    soft forms) and, for anti-affinity, rules (max_server_per_host)."""

    __tablename__ = "server_groups"
    __table_args__ = (UniqueConstraint("uuid"), schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    policy: Mapped[str] = mapped_column(String(255))
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    members: Mapped[list["ServerGroupMember"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin")


class ServerGroupMember(Base):
    """A server in a group; a server is in one group at most."""

    __tablename__ = "server_group_members"
    __table_args__ = (UniqueConstraint("instance_uuid"), schema.TABLE_OPTIONS)

    group_id: Mapped[int] = mapped_column(
        ForeignKey("server_groups.id", ondelete="CASCADE"), primary_key=True)
    instance_uuid: Mapped[str] = mapped_column(
        ForeignKey("instances.uuid", ondelete="CASCADE"), primary_key=True)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("binary", "host"), schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    binary: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    forced_down: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)


class Quota(Base):
    """A project's own limit of one resource, where it differs from [quota]'s."""

    __tablename__ = "quotas"
    __table_args__ = (schema.TABLE_OPTIONS,)

    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(Integer)


class InstancePassword(Base):
    """The encrypted admin password a server's guest posted to the metadata API
    (os-server-password reads and clears it)."""

    __tablename__ = "instance_passwords"
    __table_args__ = (schema.TABLE_OPTIONS,)

    instance_uuid: Mapped[str] = mapped_column(
        ForeignKey("instances.uuid", ondelete="CASCADE"), primary_key=True)
    password: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)


class Aggregate(Base):
    """A named set of compute hosts with metadata (os-aggregates); an
    ``availability_zone`` key makes its hosts a zone. ``uuid`` is also its aggregate
    in placement, which each member's resource provider lists."""

    __tablename__ = "aggregates"
    __table_args__ = (UniqueConstraint("uuid"), UniqueConstraint("name"),
                      schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)
    hosts: Mapped[list["AggregateHost"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        order_by="AggregateHost.host")
    metadata_items: Mapped[list["AggregateMetadata"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin",
        order_by="AggregateMetadata.key")


class AggregateHost(Base):
    __tablename__ = "aggregate_hosts"
    __table_args__ = (schema.TABLE_OPTIONS,)

    aggregate_id: Mapped[int] = mapped_column(
        ForeignKey("aggregates.id", ondelete="CASCADE"), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)


class AggregateMetadata(Base):
    __tablename__ = "aggregate_metadata"
    __table_args__ = (schema.TABLE_OPTIONS,)

    aggregate_id: Mapped[int] = mapped_column(
        ForeignKey("aggregates.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)
    value: Mapped[str] = mapped_column(String(255))


class Migration(Base):
    """One move of a server (cold migration or resize, on its own host or to
    another): where from, where to, which flavors, how far it went."""

    __tablename__ = "migrations"
    __table_args__ = (UniqueConstraint("uuid"), schema.TABLE_OPTIONS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: also the placement consumer of the source's allocations while it runs
    uuid: Mapped[str] = mapped_column(String(36))
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    #: "migration" (the same flavor) or "resize"
    migration_type: Mapped[str] = mapped_column(String(32))
    #: migrating, post-migrating, finished (VERIFY_RESIZE),
    #: confirmed, reverting, reverted, error
    status: Mapped[str] = mapped_column(String(32), index=True)
    source_compute: Mapped[str | None] = mapped_column(String(255), index=True)
    dest_compute: Mapped[str | None] = mapped_column(String(255), index=True)
    source_node: Mapped[str | None] = mapped_column(String(255))
    dest_node: Mapped[str | None] = mapped_column(String(255))
    #: the flavors' ids (flavorid) before and after
    old_flavor_id: Mapped[str | None] = mapped_column(String(255))
    new_flavor_id: Mapped[str | None] = mapped_column(String(255))
    #: the hidden image the root disk travels in between hosts (none on one host)
    disk_image_id: Mapped[str | None] = mapped_column(String(36))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime,
                                                                 index=True)

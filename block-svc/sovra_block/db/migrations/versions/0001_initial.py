"""volumes, attachments, snapshots, volume types, QoS specs, transfers, quotas,
backends; the default volume type

Revision ID: 0001_initial
Revises:
"""

import uuid

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

DEFAULT_TYPE = "__DEFAULT__"


def upgrade():
    op.create_table(
        "backends",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("backend_name", sa.String(length=255), nullable=False),
        sa.Column("availability_zone", sa.String(length=255), nullable=False),
        sa.Column("total_gb", sa.Float(), nullable=False),
        sa.Column("free_gb", sa.Float(), nullable=False),
        sa.Column("provisioned_gb", sa.Float(), nullable=False),
        sa.Column("max_over_subscription_ratio", sa.Float(), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=255), nullable=True),
        sa.Column("started_at", schema.UTCDateTime(), nullable=True),
        sa.Column("reported_at", schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_backends")),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "qos_specs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("consumer", sa.String(length=16), nullable=False),
        sa.Column("specs", sa.JSON(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qos_specs")),
        sa.UniqueConstraint("name", name=op.f("uq_qos_specs_name")),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "quota_usages",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("in_use", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "resource", name=op.f("pk_quota_usages")),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "quotas",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "resource", name=op.f("pk_quotas")),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "volume_types",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("qos_specs_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["qos_specs_id"],
            ["qos_specs.id"],
            name=op.f("fk_volume_types_qos_specs_id_qos_specs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_types")),
        sa.UniqueConstraint("name", name=op.f("uq_volume_types_name")),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "volume_type_extra_specs",
        sa.Column("volume_type_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["volume_type_id"],
            ["volume_types.id"],
            name=op.f("fk_volume_type_extra_specs_volume_type_id_volume_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volume_type_id", "key", name=op.f("pk_volume_type_extra_specs")),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "volume_type_projects",
        sa.Column("volume_type_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["volume_type_id"],
            ["volume_types.id"],
            name=op.f("fk_volume_type_projects_volume_type_id_volume_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "volume_type_id", "project_id", name=op.f("pk_volume_type_projects")
        ),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "volumes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attach_status", sa.String(length=32), nullable=False),
        sa.Column("error_reason", sa.Text(), nullable=True),
        sa.Column("availability_zone", sa.String(length=255), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("volume_type_id", sa.String(length=36), nullable=False),
        sa.Column("snapshot_id", sa.String(length=36), nullable=True),
        sa.Column("source_volid", sa.String(length=36), nullable=True),
        sa.Column("image_id", sa.String(length=36), nullable=True),
        sa.Column("bootable", sa.Boolean(), nullable=False),
        sa.Column("readonly", sa.Boolean(), nullable=False),
        sa.Column("multiattach", sa.Boolean(), nullable=False),
        sa.Column("provider_location", sa.String(length=1024), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("image_metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", schema.UTCDateTime(), nullable=True),
        sa.Column("launched_at", schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["volume_type_id"],
            ["volume_types.id"],
            name=op.f("fk_volumes_volume_type_id_volume_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volumes")),
        **schema.TABLE_OPTIONS,
    )
    op.create_index(op.f("ix_volumes_host"), "volumes", ["host"], unique=False)
    op.create_index(op.f("ix_volumes_project_id"), "volumes", ["project_id"], unique=False)
    op.create_index(op.f("ix_volumes_status"), "volumes", ["status"], unique=False)
    op.create_table(
        "snapshots",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("volume_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("error_reason", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("progress", sa.String(length=8), nullable=True),
        sa.Column("provider_location", sa.String(length=1024), nullable=True),
        sa.Column("volume_type_id", sa.String(length=36), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["volume_id"], ["volumes.id"], name=op.f("fk_snapshots_volume_id_volumes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
        **schema.TABLE_OPTIONS,
    )
    op.create_index(op.f("ix_snapshots_project_id"), "snapshots", ["project_id"], unique=False)
    op.create_index(op.f("ix_snapshots_volume_id"), "snapshots", ["volume_id"], unique=False)
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("volume_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("crypt_hash", sa.String(length=128), nullable=False),
        sa.Column("source_project_id", sa.String(length=64), nullable=False),
        sa.Column("destination_project_id", sa.String(length=64), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("no_snapshots", sa.Boolean(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["volume_id"],
            ["volumes.id"],
            name=op.f("fk_transfers_volume_id_volumes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        **schema.TABLE_OPTIONS,
    )
    op.create_index(
        op.f("ix_transfers_source_project_id"), "transfers", ["source_project_id"], unique=False
    )
    op.create_index(op.f("ix_transfers_volume_id"), "transfers", ["volume_id"], unique=False)
    op.create_table(
        "volume_attachments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("volume_id", sa.String(length=36), nullable=False),
        sa.Column("instance_uuid", sa.String(length=36), nullable=True),
        sa.Column("attached_host", sa.String(length=255), nullable=True),
        sa.Column("mountpoint", sa.String(length=255), nullable=True),
        sa.Column("attach_status", sa.String(length=32), nullable=False),
        sa.Column("attach_mode", sa.String(length=4), nullable=False),
        sa.Column("connector", sa.JSON(), nullable=True),
        sa.Column("connection_info", sa.JSON(), nullable=True),
        sa.Column("attach_time", schema.UTCDateTime(), nullable=True),
        sa.Column("detach_time", schema.UTCDateTime(), nullable=True),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["volume_id"],
            ["volumes.id"],
            name=op.f("fk_volume_attachments_volume_id_volumes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_attachments")),
        **schema.TABLE_OPTIONS,
    )
    op.create_index(
        op.f("ix_volume_attachments_volume_id"), "volume_attachments", ["volume_id"], unique=False
    )
    op.create_table(
        "volume_metadata",
        sa.Column("volume_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["volume_id"],
            ["volumes.id"],
            name=op.f("fk_volume_metadata_volume_id_volumes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volume_id", "key", name=op.f("pk_volume_metadata")),
        **schema.TABLE_OPTIONS,
    )
    types = sa.table(
        "volume_types",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("is_public", sa.Boolean),
        sa.column("created_at", schema.UTCDateTime),
    )
    op.bulk_insert(
        types,
        [
            {
                "id": str(uuid.uuid4()),
                "name": DEFAULT_TYPE,
                "description": "Default Volume Type",
                "is_public": True,
                "created_at": schema.utcnow(),
            }
        ],
    )

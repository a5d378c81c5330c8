"""block device mappings: the volumes of servers

Revision ID: 0008_block_device_mappings
Revises: 0007_server_hostname_image_hints
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0008_block_device_mappings"
down_revision = "0007_server_hostname_image_hints"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "block_device_mappings",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("source_type", sa.String(32), nullable=False),
        sa.Column("destination_type", sa.String(32), nullable=False),
        sa.Column("volume_id", sa.String(36), nullable=True),
        sa.Column("image_id", sa.String(36), nullable=True),
        sa.Column("volume_size", sa.Integer(), nullable=True),
        sa.Column("volume_type", sa.String(255), nullable=True),
        sa.Column("attachment_id", sa.String(36), nullable=True),
        sa.Column("device_name", sa.String(255), nullable=False),
        sa.Column("boot_index", sa.Integer(), nullable=True),
        sa.Column("delete_on_termination", sa.Boolean(), nullable=False),
        sa.Column("tag", sa.String(60), nullable=True),
        sa.Column("connection_info", sa.JSON(), nullable=True),
        sa.Column("attach_status", sa.String(32), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_uuid"], ["instances.uuid"], ondelete="CASCADE",
            name="fk_block_device_mappings_instance_uuid_instances"),
        sa.PrimaryKeyConstraint("id", name="pk_block_device_mappings"),
        sa.UniqueConstraint("uuid", name="uq_block_device_mappings_uuid"),
        sa.UniqueConstraint("instance_uuid", "device_name",
                            name="uq_block_device_mappings_instance_uuid_device_name"),
        sa.UniqueConstraint("instance_uuid", "volume_id",
                            name="uq_block_device_mappings_instance_uuid_volume_id"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_block_device_mappings_instance_uuid", "block_device_mappings",
                    ["instance_uuid"], unique=False)
    op.create_index("ix_block_device_mappings_volume_id", "block_device_mappings",
                    ["volume_id"], unique=False)

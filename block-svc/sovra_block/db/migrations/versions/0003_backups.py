"""backups: volume backups (they outlive their volume)

Revision ID: 0003_backups
Revises: 0002_volume_pending_size
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0003_backups"
down_revision = "0002_volume_pending_size"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "backups",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("volume_id", sa.String(36), nullable=False),
        sa.Column("snapshot_id", sa.String(36), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("fail_reason", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("object_count", sa.Integer(), nullable=False),
        sa.Column("container", sa.String(255), nullable=True),
        sa.Column("parent_id", sa.String(36), nullable=True),
        sa.Column("is_incremental", sa.Boolean(), nullable=False),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("availability_zone", sa.String(255), nullable=True),
        sa.Column("restore_volume_id", sa.String(36), nullable=True),
        sa.Column("data_timestamp", schema.UTCDateTime(), nullable=True),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", schema.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backups")),
        **schema.TABLE_OPTIONS,
    )
    op.create_index(op.f("ix_backups_project_id"), "backups", ["project_id"])
    op.create_index(op.f("ix_backups_volume_id"), "backups", ["volume_id"])

"""migrations: one row per move of a server (cold migration, resize), what
os-migrations lists

Revision ID: 0014_migrations
Revises: 0013_server_requested_zone
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0014_migrations"
down_revision = "0013_server_requested_zone"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "migrations",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("migration_type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("source_compute", sa.String(255), nullable=True),
        sa.Column("dest_compute", sa.String(255), nullable=True),
        sa.Column("source_node", sa.String(255), nullable=True),
        sa.Column("dest_node", sa.String(255), nullable=True),
        sa.Column("old_flavor_id", sa.String(255), nullable=True),
        sa.Column("new_flavor_id", sa.String(255), nullable=True),
        sa.Column("disk_image_id", sa.String(36), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("project_id", sa.String(255), nullable=True),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", schema.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_migrations"),
        sa.UniqueConstraint("uuid", name="uq_migrations_uuid"),
        **schema.TABLE_OPTIONS,
    )
    for column in ("instance_uuid", "status", "source_compute", "dest_compute",
                   "updated_at"):
        op.create_index(f"ix_migrations_{column}", "migrations", [column],
                        unique=False)

"""server groups and their members

Revision ID: 0004_server_groups
Revises: 0003_server_tags_locks_actions
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0004_server_groups"
down_revision = "0003_server_tags_locks_actions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "server_groups",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("policy", sa.String(255), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_server_groups"),
        sa.UniqueConstraint("uuid", name="uq_server_groups_uuid"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_server_groups_project_id", "server_groups", ["project_id"],
                    unique=False)
    op.create_table(
        "server_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["server_groups.id"], ondelete="CASCADE",
                                name="fk_server_group_members_group_id_server_groups"),
        sa.ForeignKeyConstraint(
            ["instance_uuid"], ["instances.uuid"], ondelete="CASCADE",
            name="fk_server_group_members_instance_uuid_instances"),
        sa.PrimaryKeyConstraint("group_id", "instance_uuid",
                                name="pk_server_group_members"),
        sa.UniqueConstraint("instance_uuid",
                            name="uq_server_group_members_instance_uuid"),
        **schema.TABLE_OPTIONS,
    )

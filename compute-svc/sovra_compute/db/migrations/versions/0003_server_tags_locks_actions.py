"""server tags, lock reasons, requested destinations, action update times

Revision ID: 0003_server_tags_locks_actions
Revises: 0002_quotas
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0003_server_tags_locks_actions"
down_revision = "0002_quotas"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "instance_tags",
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("tag", sa.String(60), nullable=False),
        sa.ForeignKeyConstraint(["instance_uuid"], ["instances.uuid"],
                                ondelete="CASCADE",
                                name="fk_instance_tags_instance_uuid_instances"),
        sa.PrimaryKeyConstraint("instance_uuid", "tag", name="pk_instance_tags"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_instance_tags_tag", "instance_tags", ["tag"], unique=False)
    op.add_column("instances", sa.Column("locked_reason", sa.String(255), nullable=True))
    op.add_column("instances", sa.Column("requested_host", sa.String(255),
                                         nullable=True))
    op.add_column("instances", sa.Column("requested_node", sa.String(255),
                                         nullable=True))
    op.create_index("ix_instances_updated_at", "instances", ["updated_at"],
                    unique=False)
    op.add_column("instance_actions", sa.Column("updated_at", schema.UTCDateTime(),
                                                nullable=True))

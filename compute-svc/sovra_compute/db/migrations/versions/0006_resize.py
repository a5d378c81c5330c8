"""instances: what a resize keeps until it is confirmed or reverted

Revision ID: 0006_resize
Revises: 0005_action_event_details
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_resize"
down_revision = "0005_action_event_details"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("instances", sa.Column("old_flavor", sa.JSON(), nullable=True))
    op.add_column("instances", sa.Column("migration_uuid", sa.String(36), nullable=True))

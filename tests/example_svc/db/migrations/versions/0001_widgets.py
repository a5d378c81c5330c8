"""widgets

Revision ID: 0001_widgets
Revises:
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0001_widgets"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "widgets",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_widgets"),
        sa.UniqueConstraint("project_id", "name", name="uq_widgets_project_id_name"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_widgets_project_id", "widgets", ["project_id"])

"""widget tags

Revision ID: 0002_widget_tags
Revises: 0001_widgets
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0002_widget_tags"
down_revision = "0001_widgets"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "widget_tags",
        sa.Column("widget_id", sa.String(36), nullable=False),
        sa.Column("tag", sa.String(60), nullable=False),
        sa.ForeignKeyConstraint(["widget_id"], ["widgets.id"], ondelete="CASCADE",
                                name="fk_widget_tags_widget_id_widgets"),
        sa.PrimaryKeyConstraint("widget_id", "tag", name="pk_widget_tags"),
        **schema.TABLE_OPTIONS,
    )

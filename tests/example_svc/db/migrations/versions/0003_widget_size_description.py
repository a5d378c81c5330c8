"""widget size and description

Revision ID: 0003_widget_size_description
Revises: 0002_widget_tags
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_widget_size_description"
down_revision = "0002_widget_tags"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("widgets") as batch:
        batch.add_column(sa.Column("size", sa.Integer(), nullable=False,
                                   server_default="1"))
        batch.add_column(sa.Column("description", sa.String(255), nullable=True))

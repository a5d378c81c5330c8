"""per-project quotas

Revision ID: 0002_quotas
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0002_quotas"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quotas",
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "resource", name="pk_quotas"),
        **schema.TABLE_OPTIONS,
    )

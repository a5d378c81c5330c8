"""volumes.pending_size: the size an extend in flight asked for

Revision ID: 0002_volume_pending_size
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_volume_pending_size"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("volumes", sa.Column("pending_size", sa.Integer(), nullable=True))

"""servers: hostname (2.90), image properties at boot (2.98), scheduler hints (2.100)

Revision ID: 0007_server_hostname_image_hints
Revises: 0006_resize
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_server_hostname_image_hints"
down_revision = "0006_resize"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("instances", sa.Column("hostname", sa.String(255), nullable=True))
    op.add_column("instances", sa.Column("image_properties", sa.JSON(), nullable=True))
    op.add_column("instances", sa.Column("scheduler_hints", sa.JSON(), nullable=True))

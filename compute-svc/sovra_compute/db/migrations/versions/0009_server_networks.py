"""servers: the networks a create asked for, and the VIFs their agent made

Revision ID: 0009_server_networks
Revises: 0008_block_device_mappings
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_server_networks"
down_revision = "0008_block_device_mappings"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("instances", sa.Column("requested_networks", sa.JSON(), nullable=True))
    op.add_column("instances", sa.Column("network_info", sa.JSON(), nullable=True))

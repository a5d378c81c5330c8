"""servers: whether the server has a config drive (decided at create, kept)

Servers made before this revision all got one (the libvirt driver built a config
drive for every server): they keep it.

Revision ID: 0010_server_config_drive
Revises: 0009_server_networks
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_server_config_drive"
down_revision = "0009_server_networks"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("instances", sa.Column("config_drive", sa.Boolean(), nullable=True))
    instances = sa.table("instances", sa.column("config_drive", sa.Boolean()))
    op.execute(instances.update().values(config_drive=True))

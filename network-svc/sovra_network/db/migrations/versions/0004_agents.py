"""network agents remembered (listed dead until deleted)

Revision ID: 0004_agents
Revises: 0003_port_forwardings
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0004_agents"
down_revision = "0003_port_forwardings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agent_type", sa.String(length=255), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("binary", sa.String(length=255), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("admin_state_up", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("availability_zone", sa.String(length=255), nullable=True),
        sa.Column("configurations", sa.Text(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("started_at", schema.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_timestamp", schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("agent_type", "host", name="uq_agents_agent_type_host"),
        **schema.TABLE_OPTIONS,
    )

"""port forwardings of floating IPs

Revision ID: 0003_port_forwardings
Revises: 0002_routers_floatingips
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0003_port_forwardings"
down_revision = "0002_routers_floatingips"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "port_forwardings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("floatingip_id", sa.String(length=36), nullable=False),
        sa.Column("internal_port_id", sa.String(length=36), nullable=False),
        sa.Column("internal_ip_address", sa.String(length=64), nullable=False),
        sa.Column("internal_port", sa.Integer(), nullable=False),
        sa.Column("external_port", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["floatingip_id"], ["floatingips.id"],
            name=op.f("fk_port_forwardings_floatingip_id_floatingips"),
            ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["internal_port_id"], ["ports.id"],
            name=op.f("fk_port_forwardings_internal_port_id_ports"),
            ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_forwardings")),
        sa.UniqueConstraint("floatingip_id", "protocol", "external_port",
                            name="uq_port_forwardings_external"),
        sa.UniqueConstraint("internal_port_id", "internal_ip_address", "protocol",
                            "internal_port", name="uq_port_forwardings_internal"),
        **schema.TABLE_OPTIONS,
    )
    for column in ("floatingip_id", "internal_port_id"):
        op.create_index(op.f(f"ix_port_forwardings_{column}"), "port_forwardings",
                        [column], unique=False)

"""routers, router ports, floating IPs

Revision ID: 0002_routers_floatingips
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0002_routers_floatingips"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def _standard_attrs():
    return [
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", schema.UTCDateTime(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
    ]


def upgrade():
    op.create_table(
        "routers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("admin_state_up", sa.Boolean(), nullable=False),
        sa.Column("enable_snat", sa.Boolean(), nullable=False),
        sa.Column("gw_port_id", sa.String(length=36), nullable=True),
        sa.Column("routes", sa.Text(), nullable=False),
        sa.Column("availability_zone_hints", sa.Text(), nullable=False),
        *_standard_attrs(),
        sa.ForeignKeyConstraint(["gw_port_id"], ["ports.id"],
                                name=op.f("fk_routers_gw_port_id_ports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routers")),
        sa.UniqueConstraint("gw_port_id", name=op.f("uq_routers_gw_port_id")),
        **schema.TABLE_OPTIONS,
    )
    op.create_index(op.f("ix_routers_project_id"), "routers", ["project_id"],
                    unique=False)
    op.create_table(
        "router_ports",
        sa.Column("port_id", sa.String(length=36), nullable=False),
        sa.Column("router_id", sa.String(length=36), nullable=False),
        sa.Column("port_type", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["port_id"], ["ports.id"],
                                name=op.f("fk_router_ports_port_id_ports"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["router_id"], ["routers.id"],
                                name=op.f("fk_router_ports_router_id_routers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("port_id", name=op.f("pk_router_ports")),
        **schema.TABLE_OPTIONS,
    )
    op.create_index(op.f("ix_router_ports_router_id"), "router_ports", ["router_id"],
                    unique=False)
    op.create_table(
        "floatingips",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=False),
        sa.Column("floating_network_id", sa.String(length=36), nullable=False),
        sa.Column("floating_port_id", sa.String(length=36), nullable=False),
        sa.Column("floating_ip_address", sa.String(length=64), nullable=False),
        sa.Column("fixed_port_id", sa.String(length=36), nullable=True),
        sa.Column("fixed_ip_address", sa.String(length=64), nullable=True),
        sa.Column("router_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_standard_attrs(),
        sa.ForeignKeyConstraint(["fixed_port_id"], ["ports.id"],
                                name=op.f("fk_floatingips_fixed_port_id_ports")),
        sa.ForeignKeyConstraint(["floating_network_id"], ["networks.id"],
                                name=op.f("fk_floatingips_floating_network_id_networks")),
        sa.ForeignKeyConstraint(["floating_port_id"], ["ports.id"],
                                name=op.f("fk_floatingips_floating_port_id_ports")),
        sa.ForeignKeyConstraint(["router_id"], ["routers.id"],
                                name=op.f("fk_floatingips_router_id_routers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floatingips")),
        sa.UniqueConstraint(
            "floating_network_id", "fixed_port_id", "fixed_ip_address",
            name="uq_floatingips_fixed_ip"),
        sa.UniqueConstraint("floating_port_id",
                            name=op.f("uq_floatingips_floating_port_id")),
        **schema.TABLE_OPTIONS,
    )
    for column in ("fixed_port_id", "floating_network_id", "project_id", "router_id"):
        op.create_index(op.f(f"ix_floatingips_{column}"), "floatingips", [column],
                        unique=False)

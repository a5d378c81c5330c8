"""host aggregates (hosts, metadata), private flavors' projects, server passwords

Revision ID: 0011_aggregates
Revises: 0010_server_config_drive
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0011_aggregates"
down_revision = "0010_server_config_drive"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "aggregates",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", schema.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_aggregates"),
        sa.UniqueConstraint("uuid", name="uq_aggregates_uuid"),
        sa.UniqueConstraint("name", name="uq_aggregates_name"),
        **schema.TABLE_OPTIONS,
    )
    for table, column, length in (("aggregate_hosts", "host", 255),
                                  ("aggregate_metadata", "key", 255)):
        op.create_table(
            table,
            sa.Column("aggregate_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.String(length), nullable=False),
            *([sa.Column("value", sa.String(255), nullable=False)]
              if table == "aggregate_metadata" else []),
            sa.ForeignKeyConstraint(["aggregate_id"], ["aggregates.id"],
                                    ondelete="CASCADE",
                                    name=f"fk_{table}_aggregate_id_aggregates"),
            sa.PrimaryKeyConstraint("aggregate_id", column, name=f"pk_{table}"),
            **schema.TABLE_OPTIONS,
        )
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
    op.create_table(
        "flavor_projects",
        sa.Column("flavor_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.ForeignKeyConstraint(["flavor_id"], ["flavors.id"], ondelete="CASCADE",
                                name="fk_flavor_projects_flavor_id_flavors"),
        sa.PrimaryKeyConstraint("flavor_id", "project_id", name="pk_flavor_projects"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_flavor_projects_project_id", "flavor_projects", ["project_id"],
                    unique=False)
    op.create_table(
        "instance_passwords",
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("password", sa.Text(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["instance_uuid"], ["instances.uuid"],
                                ondelete="CASCADE",
                                name="fk_instance_passwords_instance_uuid_instances"),
        sa.PrimaryKeyConstraint("instance_uuid", name="pk_instance_passwords"),
        **schema.TABLE_OPTIONS,
    )

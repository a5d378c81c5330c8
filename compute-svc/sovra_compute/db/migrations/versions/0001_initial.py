"""flavors, key pairs, instances, faults, actions, services

Revision ID: 0001_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "flavors",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("flavorid", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("vcpus", sa.Integer(), nullable=False),
        sa.Column("memory_mb", sa.Integer(), nullable=False),
        sa.Column("root_gb", sa.Integer(), nullable=False),
        sa.Column("ephemeral_gb", sa.Integer(), nullable=False),
        sa.Column("swap", sa.Integer(), nullable=False),
        sa.Column("rxtx_factor", sa.Float(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flavors"),
        sa.UniqueConstraint("flavorid", name="uq_flavors_flavorid"),
        sa.UniqueConstraint("name", name="uq_flavors_name"),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "instances",
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.String(255), nullable=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("flavor", sa.JSON(), nullable=False),
        sa.Column("image_ref", sa.String(255), nullable=True),
        sa.Column("vm_state", sa.String(32), nullable=False),
        sa.Column("task_state", sa.String(32), nullable=True),
        sa.Column("power_state", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("node", sa.String(255), nullable=True),
        sa.Column("key_name", sa.String(255), nullable=True),
        sa.Column("key_data", sa.Text(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("user_data", sa.Text(), nullable=True),
        sa.Column("availability_zone", sa.String(255), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("build_hosts", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", schema.UTCDateTime(), nullable=True),
        sa.Column("launched_at", schema.UTCDateTime(), nullable=True),
        sa.Column("terminated_at", schema.UTCDateTime(), nullable=True),
        sa.Column("deleted_at", schema.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("uuid", name="pk_instances"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_instances_deleted", "instances",
                    ["deleted"], unique=False)
    op.create_index("ix_instances_project_id", "instances",
                    ["project_id"], unique=False)
    op.create_index("ix_instances_host", "instances",
                    ["host"], unique=False)
    op.create_table(
        "key_pairs",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(255), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_key_pairs"),
        sa.UniqueConstraint("user_id", "name", name="uq_key_pairs_user_id_name"),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("binary", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(255), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(255), nullable=True),
        sa.Column("forced_down", sa.Boolean(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", schema.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_services"),
        sa.UniqueConstraint("uuid", name="uq_services_uuid"),
        sa.UniqueConstraint("binary", "host", name="uq_services_binary_host"),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "flavor_extra_specs",
        sa.Column("flavor_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.ForeignKeyConstraint(["flavor_id"], ["flavors.id"],
                                ondelete="CASCADE",
                                name="fk_flavor_extra_specs_flavor_id_flavors"),
        sa.PrimaryKeyConstraint("flavor_id", "key", name="pk_flavor_extra_specs"),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "instance_actions",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("action", sa.String(255), nullable=False),
        sa.Column("request_id", sa.String(255), nullable=True),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("project_id", sa.String(255), nullable=True),
        sa.Column("message", sa.String(255), nullable=True),
        sa.Column("start_time", schema.UTCDateTime(), nullable=False),
        sa.Column("finish_time", schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["instance_uuid"], ["instances.uuid"],
                                ondelete="CASCADE",
                                name="fk_instance_actions_instance_uuid_instances"),
        sa.PrimaryKeyConstraint("id", name="pk_instance_actions"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_instance_actions_instance_uuid", "instance_actions",
                    ["instance_uuid"], unique=False)
    op.create_table(
        "instance_faults",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(255), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["instance_uuid"], ["instances.uuid"],
                                ondelete="CASCADE",
                                name="fk_instance_faults_instance_uuid_instances"),
        sa.PrimaryKeyConstraint("id", name="pk_instance_faults"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_instance_faults_instance_uuid", "instance_faults",
                    ["instance_uuid"], unique=False)
    op.create_table(
        "instance_action_events",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("result", sa.String(255), nullable=True),
        sa.Column("traceback", sa.Text(), nullable=True),
        sa.Column("start_time", schema.UTCDateTime(), nullable=False),
        sa.Column("finish_time", schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["instance_actions.id"],
                                ondelete="CASCADE",
                                name="fk_instance_action_events_action_id_instance_actions"),
        sa.PrimaryKeyConstraint("id", name="pk_instance_action_events"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_instance_action_events_action_id", "instance_action_events",
                    ["action_id"], unique=False)

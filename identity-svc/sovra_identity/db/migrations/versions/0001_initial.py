"""identity: domains, projects, users, groups, roles, assignments, catalog,
revocation events

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

ID = sa.String(64)


def _id(name="id"):
    return sa.Column(name, ID, nullable=False)


def upgrade():
    op.create_table(
        "domains", _id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_domains"),
        sa.UniqueConstraint("name", name="uq_domains_name"),
        **schema.TABLE_OPTIONS)
    op.create_table(
        "projects", _id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("domain_id", ID, nullable=False),
        sa.Column("parent_id", ID),
        sa.Column("description", sa.Text()),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("is_domain", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.UniqueConstraint("domain_id", "name", name="uq_projects_domain_id_name"),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"],
                                name="fk_projects_domain_id_domains"),
        sa.ForeignKeyConstraint(["parent_id"], ["projects.id"],
                                name="fk_projects_parent_id_projects"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_projects_domain_id", "projects", ["domain_id"])
    op.create_index("ix_projects_parent_id", "projects", ["parent_id"])
    op.create_table(
        "project_tags", _id("project_id"),
        sa.Column("name", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "name", name="pk_project_tags"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name="fk_project_tags_project_id_projects"),
        **schema.TABLE_OPTIONS)
    op.create_table(
        "users", _id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("domain_id", ID, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("email", sa.String(255)),
        sa.Column("default_project_id", ID),
        sa.Column("password_hash", sa.String(128)),
        sa.Column("password_changed_at", schema.UTCDateTime()),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("domain_id", "name", name="uq_users_domain_id_name"),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"],
                                name="fk_users_domain_id_domains"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_users_domain_id", "users", ["domain_id"])
    op.create_table(
        "groups", _id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("domain_id", ID, nullable=False),
        sa.Column("description", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
        sa.UniqueConstraint("domain_id", "name", name="uq_groups_domain_id_name"),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"],
                                name="fk_groups_domain_id_domains"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_groups_domain_id", "groups", ["domain_id"])
    op.create_table(
        "group_memberships", _id("group_id"), _id("user_id"),
        sa.PrimaryKeyConstraint("group_id", "user_id", name="pk_group_memberships"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE",
                                name="fk_group_memberships_group_id_groups"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_group_memberships_user_id_users"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_group_memberships_user_id", "group_memberships", ["user_id"])
    op.create_table(
        "roles", _id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("domain_id", ID),
        sa.Column("description", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_roles"),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"],
                                name="fk_roles_domain_id_domains"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_roles_name", "roles", ["name"])
    op.create_table(
        "implied_roles", _id("prior_role_id"), _id("implied_role_id"),
        sa.PrimaryKeyConstraint("prior_role_id", "implied_role_id",
                                name="pk_implied_roles"),
        sa.ForeignKeyConstraint(["prior_role_id"], ["roles.id"], ondelete="CASCADE",
                                name="fk_implied_roles_prior_role_id_roles"),
        sa.ForeignKeyConstraint(["implied_role_id"], ["roles.id"], ondelete="CASCADE",
                                name="fk_implied_roles_implied_role_id_roles"),
        **schema.TABLE_OPTIONS)
    op.create_table(
        "assignments",
        sa.Column("type", sa.String(16), nullable=False),
        _id("actor_id"), _id("target_id"), _id("role_id"),
        sa.Column("inherited", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("type", "actor_id", "target_id", "role_id", "inherited",
                                name="pk_assignments"),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], ondelete="CASCADE",
                                name="fk_assignments_role_id_roles"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_assignments_actor_id", "assignments", ["actor_id"])
    op.create_index("ix_assignments_target_id", "assignments", ["target_id"])
    op.create_table(
        "regions",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("parent_region_id", sa.String(255)),
        sa.PrimaryKeyConstraint("id", name="pk_regions"),
        sa.ForeignKeyConstraint(["parent_region_id"], ["regions.id"],
                                name="fk_regions_parent_region_id_regions"),
        **schema.TABLE_OPTIONS)
    op.create_table(
        "services", _id(),
        sa.Column("type", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("description", sa.Text()),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_services"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_services_type", "services", ["type"])
    op.create_table(
        "endpoints", _id(), _id("service_id"),
        sa.Column("interface", sa.String(8), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("region_id", sa.String(255)),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_endpoints"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE",
                                name="fk_endpoints_service_id_services"),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"],
                                name="fk_endpoints_region_id_regions"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_endpoints_service_id", "endpoints", ["service_id"])
    op.create_table(
        "revocation_events",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("audit_id", sa.String(32)),
        sa.Column("audit_chain_id", sa.String(32)),
        sa.Column("user_id", ID),
        sa.Column("project_id", ID),
        sa.Column("domain_id", ID),
        sa.Column("issued_before", schema.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_revocation_events"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_revocation_events_audit_id", "revocation_events", ["audit_id"])
    op.create_index("ix_revocation_events_user_id", "revocation_events", ["user_id"])
    op.create_index("ix_revocation_events_revoked_at", "revocation_events",
                    ["revoked_at"])
    op.create_table(
        "application_credentials", _id(),
        sa.Column("name", sa.String(255), nullable=False),
        _id("user_id"), _id("project_id"),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("expires_at", schema.UTCDateTime()),
        sa.Column("unrestricted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_application_credentials"),
        sa.UniqueConstraint("user_id", "name",
                            name="uq_application_credentials_user_id_name"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_application_credentials_user_id_users"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name="fk_application_credentials_project_id_projects"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_application_credentials_user_id", "application_credentials",
                    ["user_id"])
    op.create_index("ix_application_credentials_project_id", "application_credentials",
                    ["project_id"])
    op.create_table(
        "application_credential_roles", _id("application_credential_id"), _id("role_id"),
        sa.PrimaryKeyConstraint("application_credential_id", "role_id",
                                name="pk_application_credential_roles"),
        sa.ForeignKeyConstraint(
            ["application_credential_id"], ["application_credentials.id"],
            ondelete="CASCADE",
            name="fk_application_credential_roles_app_cred_id"),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], ondelete="CASCADE",
                                name="fk_application_credential_roles_role_id_roles"),
        **schema.TABLE_OPTIONS)
    op.create_table(
        "credentials", _id(), _id("user_id"), sa.Column("project_id", ID),
        sa.Column("type", sa.String(255), nullable=False),
        sa.Column("encrypted_blob", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_credentials"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_credentials_user_id_users"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_credentials_user_id", "credentials", ["user_id"])
    op.create_table(
        "registered_limits", _id(), _id("service_id"),
        sa.Column("region_id", sa.String(255)),
        sa.Column("resource_name", sa.String(255), nullable=False),
        sa.Column("default_limit", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_registered_limits"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE",
                                name="fk_registered_limits_service_id_services"),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"],
                                name="fk_registered_limits_region_id_regions"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_registered_limits_service_id", "registered_limits",
                    ["service_id"])
    op.create_table(
        "limits", _id(),
        sa.Column("project_id", ID), sa.Column("domain_id", ID), _id("service_id"),
        sa.Column("region_id", sa.String(255)),
        sa.Column("resource_name", sa.String(255), nullable=False),
        sa.Column("resource_limit", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_limits"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name="fk_limits_project_id_projects"),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"], ondelete="CASCADE",
                                name="fk_limits_domain_id_domains"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE",
                                name="fk_limits_service_id_services"),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"],
                                name="fk_limits_region_id_regions"),
        **schema.TABLE_OPTIONS)
    op.create_index("ix_limits_project_id", "limits", ["project_id"])
    op.create_index("ix_limits_domain_id", "limits", ["domain_id"])
    revision_table = op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_revision"),
        **schema.TABLE_OPTIONS)
    op.bulk_insert(revision_table, [{"id": 1, "generation": 0}])

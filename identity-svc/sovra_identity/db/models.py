"""Identity's tables. No tokens are stored: only revocation events."""

import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sovra_common.db import schema

ID = String(64)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=schema.NAMING_CONVENTION)


class Domain(Base):
    __tablename__ = "domains"
    __table_args__ = (UniqueConstraint("name"), schema.TABLE_OPTIONS)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("domain_id", "name"), schema.TABLE_OPTIONS)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_domain: Mapped[bool] = mapped_column(Boolean, default=False)


class ProjectTag(Base):
    __tablename__ = "project_tags"
    __table_args__ = (schema.TABLE_OPTIONS,)

    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("domain_id", "name"), schema.TABLE_OPTIONS)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(255))
    default_project_id: Mapped[str | None] = mapped_column(ID)
    # bcrypt hash; None: the user cannot log in with a password
    password_hash: Mapped[str | None] = mapped_column(String(128))
    password_changed_at: Mapped[datetime.datetime | None] = mapped_column(
        schema.UTCDateTime)
    created_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow)


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("domain_id", "name"), schema.TABLE_OPTIONS)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)


class GroupMembership(Base):
    __tablename__ = "group_memberships"
    __table_args__ = (schema.TABLE_OPTIONS,)

    group_id: Mapped[str] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class Role(Base):
    """A role; ``domain_id`` set for a domain-specific role (None: global). Name
    uniqueness per domain (None included) is checked by the service layer, as SQL
    unique constraints treat NULLs as distinct."""

    __tablename__ = "roles"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    domain_id: Mapped[str | None] = mapped_column(ForeignKey("domains.id"))
    description: Mapped[str | None] = mapped_column(Text)


class ImpliedRole(Base):
    __tablename__ = "implied_roles"
    __table_args__ = (schema.TABLE_OPTIONS,)

    prior_role_id: Mapped[str] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    implied_role_id: Mapped[str] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)


class Assignment(Base):
    """A role granted to an actor (user or group) on a target (project, domain or
    the system, whose target_id is "all"). ``inherited``: applies to the target's
    subprojects instead of the target itself."""

    __tablename__ = "assignments"
    __table_args__ = (schema.TABLE_OPTIONS,)

    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    actor_id: Mapped[str] = mapped_column(ID, primary_key=True, index=True)
    target_id: Mapped[str] = mapped_column(ID, primary_key=True, index=True)
    role_id: Mapped[str] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    inherited: Mapped[bool] = mapped_column(Boolean, primary_key=True)


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    description: Mapped[str | None] = mapped_column(Text)
    parent_region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"))


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    type: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Endpoint(Base):
    __tablename__ = "endpoints"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True)
    interface: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class RevocationEvent(Base):
    """Tokens issued at or before ``issued_before`` that match every non-null field
    are revoked. Kept until the longest-lived token they can match has expired."""

    __tablename__ = "revocation_events"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_id: Mapped[str | None] = mapped_column(String(32), index=True)
    audit_chain_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(ID, index=True)
    project_id: Mapped[str | None] = mapped_column(ID)
    domain_id: Mapped[str | None] = mapped_column(ID)
    issued_before: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime)
    revoked_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime,
                                                          default=schema.utcnow,
                                                          index=True)


class ApplicationCredential(Base):
    """A secret a user creates to let an application act for them on one project,
    with a subset of their roles there (``roles``; unrestricted: may also manage
    application credentials)."""

    __tablename__ = "application_credentials"
    __table_args__ = (UniqueConstraint("user_id", "name"), schema.TABLE_OPTIONS)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    secret_hash: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime.datetime | None] = mapped_column(schema.UTCDateTime)
    unrestricted: Mapped[bool] = mapped_column(Boolean, default=False)


class ApplicationCredentialRole(Base):
    __tablename__ = "application_credential_roles"
    __table_args__ = (schema.TABLE_OPTIONS,)

    # named by hand: the convention's name is longer than MySQL's 64 characters
    application_credential_id: Mapped[str] = mapped_column(
        ForeignKey("application_credentials.id", ondelete="CASCADE",
                   name="fk_application_credential_roles_app_cred_id"), primary_key=True)
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"),
                                         primary_key=True)


class Credential(Base):
    """A user's credential blob (EC2 access/secret pairs...), stored encrypted with
    the [credential] key repository's keys."""

    __tablename__ = "credentials"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    project_id: Mapped[str | None] = mapped_column(ID)
    type: Mapped[str] = mapped_column(String(255))
    encrypted_blob: Mapped[str] = mapped_column(Text)


class RegisteredLimit(Base):
    """A service's default limit on a resource (unified limits), per region."""

    __tablename__ = "registered_limits"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"),
                                            index=True)
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"))
    resource_name: Mapped[str] = mapped_column(String(255))
    default_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)


class Limit(Base):
    """A project's (or domain's) own limit on a registered resource."""

    __tablename__ = "limits"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[str | None] = mapped_column(
        ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"))
    resource_name: Mapped[str] = mapped_column(String(255))
    resource_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)


class Revision(Base):
    """One row whose ``generation`` grows with every committed change to any other
    identity table (see ``_bump``). Token validation caches what it computed from
    the database per generation: one indexed read tells whether the cache still
    holds, in this process and across processes sharing the database."""

    __tablename__ = "revision"
    __table_args__ = (schema.TABLE_OPTIONS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(Integer)


def _bump(mapper, connection, target):
    # In the writer's own transaction: the new generation commits (or rolls back)
    # with the change itself.
    connection.execute(update(Revision.__table__).values(
        generation=Revision.__table__.c.generation + 1))


for _event in ("after_insert", "after_update", "after_delete"):
    for _model in Base.__subclasses__():
        if _model is not Revision:
            event.listen(_model, _event, _bump)

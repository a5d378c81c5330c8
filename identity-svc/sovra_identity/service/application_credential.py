"""Application credentials: a secret a user creates so that an application can
get tokens for one project with a subset of the user's roles there, without the
user's password. The secret is shown once (at creation) and stored as a bcrypt
hash. Deleting one, or its user losing the roles, ends the tokens made with it."""

from __future__ import annotations

import datetime
import secrets

from sqlalchemy import select

from sovra_common import exception
from sovra_common.db import schema
from sovra_identity.db import models
from sovra_identity.service import lookup, password, revocation


def _roles(session, app_cred_id) -> list:
    return list(session.execute(select(models.Role).join(
        models.ApplicationCredentialRole,
        models.ApplicationCredentialRole.role_id == models.Role.id).where(
        models.ApplicationCredentialRole.application_credential_id == app_cred_id)
        .order_by(models.Role.name)).scalars())


def role_ids(session, app_cred_id) -> set[str]:
    return set(session.execute(select(models.ApplicationCredentialRole.role_id).where(
        models.ApplicationCredentialRole.application_credential_id == app_cred_id))
        .scalars())


def create(db, policy, *, user_id, project_id, name, role_ids_, secret=None,
           description=None, expires_at=None, unrestricted=False):
    """(row, roles, secret): the secret in clear, to show once."""
    if expires_at is not None and expires_at <= schema.utcnow():
        raise exception.Invalid("expires_at is in the past.")
    if not role_ids_:
        raise exception.Invalid("An application credential needs at least one role.")
    secret = secret or secrets.token_urlsafe(48)
    hashed = policy.hash(secret)
    with db.writer() as session:
        lookup.get(session, models.User, user_id, "user")
        lookup.get(session, models.Project, project_id, "project")
        if session.execute(select(models.ApplicationCredential.id).where(
                models.ApplicationCredential.user_id == user_id,
                models.ApplicationCredential.name == name)).first():
            raise exception.Conflict(
                f"Duplicate entry: an application credential named {name!r} exists.")
        row = models.ApplicationCredential(
            id=lookup.new_id(), name=name, user_id=user_id, project_id=project_id,
            secret_hash=hashed, description=description, expires_at=expires_at,
            unrestricted=unrestricted)
        session.add(row)
        session.flush()
        for role_id in sorted(set(role_ids_)):
            lookup.get(session, models.Role, role_id, "role")
            session.add(models.ApplicationCredentialRole(application_credential_id=row.id,
                                                         role_id=role_id))
        session.flush()
        return row, _roles(session, row.id), secret


def get(db, user_id, app_cred_id):
    with db.reader() as session:
        row = session.get(models.ApplicationCredential, app_cred_id)
        if row is None or row.user_id != user_id:
            raise lookup.ResourceNotFound(kind="application credential", id=app_cred_id)
        return row, _roles(session, row.id)


def list_(db, user_id, name=None):
    with db.reader() as session:
        lookup.get(session, models.User, user_id, "user")
        query = select(models.ApplicationCredential).where(
            models.ApplicationCredential.user_id == user_id).order_by(
            models.ApplicationCredential.name)
        if name is not None:
            query = query.where(models.ApplicationCredential.name == name)
        return [(row, _roles(session, row.id)) for row in session.execute(query).scalars()]


def delete(db, revoker, user_id, app_cred_id):
    with db.writer() as session:
        row = session.get(models.ApplicationCredential, app_cred_id)
        if row is None or row.user_id != user_id:
            raise lookup.ResourceNotFound(kind="application credential", id=app_cred_id)
        session.delete(row)
    # Its tokens fail validation from now on (the credential is gone); other
    # services' caches drop the user's tokens there.
    revoker.announce(revocation.ROLE_ASSIGNMENT_DELETED,
                     {"user_id": user_id, "project_id": row.project_id})


def authenticate(db, ref: dict):
    """The credential ``ref`` ({"id"} or {"name", "user"}, with "secret") names, if
    the secret matches and it has not expired; else None."""
    with db.reader() as session:
        row = None
        if "id" in ref:
            row = session.get(models.ApplicationCredential, ref["id"])
        elif "name" in ref and isinstance(ref.get("user"), dict):
            user_ref = ref["user"]
            user_id = user_ref.get("id")
            if user_id is None:
                domain_ref = user_ref.get("domain") or {}
                domain_q = select(models.Domain.id).where(
                    models.Domain.id == domain_ref["id"] if "id" in domain_ref
                    else models.Domain.name == domain_ref.get("name"))
                user_id = session.execute(select(models.User.id).where(
                    models.User.name == user_ref.get("name"),
                    models.User.domain_id.in_(domain_q))).scalar_one_or_none()
            row = session.execute(select(models.ApplicationCredential).where(
                models.ApplicationCredential.user_id == user_id,
                models.ApplicationCredential.name == ref["name"])).scalar_one_or_none()
    ok = password.check_password(ref.get("secret"), row.secret_hash if row else None)
    if not ok or expired(row):
        return None
    return row


def expired(row, now: datetime.datetime | None = None) -> bool:
    return row.expires_at is not None and row.expires_at <= (now or schema.utcnow())

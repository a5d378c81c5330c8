"""Local users and their passwords."""

from sqlalchemy import select

from sovra_common import exception
from sovra_common.db import schema
from sovra_identity.db import models
from sovra_identity.service import lookup, password, revocation


class PasswordPolicy:
    """How passwords are hashed, from [identity]."""

    def __init__(self, rounds: int, max_length: int = 72):
        self.rounds = rounds
        self.max_length = max_length

    def hash(self, secret: str) -> str:
        return password.hash_password(secret, self.rounds, self.max_length)


def get(db, user_id):
    with db.reader() as session:
        return lookup.get(session, models.User, user_id, "user")


def find_by_name(db, name, domain_id):
    """The user, or None (callers authenticating must not say which part failed)."""
    with db.reader() as session:
        return session.execute(select(models.User).where(
            models.User.name == name,
            models.User.domain_id == domain_id)).scalar_one_or_none()


def list_(db, *, name=None, domain_id=None, enabled=None, ids=None):
    with db.reader() as session:
        query = select(models.User).order_by(models.User.name)
        if name is not None:
            query = query.where(models.User.name == name)
        if domain_id is not None:
            query = query.where(models.User.domain_id == domain_id)
        if enabled is not None:
            query = query.where(models.User.enabled == enabled)
        if ids is not None:
            query = query.where(models.User.id.in_(list(ids)))
        return list(session.execute(query).scalars())


def create(db, policy: PasswordPolicy, *, name, domain_id, password=None, enabled=True,
           description=None, email=None, default_project_id=None):
    hashed = policy.hash(password) if password else None
    with db.writer() as session:
        lookup.get(session, models.Domain, domain_id, "domain")
        if session.execute(select(models.User.id).where(
                models.User.name == name, models.User.domain_id == domain_id)).first():
            raise exception.Conflict(
                f"Duplicate entry: a user named {name!r} exists in domain {domain_id}.")
        row = models.User(id=lookup.new_id(), name=name, domain_id=domain_id,
                          enabled=enabled, description=description, email=email,
                          default_project_id=default_project_id, password_hash=hashed,
                          password_changed_at=schema.utcnow() if hashed else None)
        session.add(row)
        return row


def update(db, revoker, policy: PasswordPolicy, user_id, changes):
    changes = dict(changes)
    new_password = changes.pop("password", None)
    hashed = policy.hash(new_password) if new_password else None
    with db.writer() as session:
        row = lookup.get(session, models.User, user_id, "user")
        if "name" in changes and changes["name"] != row.name and session.execute(
                select(models.User.id).where(
                    models.User.name == changes["name"],
                    models.User.domain_id == row.domain_id)).first():
            raise exception.Conflict(
                f"Duplicate entry: a user named {changes['name']!r} exists.")
        disabling = row.enabled and changes.get("enabled") is False
        for key, value in changes.items():
            setattr(row, key, value)
        if hashed:
            row.password_hash = hashed
            row.password_changed_at = schema.utcnow()
    if disabling:
        revoker.revoke(revocation.USER_DISABLED, {"user_id": user_id},
                       record={"user_id": user_id})
    elif hashed:
        revoker.revoke(revocation.USER_PASSWORD_CHANGED, {"user_id": user_id},
                       record={"user_id": user_id})
    return row


def change_password(db, revoker, policy: PasswordPolicy, user_id, original, new):
    """The user's own password change: the original must match (401 otherwise, as
    for a login), then every token of the user is revoked."""
    with db.reader() as session:
        row = session.get(models.User, user_id)
    if row is None or not password.check_password(original, row.password_hash):
        raise exception.NotAuthenticated()
    return update(db, revoker, policy, user_id, {"password": new})


def delete(db, revoker, user_id):
    with db.writer() as session:
        row = lookup.get(session, models.User, user_id, "user")
        session.query(models.Assignment).filter(
            models.Assignment.actor_id == user_id,
            models.Assignment.type.in_(("UserProject", "UserDomain",
                                        "UserSystem"))).delete()
        session.delete(row)
    revoker.revoke(revocation.USER_DELETED, {"user_id": user_id},
                   record={"user_id": user_id})

"""Groups and group membership."""

from sqlalchemy import select

from sovra_common import exception
from sovra_identity.db import models
from sovra_identity.service import lookup, revocation


def get(db, group_id):
    with db.reader() as session:
        return lookup.get(session, models.Group, group_id, "group")


def list_(db, *, name=None, domain_id=None):
    with db.reader() as session:
        query = select(models.Group).order_by(models.Group.name)
        if name is not None:
            query = query.where(models.Group.name == name)
        if domain_id is not None:
            query = query.where(models.Group.domain_id == domain_id)
        return list(session.execute(query).scalars())


def create(db, *, name, domain_id, description=None):
    with db.writer() as session:
        lookup.get(session, models.Domain, domain_id, "domain")
        if session.execute(select(models.Group.id).where(
                models.Group.name == name, models.Group.domain_id == domain_id)).first():
            raise exception.Conflict(
                f"Duplicate entry: a group named {name!r} exists in domain {domain_id}.")
        row = models.Group(id=lookup.new_id(), name=name, domain_id=domain_id,
                           description=description)
        session.add(row)
        return row


def update(db, group_id, changes):
    with db.writer() as session:
        row = lookup.get(session, models.Group, group_id, "group")
        for key, value in changes.items():
            setattr(row, key, value)
        return row


def delete(db, revoker, group_id):
    with db.writer() as session:
        row = lookup.get(session, models.Group, group_id, "group")
        members = list(session.execute(select(models.GroupMembership.user_id).where(
            models.GroupMembership.group_id == group_id)).scalars())
        session.query(models.Assignment).filter(
            models.Assignment.actor_id == group_id,
            models.Assignment.type.in_(("GroupProject", "GroupDomain",
                                        "GroupSystem"))).delete()
        session.delete(row)
    for user_id in members:
        revoker.announce(revocation.ROLE_ASSIGNMENT_DELETED, {"user_id": user_id})


def members(db, group_id):
    with db.reader() as session:
        lookup.get(session, models.Group, group_id, "group")
        return list(session.execute(select(models.User).join(
            models.GroupMembership, models.GroupMembership.user_id == models.User.id
        ).where(models.GroupMembership.group_id == group_id)
            .order_by(models.User.name)).scalars())


def groups_of_user(db, user_id):
    with db.reader() as session:
        lookup.get(session, models.User, user_id, "user")
        return list(session.execute(select(models.Group).join(
            models.GroupMembership, models.GroupMembership.group_id == models.Group.id
        ).where(models.GroupMembership.user_id == user_id)
            .order_by(models.Group.name)).scalars())


def add_user(db, group_id, user_id):
    with db.writer() as session:
        lookup.get(session, models.Group, group_id, "group")
        lookup.get(session, models.User, user_id, "user")
        if session.get(models.GroupMembership, (group_id, user_id)) is None:
            session.add(models.GroupMembership(group_id=group_id, user_id=user_id))


def check_user(db, group_id, user_id):
    with db.reader() as session:
        lookup.get(session, models.Group, group_id, "group")
        lookup.get(session, models.User, user_id, "user")
        if session.get(models.GroupMembership, (group_id, user_id)) is None:
            raise lookup.ResourceNotFound(kind="membership", id=f"{group_id}/{user_id}")


def remove_user(db, revoker, group_id, user_id):
    with db.writer() as session:
        row = session.get(models.GroupMembership, (group_id, user_id))
        if row is None:
            raise lookup.ResourceNotFound(kind="membership", id=f"{group_id}/{user_id}")
        session.delete(row)
    # The user's roles through the group are gone: validation recomputes roles, the
    # caches elsewhere drop the user's tokens.
    revoker.announce(revocation.ROLE_ASSIGNMENT_DELETED, {"user_id": user_id})

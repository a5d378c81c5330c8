"""Domains."""

from sqlalchemy import select

from sovra_common import exception
from sovra_identity.db import models
from sovra_identity.service import lookup, revocation

DEFAULT_DOMAIN_ID = "default"


def get(db, domain_id):
    with db.reader() as session:
        return lookup.get(session, models.Domain, domain_id, "domain")


def get_by_name(db, name):
    with db.reader() as session:
        row = session.execute(select(models.Domain).where(
            models.Domain.name == name)).scalar_one_or_none()
        if row is None:
            raise lookup.ResourceNotFound(kind="domain", id=name)
        return row


def list_(db, name=None, enabled=None):
    with db.reader() as session:
        query = select(models.Domain).order_by(models.Domain.name)
        if name is not None:
            query = query.where(models.Domain.name == name)
        if enabled is not None:
            query = query.where(models.Domain.enabled == enabled)
        return list(session.execute(query).scalars())


def create(db, name, description=None, enabled=True, domain_id=None):
    with db.writer() as session:
        if session.execute(select(models.Domain.id).where(
                models.Domain.name == name)).first():
            raise exception.Conflict(f"Duplicate entry: a domain named {name!r} exists.")
        row = models.Domain(id=domain_id or lookup.new_id(), name=name,
                            description=description, enabled=enabled)
        session.add(row)
        return row


def update(db, revoker, domain_id, changes):
    with db.writer() as session:
        row = lookup.get(session, models.Domain, domain_id, "domain")
        if "name" in changes and changes["name"] != row.name and session.execute(
                select(models.Domain.id).where(
                    models.Domain.name == changes["name"])).first():
            raise exception.Conflict(
                f"Duplicate entry: a domain named {changes['name']!r} exists.")
        disabling = row.enabled and changes.get("enabled") is False
        for key, value in changes.items():
            setattr(row, key, value)
    if disabling:
        revoker.revoke(revocation.DOMAIN_DISABLED, {"domain_id": domain_id},
                       record={"domain_id": domain_id})
    return row


def delete(db, revoker, domain_id):
    """Only a disabled domain that owns nothing can be deleted."""
    with db.writer() as session:
        row = lookup.get(session, models.Domain, domain_id, "domain")
        if row.enabled:
            raise exception.Forbidden("Cannot delete a domain that is enabled; "
                                      "disable it first.")
        for model in (models.Project, models.User, models.Group, models.Role):
            if session.execute(select(model).where(
                    model.domain_id == domain_id).limit(1)).first():
                raise exception.Conflict(
                    f"Domain {domain_id} still owns {model.__tablename__}; delete "
                    "them first.")
        session.query(models.Assignment).filter(
            models.Assignment.target_id == domain_id,
            models.Assignment.type.in_(("UserDomain", "GroupDomain"))).delete()
        session.delete(row)
    revoker.revoke(revocation.DOMAIN_DELETED, {"domain_id": domain_id},
                   record={"domain_id": domain_id})

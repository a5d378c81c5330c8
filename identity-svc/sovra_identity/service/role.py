"""Roles (global or domain-specific) and implied roles."""

from sqlalchemy import select

from sovra_common import exception
from sovra_identity.db import models
from sovra_identity.service import lookup, revocation


def get(db, role_id):
    with db.reader() as session:
        return lookup.get(session, models.Role, role_id, "role")


def find_by_name(db, name, domain_id=None):
    with db.reader() as session:
        return session.execute(select(models.Role).where(
            models.Role.name == name, models.Role.domain_id.is_(None) if domain_id is None
            else models.Role.domain_id == domain_id)).scalar_one_or_none()


def list_(db, *, name=None, domain_id=None):
    """Global roles, or with ``domain_id`` that domain's roles."""
    with db.reader() as session:
        query = select(models.Role).order_by(models.Role.name)
        if name is not None:
            query = query.where(models.Role.name == name)
        query = query.where(models.Role.domain_id.is_(None) if domain_id is None
                            else models.Role.domain_id == domain_id)
        return list(session.execute(query).scalars())


def _check_unique(session, name, domain_id, role_id=None):
    query = select(models.Role.id).where(
        models.Role.name == name, models.Role.domain_id.is_(None) if domain_id is None
        else models.Role.domain_id == domain_id)
    found = session.execute(query).scalar_one_or_none()
    if found is not None and found != role_id:
        raise exception.Conflict(f"Duplicate entry: a role named {name!r} exists.")


def create(db, *, name, domain_id=None, description=None, role_id=None):
    with db.writer() as session:
        if domain_id is not None:
            lookup.get(session, models.Domain, domain_id, "domain")
        _check_unique(session, name, domain_id)
        row = models.Role(id=role_id or lookup.new_id(), name=name, domain_id=domain_id,
                          description=description)
        session.add(row)
        return row


def update(db, role_id, changes):
    with db.writer() as session:
        row = lookup.get(session, models.Role, role_id, "role")
        if "name" in changes:
            _check_unique(session, changes["name"], row.domain_id, role_id)
        for key, value in changes.items():
            setattr(row, key, value)
        return row


def delete(db, revoker, role_id):
    with db.writer() as session:
        row = lookup.get(session, models.Role, role_id, "role")
        session.query(models.Assignment).filter(
            models.Assignment.role_id == role_id).delete()
        session.query(models.ImpliedRole).filter(
            (models.ImpliedRole.prior_role_id == role_id)
            | (models.ImpliedRole.implied_role_id == role_id)).delete()
        session.delete(row)
    revoker.announce(revocation.ROLE_DELETED, {"role_id": role_id})


# --- implied roles -----------------------------------------------------------------

def implications(session) -> dict[str, set[str]]:
    """prior role id -> directly implied role ids."""
    result: dict[str, set[str]] = {}
    for prior, implied in session.execute(select(models.ImpliedRole.prior_role_id,
                                                 models.ImpliedRole.implied_role_id)):
        result.setdefault(prior, set()).add(implied)
    return result


def expand(role_ids, rules: dict[str, set[str]]) -> set[str]:
    """``role_ids`` and every role they imply, transitively."""
    found, frontier = set(role_ids), list(role_ids)
    while frontier:
        for implied in rules.get(frontier.pop(), ()):
            if implied not in found:
                found.add(implied)
                frontier.append(implied)
    return found


def create_implied(db, prior_id, implied_id):
    with db.writer() as session:
        prior = lookup.get(session, models.Role, prior_id, "role")
        implied = lookup.get(session, models.Role, implied_id, "role")
        if implied.domain_id is not None:
            raise exception.Forbidden("A domain-specific role cannot be implied.")
        if prior_id == implied_id or prior_id in expand([implied_id], implications(session)):
            raise exception.Conflict("This implication would create a cycle.")
        if session.get(models.ImpliedRole, (prior_id, implied_id)) is None:
            session.add(models.ImpliedRole(prior_role_id=prior_id,
                                           implied_role_id=implied_id))
        return prior, implied


def get_implied(db, prior_id, implied_id):
    with db.reader() as session:
        prior = lookup.get(session, models.Role, prior_id, "role")
        implied = lookup.get(session, models.Role, implied_id, "role")
        if session.get(models.ImpliedRole, (prior_id, implied_id)) is None:
            raise lookup.ResourceNotFound(kind="implied role",
                                          id=f"{prior_id}/{implied_id}")
        return prior, implied


def list_implied(db, prior_id):
    with db.reader() as session:
        prior = lookup.get(session, models.Role, prior_id, "role")
        implied = list(session.execute(select(models.Role).join(
            models.ImpliedRole, models.ImpliedRole.implied_role_id == models.Role.id
        ).where(models.ImpliedRole.prior_role_id == prior_id)).scalars())
        return prior, implied


def list_inferences(db):
    """[(prior role, [implied roles])] for every role that implies others."""
    with db.reader() as session:
        rules = implications(session)
        roles = {r.id: r for r in session.execute(select(models.Role)).scalars()}
        return [(roles[p], [roles[i] for i in sorted(ids)]) for p, ids in sorted(rules.items())]


def delete_implied(db, revoker, prior_id, implied_id):
    with db.writer() as session:
        row = session.get(models.ImpliedRole, (prior_id, implied_id))
        if row is None:
            raise lookup.ResourceNotFound(kind="implied role",
                                          id=f"{prior_id}/{implied_id}")
        session.delete(row)
    revoker.announce(revocation.ROLE_DELETED, {"role_id": implied_id})

"""Traits: the standard ones from os-traits, and CUSTOM_*; and the traits of a
provider (guarded by its generation)."""

import os_traits
import sqlalchemy as sa

from sovra_common import exception
from sovra_placement.db import models
from sovra_placement.service import resource_provider as rp_service
from sovra_placement.service.names import CUSTOM_RE, NameTable

TABLE = NameTable(models.Trait, "trait", os_traits.get_traits)


def sync_standard(db):
    TABLE.sync_standard(db)


def list_traits(db, *, names=None, prefix=None, associated=None):
    """Trait names; ``names`` (a set) and ``prefix`` narrow it, ``associated``
    True/False keeps those some provider has / no provider has."""
    query = sa.select(models.Trait.name).order_by(models.Trait.name)
    if names is not None:
        query = query.where(models.Trait.name.in_(names))
    if prefix is not None:
        query = query.where(models.Trait.name.startswith(prefix, autoescape=True))
    if associated is not None:
        linked = sa.select(models.ResourceProviderTrait.trait_id)
        query = query.where(models.Trait.id.in_(linked) if associated
                            else models.Trait.id.not_in(linked))
    with db.reader() as session:
        return list(session.scalars(query))


def trait_exists(db, name) -> bool:
    with db.reader() as session:
        return TABLE.exists(session, name)


def ensure_trait(db, name) -> bool:
    """Create custom trait ``name`` unless it exists; True when it was created."""
    if not CUSTOM_RE.match(name):
        raise exception.Invalid(f"The trait {name!r} is invalid; a custom trait must "
                                f"match {CUSTOM_RE.pattern}.")
    with db.writer() as session:
        if TABLE.exists(session, name):
            return False
        TABLE.create(session, name)
        return True


def delete_trait(db, name):
    if TABLE.is_standard(name):
        raise exception.Invalid(f"Cannot delete standard trait {name}.")
    with db.writer() as session:
        obj = TABLE.get(session, name)
        used = session.scalar(sa.select(models.ResourceProviderTrait.trait_id).where(
            models.ResourceProviderTrait.trait_id == obj.id).limit(1))
        if used is not None:
            raise exception.Conflict(f"The trait {name} is in use by a resource "
                                     "provider.")
        session.delete(obj)


def provider_traits(session, rp_id) -> list[str]:
    return sorted(session.scalars(
        sa.select(models.Trait.name).join(
            models.ResourceProviderTrait,
            models.ResourceProviderTrait.trait_id == models.Trait.id)
        .where(models.ResourceProviderTrait.resource_provider_id == rp_id)))


def get_provider_traits(db, uuid):
    with db.reader() as session:
        rp = rp_service.load(session, uuid)
        return rp, provider_traits(session, rp.id)


def set_provider_traits(db, uuid, names, generation):
    """Replace the provider's traits; 400 for an unknown trait, 409 on a stale
    generation. Returns (provider, traits)."""
    with db.writer() as session:
        rp = rp_service.load(session, uuid)
        ids = TABLE.ids(session, names)
        replace_provider_traits(session, rp.id, ids.values())
        rp_service.bump_generation(session, rp, generation)
        return rp, sorted(names)


def replace_provider_traits(session, rp_id, trait_ids):
    link = models.ResourceProviderTrait
    session.execute(sa.delete(link).where(link.resource_provider_id == rp_id))
    rows = [{"resource_provider_id": rp_id, "trait_id": t} for t in set(trait_ids)]
    if rows:
        session.execute(sa.insert(link), rows)


def delete_provider_traits(db, uuid):
    with db.writer() as session:
        rp = rp_service.load(session, uuid)
        replace_provider_traits(session, rp.id, ())
        rp_service.bump_generation(session, rp, rp.generation)

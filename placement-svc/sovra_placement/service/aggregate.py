"""Aggregates of a provider (a provider belongs to any number of aggregates)."""

import sqlalchemy as sa

from sovra_placement.db import models
from sovra_placement.service import resource_provider as rp_service

LINK = models.ResourceProviderAggregate


def provider_aggregates(session, rp_id) -> list[str]:
    return sorted(session.scalars(
        sa.select(models.Aggregate.uuid).join(LINK, LINK.aggregate_id == models.Aggregate.id)
        .where(LINK.resource_provider_id == rp_id)))


def get_aggregates(db, uuid):
    with db.reader() as session:
        rp = rp_service.load(session, uuid)
        return rp, provider_aggregates(session, rp.id)


def _aggregate_ids(session, uuids) -> list[int]:
    uuids = set(uuids)
    have = dict(session.execute(sa.select(models.Aggregate.uuid, models.Aggregate.id)
                                .where(models.Aggregate.uuid.in_(uuids))).all())
    missing = uuids - set(have)
    if missing:
        session.execute(sa.insert(models.Aggregate), [{"uuid": u} for u in missing])
        have.update(session.execute(sa.select(models.Aggregate.uuid, models.Aggregate.id)
                                    .where(models.Aggregate.uuid.in_(missing))).all())
    return list(have.values())


def set_aggregates(db, uuid, aggregates, generation=None):
    """Replace the provider's aggregates. With ``generation`` (microversion 1.19) it
    is checked and bumped; without, the generation is left alone."""
    with db.writer() as session:
        rp = rp_service.load(session, uuid)
        replace_aggregates(session, rp.id, aggregates)
        if generation is not None:
            rp_service.bump_generation(session, rp, generation)
        return rp, sorted(set(aggregates))


def replace_aggregates(session, rp_id, aggregates):
    session.execute(sa.delete(LINK).where(LINK.resource_provider_id == rp_id))
    ids = _aggregate_ids(session, aggregates)
    if ids:
        session.execute(sa.insert(LINK), [{"resource_provider_id": rp_id,
                                           "aggregate_id": a} for a in ids])

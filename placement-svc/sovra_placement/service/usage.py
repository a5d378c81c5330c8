"""Usages: what allocations consume, per provider or per project/user."""

import sqlalchemy as sa

from sovra_placement.db import models
from sovra_placement.service import resource_provider as rp_service

ALLOC = models.Allocation
RC = models.ResourceClass


def provider_usages(db, uuid):
    """(provider, {class: used}) with every class the provider has inventory of."""
    with db.reader() as session:
        rp = rp_service.load(session, uuid)
        usages = {name: 0 for name in session.scalars(
            sa.select(RC.name).join(models.Inventory,
                                    models.Inventory.resource_class_id == RC.id)
            .where(models.Inventory.resource_provider_id == rp.id))}
        usages.update(session.execute(
            sa.select(RC.name, sa.func.sum(ALLOC.used))
            .join(ALLOC, ALLOC.resource_class_id == RC.id)
            .where(ALLOC.resource_provider_id == rp.id).group_by(RC.name)).all())
        return rp, {k: int(v) for k, v in usages.items()}


def project_usages(db, project_id, user_id=None):
    """{class: used} over every consumer of ``project_id`` (and ``user_id``)."""
    query = (sa.select(RC.name, sa.func.sum(ALLOC.used))
             .join(ALLOC, ALLOC.resource_class_id == RC.id)
             .join(models.Consumer, models.Consumer.id == ALLOC.consumer_id)
             .where(models.Consumer.project_id == project_id).group_by(RC.name))
    if user_id is not None:
        query = query.where(models.Consumer.user_id == user_id)
    with db.reader() as session:
        return {name: int(used) for name, used in session.execute(query).all()}


def project_usages_by_type(db, project_id, user_id=None, consumer_type=None):
    """Microversion 1.38: {consumer type: {"consumer_count": n, class: used}};
    consumers without a type count as "unknown". ``consumer_type`` "all" sums every
    type under "all", "unknown" keeps the untyped, another name keeps that type."""
    consumer = models.Consumer
    ctype = sa.func.coalesce(models.ConsumerType.name, "unknown")
    query = (sa.select(ctype, RC.name, sa.func.sum(ALLOC.used),
                       sa.func.count(sa.distinct(consumer.id)))
             .join(ALLOC, ALLOC.resource_class_id == RC.id)
             .join(consumer, consumer.id == ALLOC.consumer_id)
             .outerjoin(models.ConsumerType,
                        models.ConsumerType.id == consumer.consumer_type_id)
             .where(consumer.project_id == project_id).group_by(ctype, RC.name))
    count_query = (sa.select(ctype, sa.func.count(sa.distinct(consumer.id)))
                   .select_from(consumer)
                   .join(ALLOC, ALLOC.consumer_id == consumer.id)
                   .outerjoin(models.ConsumerType,
                              models.ConsumerType.id == consumer.consumer_type_id)
                   .where(consumer.project_id == project_id).group_by(ctype))
    if user_id is not None:
        query = query.where(consumer.user_id == user_id)
        count_query = count_query.where(consumer.user_id == user_id)
    if consumer_type not in (None, "all"):
        query = query.where(ctype == consumer_type)
        count_query = count_query.where(ctype == consumer_type)
    with db.reader() as session:
        rows = session.execute(query).all()
        counts = dict(session.execute(count_query).all())
    result: dict[str, dict] = {}
    if consumer_type == "all":
        total = {"consumer_count": sum(counts.values())} if rows else {}
        for _type, name, used, _count in rows:
            total[name] = total.get(name, 0) + int(used)
        return {"all": total} if total else {}
    for type_name, name, used, _count in rows:
        entry = result.setdefault(type_name, {"consumer_count": counts[type_name]})
        entry[name] = int(used)
    return result

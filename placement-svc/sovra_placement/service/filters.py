"""Provider filters shared by the provider list and allocation candidates: aggregate
membership, traits, and room for an amount of a resource class.

Each takes and returns sets of provider ids; the queries run over whole tables and
Python intersects, which keeps the SQL simple and fast on both backends.
"""

import sqlalchemy as sa

from sovra_common import exception
from sovra_placement.db import models

INV = models.Inventory
ALLOC = models.Allocation


def _aggregate_members(session, agg_uuids) -> set[int]:
    link = models.ResourceProviderAggregate
    return set(session.scalars(
        sa.select(link.resource_provider_id).join(
            models.Aggregate, models.Aggregate.id == link.aggregate_id)
        .where(models.Aggregate.uuid.in_(set(agg_uuids)))))


def by_aggregates(session, ids: set[int], member_of, forbidden_aggs) -> set[int]:
    """``ids`` in at least one aggregate of every set in ``member_of`` and in none of
    ``forbidden_aggs``."""
    for any_of in member_of:
        ids = ids & _aggregate_members(session, any_of)
    if forbidden_aggs:
        ids = ids - _aggregate_members(session, forbidden_aggs)
    return ids


_TRAIT_HOLDERS = (
    sa.select(models.ResourceProviderTrait.resource_provider_id)
    .join(models.Trait, models.Trait.id == models.ResourceProviderTrait.trait_id)
    .where(models.Trait.name.in_(sa.bindparam("names", expanding=True))))


def trait_holders(session, names) -> set[int]:
    """Ids of providers with any of the traits ``names`` (``session``: a Session
    or a Connection)."""
    return set(session.scalars(_TRAIT_HOLDERS, {"names": list(set(names))}))


def check_traits_exist(session, names) -> None:
    names = set(names)
    if not names:
        return
    found = set(session.scalars(sa.select(models.Trait.name)
                                .where(models.Trait.name.in_(names))))
    if found != names:
        raise exception.Invalid("No such trait(s): " + ", ".join(sorted(names - found)))


def by_traits(session, ids: set[int], required, forbidden) -> set[int]:
    """``ids`` with one trait of every set in ``required`` and none of ``forbidden``
    (an unknown trait is a 400)."""
    check_traits_exist(session, set().union(*required, forbidden))
    for any_of in required:
        ids = ids & trait_holders(session, any_of)
    if forbidden:
        ids = ids - trait_holders(session, forbidden)
    return ids


_CLASS_IDS = sa.select(models.ResourceClass.name, models.ResourceClass.id).where(
    models.ResourceClass.name.in_(sa.bindparam("names", expanding=True)))


def class_ids(session, names) -> dict[str, int]:
    """{name: id} of the resource classes ``names`` (``session``: a Session or a
    Connection); Invalid if one does not exist."""
    names = set(names)
    found = dict(session.execute(_CLASS_IDS, {"names": list(names)}).all())
    if len(found) != len(names):
        raise exception.Invalid("Invalid resource class in resources parameter: " +
                                ", ".join(sorted(names - set(found))))
    return found


def holders_of(names):
    """SQL: ids of providers with any of the traits ``names``."""
    link = models.ResourceProviderTrait
    return sa.select(link.resource_provider_id).where(link.trait_id.in_(
        sa.select(models.Trait.id).where(models.Trait.name.in_(set(names)))))


def members_of(agg_uuids):
    """SQL: ids of providers in any of the aggregates ``agg_uuids``."""
    link = models.ResourceProviderAggregate
    return sa.select(link.resource_provider_id).where(link.aggregate_id.in_(
        sa.select(models.Aggregate.id).where(models.Aggregate.uuid.in_(set(agg_uuids)))))


def with_trait(column, names, correlated=False):
    """SQL: the provider id in ``column`` has one of the traits ``names``.

    ``correlated``: an EXISTS probing the (provider, trait) key per row, for
    queries narrowed to few providers; otherwise an IN list of every holder."""
    if not correlated:
        return column.in_(holders_of(names))
    link = models.ResourceProviderTrait
    return sa.exists(sa.select(sa.literal(1)).where(
        link.resource_provider_id == column,
        link.trait_id.in_(sa.select(models.Trait.id)
                          .where(models.Trait.name.in_(set(names))))))


def in_aggregates(column, agg_uuids, correlated=False):
    """SQL: the provider id in ``column`` is in one of the aggregates (as for
    :func:`with_trait`, ``correlated`` chooses EXISTS over an IN list)."""
    if not correlated:
        return column.in_(members_of(agg_uuids))
    link = models.ResourceProviderAggregate
    return sa.exists(sa.select(sa.literal(1)).where(
        link.resource_provider_id == column,
        link.aggregate_id.in_(sa.select(models.Aggregate.id)
                              .where(models.Aggregate.uuid.in_(set(agg_uuids))))))


def capacity_query(rc_id: int, amount: int, where=(), rp=models.ResourceProvider,
                   correlated=False):
    """SQL: (provider id, capacity, used, root id, parent id) of providers with room
    for ``amount`` of class ``rc_id``, honouring min_unit, max_unit and step_size,
    and passing the SQL clauses ``where`` (on ``rp``, ResourceProvider or an alias).

    ``correlated``: sum usage per inventory row through the (provider, class) index,
    for queries narrowed to few providers; otherwise one grouped pass over the
    class's allocations, for queries over all of them.
    """
    capacity = (INV.total - INV.reserved) * INV.allocation_ratio
    if correlated:
        in_use = sa.func.coalesce(
            sa.select(sa.func.sum(ALLOC.used))
            .where(ALLOC.resource_provider_id == INV.resource_provider_id,
                   ALLOC.resource_class_id == rc_id)
            .correlate(INV).scalar_subquery(), 0)
        query = sa.select(INV.resource_provider_id, capacity, in_use, rp.root_provider_id,
                          rp.parent_provider_id)
    else:
        used = (sa.select(ALLOC.resource_provider_id.label("rp_id"),
                          sa.func.sum(ALLOC.used).label("used"))
                .where(ALLOC.resource_class_id == rc_id)
                .group_by(ALLOC.resource_provider_id).subquery())
        in_use = sa.func.coalesce(used.c.used, 0)
        query = (sa.select(INV.resource_provider_id, capacity, in_use,
                           rp.root_provider_id, rp.parent_provider_id)
                 .outerjoin(used, used.c.rp_id == INV.resource_provider_id))
    query = (query.join(rp, rp.id == INV.resource_provider_id)
             .where(INV.resource_class_id == rc_id, INV.min_unit <= amount,
                    INV.max_unit >= amount, sa.literal(amount) % INV.step_size == 0,
                    capacity >= in_use + amount, *where))
    return query


def capacity_by_provider_query(amounts: dict[int, int], where=(),
                               rp=models.ResourceProvider, with_usage=True):
    """SQL: one row per provider passing the clauses ``where`` (on ``rp``) with an
    inventory of at least one class of ``amounts`` {class id: amount} whose
    min_unit, max_unit and step_size allow that class's amount: (provider id, root
    id, parent id, uuid, then for each class of ``amounts`` in order its capacity
    and, ``with_usage``, its usage; NULL capacity when it has no such inventory).
    The caller checks the room (capacity - usage >= amount, as
    :func:`capacity_query` does in SQL), with the usage of these columns or of
    :func:`usage_by_provider`. The providers' filters are evaluated once, and a
    provider's inventories are found through its (provider, class) key."""
    query = (sa.select(rp.id, rp.root_provider_id, rp.parent_provider_id, rp.uuid)
             .select_from(rp))
    serves = []
    for k, (rc_id, amount) in enumerate(amounts.items()):
        table = INV.__table__.alias(f"inv{k}")  # a Core alias: an ORM one costs ~1 ms
        inv = table.c
        in_use = sa.func.coalesce(
            sa.select(sa.func.sum(ALLOC.used))
            .where(ALLOC.resource_provider_id == rp.id, ALLOC.resource_class_id == rc_id)
            .correlate(rp).scalar_subquery(), 0)
        query = query.outerjoin(table, sa.and_(
            inv.resource_provider_id == rp.id, inv.resource_class_id == rc_id,
            inv.min_unit <= amount, inv.max_unit >= amount,
            sa.literal(amount) % inv.step_size == 0))
        query = query.add_columns((inv.total - inv.reserved) * inv.allocation_ratio)
        if with_usage:
            query = query.add_columns(in_use)
        serves.append(inv.resource_provider_id.is_not(None))
    return query.where(sa.or_(*serves), *where)


def usage_by_provider(conn, rc_ids) -> dict[tuple[int, int], int]:
    """{(provider id, class id): units allocated} for the classes ``rc_ids``, in one
    grouped pass over their allocations (pairs with nothing allocated are absent)."""
    query = (sa.select(ALLOC.resource_provider_id, ALLOC.resource_class_id,
                       sa.func.sum(ALLOC.used))
             .where(ALLOC.resource_class_id.in_(list(rc_ids)))
             .group_by(ALLOC.resource_provider_id, ALLOC.resource_class_id))
    return {(rp_id, rc_id): int(used) for rp_id, rc_id, used in conn.execute(query).all()}


def capacity_rows(session, rc_id: int, amount: int, ids=None, where=(), correlated=False):
    """The rows of :func:`capacity_query` (among ``ids`` if given)."""
    query = capacity_query(rc_id, amount, where, correlated=correlated)
    if ids is not None and len(ids) < 500:
        query = query.where(INV.resource_provider_id.in_(ids))
    rows = session.execute(query).all()
    if ids is not None:
        rows = [r for r in rows if r[0] in ids]
    return rows


def with_capacity(session, resources: dict[str, int], ids=None) -> set[int]:
    """Providers (among ``ids``) with room for every ``resources`` amount."""
    rc_ids = class_ids(session, resources)
    result = None
    for name, amount in resources.items():
        found = {row[0] for row in capacity_rows(session, rc_ids[name], amount, ids)}
        result = found if result is None else result & found
    return result or set()

"""Allocations: what consumers use of providers' inventories.

All writes of one request (one consumer, or many with POST /allocations) happen in
one transaction that: checks consumer generations, replaces the consumers'
allocations, checks every provider and class whose usage grew against its capacity
((total - reserved) * allocation_ratio) and min_unit/max_unit/step_size, and bumps
the generation of every provider touched with a compare-and-swap. Two racing writers
therefore cannot both fit the last unit: one commits, the other sees the provider's
generation moved and re-runs against the new usage (and then fails on capacity).
"""

import dataclasses

import sqlalchemy as sa

from sovra_common import exception
from sovra_common.db import retry_on_deadlock
from sovra_placement.db import models
from sovra_placement.exception import ConcurrentUpdate, InsufficientCapacity
from sovra_placement.service import filters
from sovra_placement.service import resource_provider as rp_service

ALLOC = models.Allocation
RP = models.ResourceProvider
CONSUMER = models.Consumer
INV = models.Inventory
_RACE_ATTEMPTS = 10


class _ProviderRace(ConcurrentUpdate):
    """A provider's generation moved under us: re-run the whole write."""


@dataclasses.dataclass
class ConsumerAllocations:
    """What one consumer should hold afterwards: {provider uuid: {class: amount}}."""

    consumer_uuid: str
    allocations: dict[str, dict[str, int]]
    project_id: str | None = None
    user_id: str | None = None
    # Checked only when check_generation: None means "a new consumer".
    generation: int | None = None
    check_generation: bool = False
    consumer_type: str | None = None


def _consumer_row(session, uuid):
    return session.execute(sa.select(CONSUMER).where(CONSUMER.uuid == uuid)) \
        .scalar_one_or_none()


def get_consumer_allocations(db, consumer_uuid):
    """(consumer or None, {rp uuid: {"generation": g, "resources": {class: n}}},
    consumer type name or None)."""
    with db.reader() as session:
        consumer = _consumer_row(session, consumer_uuid)
        if consumer is None:
            return None, {}, None
        rows = session.execute(
            sa.select(RP.uuid, RP.generation, models.ResourceClass.name, ALLOC.used)
            .join(RP, RP.id == ALLOC.resource_provider_id)
            .join(models.ResourceClass, models.ResourceClass.id == ALLOC.resource_class_id)
            .where(ALLOC.consumer_id == consumer.id)).all()
        result: dict[str, dict] = {}
        for rp_uuid, gen, rc, used in rows:
            entry = result.setdefault(rp_uuid, {"generation": gen, "resources": {}})
            entry["resources"][rc] = used
        ctype = None
        if consumer.consumer_type_id is not None:
            ctype = session.scalar(sa.select(models.ConsumerType.name).where(
                models.ConsumerType.id == consumer.consumer_type_id))
        return consumer, result, ctype


def get_provider_allocations(db, uuid):
    """(provider, {consumer uuid: {"resources": {class: n}}})."""
    with db.reader() as session:
        rp = rp_service.load(session, uuid)
        rows = session.execute(
            sa.select(CONSUMER.uuid, models.ResourceClass.name, ALLOC.used)
            .join(CONSUMER, CONSUMER.id == ALLOC.consumer_id)
            .join(models.ResourceClass, models.ResourceClass.id == ALLOC.resource_class_id)
            .where(ALLOC.resource_provider_id == rp.id)).all()
        result: dict[str, dict] = {}
        for consumer_uuid, rc, used in rows:
            result.setdefault(consumer_uuid, {"resources": {}})["resources"][rc] = used
        return rp, result


def replace_all(db, requests: list[ConsumerAllocations]) -> None:
    """Make each consumer hold exactly its ``allocations``, atomically."""
    for attempt in range(_RACE_ATTEMPTS):
        try:
            return _replace_all(db, requests)
        except _ProviderRace:
            if attempt == _RACE_ATTEMPTS - 1:
                raise ConcurrentUpdate(what="resource provider") from None


def delete_consumer_allocations(db, consumer_uuid) -> None:
    with db.reader() as session:
        if _consumer_row(session, consumer_uuid) is None:
            raise exception.NotFound(f"No allocations for consumer '{consumer_uuid}'")
    replace_all(db, [ConsumerAllocations(consumer_uuid, {})])


@retry_on_deadlock
def _replace_all(db, requests):
    with db.writer() as session:
        apply(session, requests)


def apply(session, requests: list[ConsumerAllocations]) -> None:
    """The body of replace_all, inside the caller's writer (the reshaper uses it)."""
    rp_uuids = {u for r in requests for u in r.allocations}
    rps = {rp.uuid: rp for rp in session.scalars(sa.select(RP).where(RP.uuid.in_(rp_uuids)))}
    missing = rp_uuids - set(rps)
    if missing:
        raise exception.Invalid("Allocation for resource provider '%s' that does not "
                                "exist." % sorted(missing)[0])
    rc_ids = filters.class_ids(session, {rc for r in requests
                                         for res in r.allocations.values() for rc in res})
    # Lock every provider the write touches (those asked for, those the consumers
    # hold now), in one order, before writing: concurrent writes on a provider then
    # queue on its row. Unlocked, on MariaDB, each one's INSERT share-locked the row
    # (foreign key) that its generation bump then needed exclusively: deadlocks, or
    # lost compare-and-swaps, retried until callers timed out. (SQLite: no-op.)
    held = session.scalars(sa.select(ALLOC.resource_provider_id).join(CONSUMER).where(
        CONSUMER.uuid.in_({r.consumer_uuid for r in requests})))
    generations = dict(session.execute(
        sa.select(RP.id, RP.generation)
        .where(RP.id.in_({rp.id for rp in rps.values()} | set(held)))
        .order_by(RP.id).with_for_update()).all())
    touched: set[int] = set()
    before: dict[tuple[int, int], int] = {}
    for request in requests:
        consumer = _prepare_consumer(session, request)
        if consumer is None:
            continue
        old = session.execute(sa.select(ALLOC.resource_provider_id, ALLOC.resource_class_id,
                                        ALLOC.used)
                              .where(ALLOC.consumer_id == consumer.id)).all()
        for rp_id, rc_id, used in old:
            touched.add(rp_id)
            before[(rp_id, rc_id)] = before.get((rp_id, rc_id), 0) - used
        session.execute(sa.delete(ALLOC).where(ALLOC.consumer_id == consumer.id))
        rows = []
        for rp_uuid, resources in request.allocations.items():
            rp = rps[rp_uuid]
            touched.add(rp.id)
            for rc, amount in resources.items():
                rows.append({"resource_provider_id": rp.id, "consumer_id": consumer.id,
                             "resource_class_id": rc_ids[rc], "used": amount})
                key = (rp.id, rc_ids[rc])
                before[key] = before.get(key, 0) + amount
        if rows:
            session.execute(sa.insert(ALLOC), rows)
            consumer.generation += 1
            session.flush()
        else:
            session.delete(consumer)
            session.flush()
    grown = {key for key, delta in before.items() if delta > 0}
    _check_capacity(session, grown, requests, rps, rc_ids)
    current = dict(session.execute(sa.select(RP.id, RP.generation)
                                   .where(RP.id.in_(touched))).all())
    for rp_id in touched:
        expected = generations.get(rp_id, current.get(rp_id))
        result = session.execute(
            sa.update(RP).where(RP.id == rp_id, RP.generation == expected)
            .values(generation=expected + 1).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise _ProviderRace(what="resource provider")


def _prepare_consumer(session, request):
    consumer = _consumer_row(session, request.consumer_uuid)
    if request.check_generation:
        if consumer is None and request.generation is not None:
            raise ConcurrentUpdate(
                f"consumer generation conflict - expected null but got "
                f"{request.generation}")
        if consumer is not None and request.generation != consumer.generation:
            raise ConcurrentUpdate(
                f"consumer generation conflict - expected {consumer.generation} but got "
                f"{request.generation}")
    if consumer is None:
        if not request.allocations:
            return None
        consumer = CONSUMER(uuid=request.consumer_uuid, project_id=request.project_id,
                            user_id=request.user_id, generation=0)
        session.add(consumer)
    else:
        if request.project_id is not None:
            consumer.project_id = request.project_id
        if request.user_id is not None:
            consumer.user_id = request.user_id
    if request.consumer_type is not None:
        consumer.consumer_type_id = _consumer_type_id(session, request.consumer_type)
    session.flush()
    return consumer


def _consumer_type_id(session, name):
    ctype = models.ConsumerType
    found = session.scalar(sa.select(ctype.id).where(ctype.name == name))
    if found is None:
        obj = ctype(name=name)
        session.add(obj)
        session.flush()
        found = obj.id
    return found


def _check_capacity(session, grown, requests, rps, rc_ids):
    rp_ids = {k[0] for k in grown} | {rp.id for rp in rps.values()}
    if not rp_ids:
        return
    invs = {(inv.resource_provider_id, inv.resource_class_id): inv for inv in
            session.scalars(sa.select(INV).where(INV.resource_provider_id.in_(rp_ids)))}
    usage = dict(((rp_id, rc_id), int(used)) for rp_id, rc_id, used in session.execute(
        sa.select(ALLOC.resource_provider_id, ALLOC.resource_class_id,
                  sa.func.sum(ALLOC.used))
        .where(ALLOC.resource_provider_id.in_(rp_ids))
        .group_by(ALLOC.resource_provider_id, ALLOC.resource_class_id)).all())
    names = {v: k for k, v in rc_ids.items()}
    by_id = {rp.id: rp for rp in rps.values()}
    for request in requests:
        for rp_uuid, resources in request.allocations.items():
            rp = rps[rp_uuid]
            for rc, amount in resources.items():
                inv = invs.get((rp.id, rc_ids[rc]))
                if inv is None:
                    raise InsufficientCapacity(
                        f"Unable to allocate inventory: Resource provider {rp_uuid} "
                        f"has no inventory of class {rc}.")
                if (amount < inv.min_unit or amount > inv.max_unit
                        or amount % inv.step_size):
                    raise InsufficientCapacity(
                        f"Unable to allocate inventory: Unable to allocate {amount} of "
                        f"{rc} on resource provider {rp_uuid}: it violates min_unit "
                        f"({inv.min_unit}), max_unit ({inv.max_unit}) or step_size "
                        f"({inv.step_size}).")
    for rp_id, rc_id in sorted(grown):
        inv = invs.get((rp_id, rc_id))
        capacity = int((inv.total - inv.reserved) * inv.allocation_ratio)
        if usage.get((rp_id, rc_id), 0) > capacity:
            raise InsufficientCapacity(
                f"Unable to allocate inventory: Unable to create allocation for "
                f"'{names[rc_id]}' on resource provider '{by_id[rp_id].uuid}'. The "
                "requested amount would exceed the capacity.")

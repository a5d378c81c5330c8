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

# The statements of an allocation write, built once (building one costs about as
# much as running it on SQLite); IN lists are expanding parameters.
_PROVIDER_IDS = sa.select(RP.uuid, RP.id).where(
    RP.uuid.in_(sa.bindparam("uuids", expanding=True)))
_CONSUMERS_AND_HOLDINGS = (
    sa.select(CONSUMER.uuid, CONSUMER.id, CONSUMER.generation,
              ALLOC.resource_provider_id, ALLOC.resource_class_id, ALLOC.used)
    .outerjoin(ALLOC, ALLOC.consumer_id == CONSUMER.id)
    .where(CONSUMER.uuid.in_(sa.bindparam("uuids", expanding=True))))
_LOCK_PROVIDERS = (sa.select(RP.id, RP.generation)
                   .where(RP.id.in_(sa.bindparam("ids", expanding=True)))
                   .order_by(RP.id).with_for_update())
_BUMP_PROVIDER = (sa.update(RP).where(RP.id == sa.bindparam("b_id"),
                                      RP.generation == sa.bindparam("b_generation"))
                  .values(generation=sa.bindparam("b_generation") + 1))
_INSERT_ALLOCATIONS = sa.insert(ALLOC)
_DELETE_ALLOCATIONS = sa.delete(ALLOC).where(ALLOC.consumer_id == sa.bindparam("b_id"))
_INSERT_CONSUMER = sa.insert(CONSUMER)
# (the columns to set are the other parameters of the execution)
_UPDATE_CONSUMER = sa.update(CONSUMER).where(
    CONSUMER.id == sa.bindparam("b_id"), CONSUMER.generation == sa.bindparam("b_generation"))
_DELETE_CONSUMER = sa.delete(CONSUMER).where(
    CONSUMER.id == sa.bindparam("b_id"), CONSUMER.generation == sa.bindparam("b_generation"))
_CAPACITY = (
    sa.select(INV.resource_provider_id, INV.resource_class_id, INV.total, INV.reserved,
              INV.min_unit, INV.max_unit, INV.step_size, INV.allocation_ratio,
              sa.func.coalesce(
                  sa.select(sa.func.sum(ALLOC.used))
                  .where(ALLOC.resource_provider_id == INV.resource_provider_id,
                         ALLOC.resource_class_id == INV.resource_class_id)
                  .correlate(INV).scalar_subquery(), 0))
    .where(INV.resource_provider_id.in_(sa.bindparam("ids", expanding=True))))


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
    _write(db, requests)


def delete_consumer_allocations(db, consumer_uuid) -> None:
    """Remove every allocation of ``consumer_uuid`` (NotFound if it holds none)."""
    _write(db, [ConsumerAllocations(consumer_uuid, {})], must_exist=True)


def _write(db, requests, must_exist=False):
    for attempt in range(_RACE_ATTEMPTS):
        try:
            return _replace_all(db, requests, must_exist)
        except _ProviderRace:
            if attempt == _RACE_ATTEMPTS - 1:
                raise ConcurrentUpdate(what="resource provider") from None


@retry_on_deadlock
def _replace_all(db, requests, must_exist=False):
    outermost = not db.in_transaction()
    with db.writer() as session:
        if outermost:
            read_committed(session)
        apply(session, requests, must_exist)


def read_committed(session) -> None:
    """Make the transaction ``session`` is about to start READ COMMITTED on
    MySQL/MariaDB (call it before the transaction's first statement; SQLite: no-op).

    Every writer of allocations needs it: its reads after the provider locks must
    see what the writers that held them committed. Under REPEATABLE READ the
    snapshot would date from the transaction's first read, before the lock wait,
    and two claims of the last unit could both pass the capacity check. (SET
    TRANSACTION applies to the transaction this statement precedes.)"""
    if session.get_bind().dialect.name in ("mysql", "mariadb"):
        session.execute(sa.text("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))


def apply(session, requests: list[ConsumerAllocations], must_exist=False) -> None:
    """The body of replace_all, inside the caller's writer (the reshaper uses it).
    ``must_exist``: NotFound for a consumer that holds nothing.

    Core statements on the session's connection (no ORM objects): this runs for
    every claim and release of the compute boot path."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # the caller's ORM changes, before our own reads
    conn = session.connection()
    rp_uuids = {u for r in requests for u in r.allocations}
    rp_ids: dict[str, int] = {}
    if rp_uuids:
        rp_ids = dict(conn.execute(_PROVIDER_IDS, {"uuids": list(rp_uuids)}).all())
    missing = rp_uuids - set(rp_ids)
    if missing:
        raise exception.Invalid("Allocation for resource provider '%s' that does not "
                                "exist." % sorted(missing)[0])
    names = {rc for r in requests for res in r.allocations.values() for rc in res}
    rc_ids = filters.class_ids(conn, names) if names else {}
    # The consumers and what they hold now, in one read. Anything that changes a
    # consumer's allocations moves its generation: the compare-and-swap on it
    # below catches a concurrent writer this read missed.
    consumers: dict[str, tuple] = {}
    held: dict[str, list[tuple[int, int, int]]] = {}
    for row in conn.execute(_CONSUMERS_AND_HOLDINGS,
                            {"uuids": [r.consumer_uuid for r in requests]}):
        consumers[row[0]] = (row[1], row[2])
        if row[3] is not None:
            held.setdefault(row[0], []).append((row[3], row[4], row[5]))
    # Lock every provider the write touches (those asked for, those the consumers
    # hold now), in one order, before writing: concurrent writes on a provider then
    # queue on its row. Unlocked, on MariaDB, each one's INSERT share-locked the row
    # (foreign key) that its generation bump then needed exclusively: deadlocks, or
    # lost compare-and-swaps, retried until callers timed out. (SQLite: no-op.)
    touched = set(rp_ids.values()) | {h[0] for rows in held.values() for h in rows}
    generations = dict(conn.execute(_LOCK_PROVIDERS, {"ids": sorted(touched)}).all()
                       ) if touched else {}
    if len(generations) != len(touched):
        raise _ProviderRace(what="resource provider")  # deleted since: re-run
    before: dict[tuple[int, int], int] = {}
    new_rows = []
    for request in requests:
        found = consumers.get(request.consumer_uuid)
        _check_consumer_generation(request, found)
        if found is None and must_exist:
            raise exception.NotFound(
                f"No allocations for consumer '{request.consumer_uuid}'")
        if found is None and not request.allocations:
            continue
        for rp_id, rc_id, used in held.get(request.consumer_uuid, ()):
            before[(rp_id, rc_id)] = before.get((rp_id, rc_id), 0) - used
        consumer_id = _write_consumer(conn, request, found)
        for rp_uuid, resources in request.allocations.items():
            rp_id = rp_ids[rp_uuid]
            for rc, amount in resources.items():
                rc_id = rc_ids[rc]
                new_rows.append({"resource_provider_id": rp_id,
                                 "consumer_id": consumer_id,
                                 "resource_class_id": rc_id, "used": amount})
                before[(rp_id, rc_id)] = before.get((rp_id, rc_id), 0) + amount
    if new_rows:
        conn.execute(_INSERT_ALLOCATIONS, new_rows)
    grown = {key for key, delta in before.items() if delta > 0}
    _check_capacity(conn, grown, requests, rp_ids, rc_ids)
    for rp_id in sorted(touched):
        result = conn.execute(_BUMP_PROVIDER,
                              {"b_id": rp_id, "b_generation": generations[rp_id]})
        if result.rowcount != 1:
            raise _ProviderRace(what="resource provider")


def _check_consumer_generation(request, found):
    if not request.check_generation:
        return
    if found is None and request.generation is not None:
        raise ConcurrentUpdate(
            f"consumer generation conflict - expected null but got "
            f"{request.generation}")
    if found is not None and request.generation != found[1]:
        raise ConcurrentUpdate(
            f"consumer generation conflict - expected {found[1]} but got "
            f"{request.generation}")


def _write_consumer(conn, request, found) -> int | None:
    """Create, update (generation + 1) or delete (no allocations left) the
    consumer row of ``request``; its id."""
    values = {}
    if request.consumer_type is not None:
        values["consumer_type_id"] = _consumer_type_id(conn, request.consumer_type)
    if found is None:
        # A concurrent creator of the same consumer makes this a DuplicateEntry.
        return conn.execute(_INSERT_CONSUMER, dict(
            uuid=request.consumer_uuid, project_id=request.project_id,
            user_id=request.user_id, generation=1, **values)).inserted_primary_key[0]
    consumer_id, generation = found
    conn.execute(_DELETE_ALLOCATIONS, {"b_id": consumer_id})
    where = {"b_id": consumer_id, "b_generation": generation}
    if not request.allocations:
        result = conn.execute(_DELETE_CONSUMER, where)
    else:
        if request.project_id is not None:
            values["project_id"] = request.project_id
        if request.user_id is not None:
            values["user_id"] = request.user_id
        result = conn.execute(_UPDATE_CONSUMER,
                              {**where, "generation": generation + 1, **values})
    if result.rowcount != 1:
        raise _ProviderRace(what="consumer")  # written since our read: re-run
    return consumer_id


def _consumer_type_id(conn, name):
    ctype = models.ConsumerType
    found = conn.scalar(sa.select(ctype.id).where(ctype.name == name))
    if found is None:
        found = conn.execute(sa.insert(ctype).values(name=name)).inserted_primary_key[0]
    return found


def _check_capacity(conn, grown, requests, rp_ids, rc_ids):
    """Every amount asked for within its inventory's min_unit, max_unit and
    step_size; every (provider, class) whose usage grew within its capacity.
    Runs after this write's rows are in, so the usage read counts them."""
    providers = {k[0] for k in grown} | set(rp_ids.values())
    if not providers:
        return
    invs = {(row[0], row[1]): row[2:] for row in conn.execute(
        _CAPACITY, {"ids": sorted(providers)})}
    names = {v: k for k, v in rc_ids.items()}
    uuids = {v: k for k, v in rp_ids.items()}
    for request in requests:
        for rp_uuid, resources in request.allocations.items():
            rp_id = rp_ids[rp_uuid]
            for rc, amount in resources.items():
                inv = invs.get((rp_id, rc_ids[rc]))
                if inv is None:
                    raise InsufficientCapacity(
                        f"Unable to allocate inventory: Resource provider {rp_uuid} "
                        f"has no inventory of class {rc}.")
                _total, _reserved, min_unit, max_unit, step_size, _ratio, _used = inv
                if amount < min_unit or amount > max_unit or amount % step_size:
                    raise InsufficientCapacity(
                        f"Unable to allocate inventory: Unable to allocate {amount} of "
                        f"{rc} on resource provider {rp_uuid}: it violates min_unit "
                        f"({min_unit}), max_unit ({max_unit}) or step_size "
                        f"({step_size}).")
    for rp_id, rc_id in sorted(grown):
        total, reserved, _min, _max, _step, ratio, in_use = invs[(rp_id, rc_id)]
        if int(in_use) > int((total - reserved) * ratio):
            raise InsufficientCapacity(
                f"Unable to allocate inventory: Unable to create allocation for "
                f"'{names[rc_id]}' on resource provider '{uuids[rp_id]}'. The "
                "requested amount would exceed the capacity.")

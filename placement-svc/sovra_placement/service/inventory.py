"""Inventories: what a provider has of each resource class.

Every change names the provider generation it was based on and bumps it. Removing
(or replacing away) an inventory that allocations still use is an InventoryInUse.
"""

import sqlalchemy as sa

from sovra_common import exception
from sovra_common.db.schema import INT_MAX
from sovra_placement.db import models
from sovra_placement.exception import InventoryInUse
from sovra_placement.service import filters
from sovra_placement.service import resource_provider as rp_service

INV = models.Inventory
FIELDS = ("total", "reserved", "min_unit", "max_unit", "step_size", "allocation_ratio")
DEFAULTS = {"reserved": 0, "min_unit": 1, "max_unit": INT_MAX, "step_size": 1,
            "allocation_ratio": 1.0}


def with_defaults(record: dict, *, reserved_may_equal_total: bool) -> dict:
    """A full inventory record from what a client sent; Invalid if inconsistent."""
    full = {**DEFAULTS, **{k: v for k, v in record.items() if k in FIELDS}}
    if full["reserved"] > full["total"] or (
            not reserved_may_equal_total and full["reserved"] == full["total"]
            and full["total"] > 0):
        raise exception.Invalid(
            f"Unable to update inventory: reserved ({full['reserved']}) must be less "
            f"than {'or equal to ' if reserved_may_equal_total else ''}total "
            f"({full['total']}).")
    if full["min_unit"] > full["max_unit"]:
        raise exception.Invalid(f"Unable to update inventory: min_unit "
                                f"({full['min_unit']}) is greater than max_unit "
                                f"({full['max_unit']}).")
    return full


def _as_dict(inv) -> dict:
    return {f: getattr(inv, f) for f in FIELDS}


def _load_all(session, rp) -> dict[str, INV]:
    rows = session.execute(
        sa.select(models.ResourceClass.name, INV)
        .join(INV, INV.resource_class_id == models.ResourceClass.id)
        .where(INV.resource_provider_id == rp.id)).all()
    return dict(rows)


def _used_classes(session, rp) -> set[int]:
    return set(session.scalars(sa.select(models.Allocation.resource_class_id).where(
        models.Allocation.resource_provider_id == rp.id).distinct()))


def list_inventories(db, uuid):
    """(provider, {class: record})."""
    with db.reader() as session:
        rp = rp_service.load(session, uuid)
        return rp, {name: _as_dict(inv) for name, inv in _load_all(session, rp).items()}


def show_inventory(db, uuid, rc_name):
    with db.reader() as session:
        rp = rp_service.load(session, uuid)
        inv = _load_all(session, rp).get(rc_name)
        if inv is None:
            raise exception.NotFound(f"No inventory of class {rc_name} for {uuid}")
        return rp, _as_dict(inv)


def set_inventories(db, uuid, generation, records: dict[str, dict]):
    """Replace all of the provider's inventories with ``records`` (already full)."""
    with db.writer() as session:
        rp = rp_service.load(session, uuid)
        rc_ids = filters.class_ids(session, records)
        current = _load_all(session, rp)
        _replace(session, rp, current, rc_ids, records)
        rp_service.bump_generation(session, rp, generation)
        return rp, {name: dict(rec) for name, rec in records.items()}


def _replace(session, rp, current, rc_ids, records, check_in_use=True):
    gone = [inv for name, inv in current.items() if name not in records]
    in_use = _used_classes(session, rp)
    busy = sorted(name for name, inv in current.items()
                  if name not in records and inv.resource_class_id in in_use)
    if busy and check_in_use:
        raise InventoryInUse(f"Inventory for '{', '.join(busy)}' on resource provider "
                             f"'{rp.uuid}' in use.")
    for inv in gone:
        session.delete(inv)
    for name, record in records.items():
        inv = current.get(name)
        if inv is None:
            session.add(INV(resource_provider_id=rp.id, resource_class_id=rc_ids[name],
                            **record))
        else:
            for field in FIELDS:
                setattr(inv, field, record[field])
    session.flush()


def add_inventory(db, uuid, generation, rc_name, record):
    with db.writer() as session:
        rp = rp_service.load(session, uuid)
        rc_ids = filters.class_ids(session, [rc_name])
        current = _load_all(session, rp)
        if rc_name in current:
            raise exception.Conflict(f"Update conflict: Inventory for {rc_name} on "
                                     f"resource provider {uuid} already exists.")
        session.add(INV(resource_provider_id=rp.id, resource_class_id=rc_ids[rc_name],
                        **record))
        session.flush()
        rp_service.bump_generation(session, rp, generation)
        return rp, dict(record)


def update_inventory(db, uuid, generation, rc_name, record):
    with db.writer() as session:
        rp = rp_service.load(session, uuid)
        filters.class_ids(session, [rc_name])
        inv = _load_all(session, rp).get(rc_name)
        if inv is None:
            raise exception.Invalid(f"No inventory record with resource class "
                                    f"{rc_name} for resource provider {uuid}")
        for field in FIELDS:
            setattr(inv, field, record[field])
        session.flush()
        rp_service.bump_generation(session, rp, generation)
        return rp, dict(record)


def delete_inventory(db, uuid, rc_name, generation=None):
    with db.writer() as session:
        rp = rp_service.load(session, uuid)
        inv = _load_all(session, rp).get(rc_name)
        if inv is None:
            raise exception.NotFound(f"No inventory of class {rc_name} found for "
                                     "delete")
        if inv.resource_class_id in _used_classes(session, rp):
            raise InventoryInUse(f"Inventory for '{rc_name}' on resource provider "
                                 f"'{uuid}' in use.")
        session.delete(inv)
        session.flush()
        rp_service.bump_generation(session, rp,
                                   rp.generation if generation is None else generation)


def delete_inventories(db, uuid):
    with db.writer() as session:
        rp = rp_service.load(session, uuid)
        _replace(session, rp, _load_all(session, rp), {}, {})
        rp_service.bump_generation(session, rp, rp.generation)


def replace_in_session(session, rp, generation, records, *, check_in_use=True):
    """set_inventories inside the caller's writer (the reshaper moves allocations
    afterwards, so it checks usage at the end instead)."""
    rc_ids = filters.class_ids(session, records)
    _replace(session, rp, _load_all(session, rp), rc_ids, records, check_in_use)
    rp_service.bump_generation(session, rp, generation)


def check_allocations_covered(session, rp):
    """InventoryInUse if allocations use a class the provider has no inventory of."""
    have = {inv.resource_class_id for inv in _load_all(session, rp).values()}
    orphans = _used_classes(session, rp) - have
    if orphans:
        names = sorted(session.scalars(sa.select(models.ResourceClass.name).where(
            models.ResourceClass.id.in_(orphans))))
        raise InventoryInUse(f"Inventory for '{', '.join(names)}' on resource provider "
                             f"'{rp.uuid}' in use.")

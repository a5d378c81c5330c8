"""Resource providers: trees of them, with generations for optimistic concurrency.

A provider's ``generation`` changes whenever its inventory, traits, aggregates or
allocations change; writers name the generation they read and lose with a
ConcurrentUpdate (409) when it moved. The check is a compare-and-swap UPDATE, so it
holds on MySQL as on SQLite (where writers are also serialised).
"""

import uuid as uuidlib

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from sovra_common import exception
from sovra_common.db import errors as db_errors
from sovra_common.db import schema
from sovra_placement.db import models
from sovra_placement.exception import (
    CannotDeleteParent,
    ConcurrentUpdate,
    DuplicateName,
    ProviderInUse,
    ProviderNotFound,
)
from sovra_placement.service import filters

RP = models.ResourceProvider


def load(session, uuid, *, for_update=False) -> RP:
    query = sa.select(RP).where(RP.uuid == uuid)
    if for_update:
        query = query.with_for_update()
    rp = session.execute(query).scalar_one_or_none()
    if rp is None:
        raise ProviderNotFound(uuid=uuid)
    return rp


def bump_generation(session, rp: RP, expected: int) -> int:
    """Move ``rp`` from generation ``expected`` to the next; ConcurrentUpdate if it
    is not at ``expected`` any more."""
    result = session.execute(
        sa.update(RP).where(RP.id == rp.id, RP.generation == expected)
        .values(generation=expected + 1, updated_at=schema.utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConcurrentUpdate(what="resource provider")
    set_committed_value(rp, "generation", expected + 1)
    return expected + 1


def uuids_by_id(session, ids) -> dict[int, str]:
    ids = set(i for i in ids if i is not None)
    if not ids:
        return {}
    return dict(session.execute(sa.select(RP.id, RP.uuid).where(RP.id.in_(ids))).all())


def view(session, rps) -> list[dict]:
    """Plain dicts of ``rps`` with their parent's and root's uuids."""
    rps = list(rps)
    uuids = uuids_by_id(session, [r.parent_provider_id for r in rps] +
                        [r.root_provider_id for r in rps])
    return [{"uuid": r.uuid, "name": r.name, "generation": r.generation,
             "parent_provider_uuid": uuids.get(r.parent_provider_id),
             "root_provider_uuid": uuids.get(r.root_provider_id, r.uuid),
             "updated_at": r.updated_at or r.created_at}
            for r in rps]


def _duplicate(session, name, uuid):
    if session.scalar(sa.select(RP.id).where(RP.uuid == uuid)) is not None:
        return exception.Conflict(f"Conflicting resource provider uuid: {uuid} already "
                                  "exists.")
    return DuplicateName(f"Conflicting resource provider name: {name} already exists.")


def create(db, name, uuid=None, parent_uuid=None) -> dict:
    uuid = uuid or str(uuidlib.uuid4())
    try:
        with db.writer() as session:
            parent = None
            if parent_uuid is not None:
                parent = session.execute(sa.select(RP).where(RP.uuid == parent_uuid)) \
                    .scalar_one_or_none()
                if parent is None:
                    raise exception.Invalid(
                        f"The parent_provider_uuid {parent_uuid} does not exist.")
            rp = RP(uuid=uuid, name=name, generation=0,
                    parent_provider_id=parent.id if parent else None,
                    root_provider_id=parent.root_provider_id if parent else None)
            session.add(rp)
            session.flush()
            if parent is None:
                rp.root_provider_id = rp.id
                session.flush()
            return view(session, [rp])[0]
    except db_errors.DuplicateEntry:
        with db.reader() as session:
            raise _duplicate(session, name, uuid) from None


def show(db, uuid) -> dict:
    with db.reader() as session:
        return view(session, [load(session, uuid)])[0]


def _subtree_ids(session, rp: RP) -> set[int]:
    rows = session.execute(sa.select(RP.id, RP.parent_provider_id).where(
        RP.root_provider_id == rp.root_provider_id)).all()
    children: dict[int, list[int]] = {}
    for rid, parent in rows:
        children.setdefault(parent, []).append(rid)
    found, todo = set(), [rp.id]
    while todo:
        current = todo.pop()
        found.add(current)
        todo.extend(children.get(current, ()))
    return found


def update(db, uuid, name, parent_uuid=None, *, set_parent=False,
           allow_reparent=False) -> dict:
    """Rename ``uuid``; with ``set_parent``, also set its parent (None: make it a
    root). Before microversion 1.37 (``allow_reparent`` False) a parent can only be
    set on a provider that has none."""
    try:
        with db.writer() as session:
            rp = load(session, uuid)
            rp.name = name
            if set_parent:
                _set_parent(session, rp, parent_uuid, allow_reparent)
            session.flush()
            return view(session, [rp])[0]
    except db_errors.DuplicateEntry:
        raise DuplicateName(f"Conflicting resource provider name: {name} already "
                            "exists.") from None


def _set_parent(session, rp, parent_uuid, allow_reparent):
    parent = None
    if parent_uuid is not None:
        parent = session.execute(sa.select(RP).where(RP.uuid == parent_uuid)) \
            .scalar_one_or_none()
        if parent is None:
            raise exception.Invalid(f"The parent_provider_uuid {parent_uuid} does not "
                                    "exist.")
    new_parent_id = parent.id if parent else None
    if new_parent_id == rp.parent_provider_id:
        return
    if not allow_reparent:
        if rp.parent_provider_id is not None:
            what = "re-parenting" if parent else "un-parenting"
            raise exception.Invalid(f"Unable to save resource provider {rp.uuid}: "
                                    f"{what} a provider is not currently allowed.")
    subtree = _subtree_ids(session, rp)
    if parent is not None and parent.id in subtree:
        raise exception.Invalid(f"Unable to save resource provider {rp.uuid}: creating "
                                "loop in the provider tree is not allowed.")
    new_root = parent.root_provider_id if parent else rp.id
    rp.parent_provider_id = new_parent_id
    session.execute(sa.update(RP).where(RP.id.in_(subtree))
                    .values(root_provider_id=new_root)
                    .execution_options(synchronize_session=False))
    set_committed_value(rp, "root_provider_id", new_root)


def delete(db, uuid) -> None:
    with db.writer() as session:
        rp = load(session, uuid)
        if session.scalar(sa.select(models.Allocation.id).where(
                models.Allocation.resource_provider_id == rp.id).limit(1)) is not None:
            raise ProviderInUse(f"Unable to delete resource provider {uuid}: Resource "
                                "provider has allocations.")
        if session.scalar(sa.select(RP.id).where(RP.parent_provider_id == rp.id)
                          .limit(1)) is not None:
            raise CannotDeleteParent(f"Unable to delete parent resource provider "
                                     f"{uuid}: It has child resource providers.")
        for link in (models.ResourceProviderTrait, models.ResourceProviderAggregate,
                     models.Inventory):
            session.execute(sa.delete(link).where(link.resource_provider_id == rp.id))
        if rp.root_provider_id == rp.id:
            rp.root_provider_id = None
            session.flush()
        session.delete(rp)


def list_providers(db, *, name=None, uuid=None, in_tree=None, member_of=(),
                   forbidden_aggs=(), resources=None, required=(), forbidden=()) -> list:
    """Providers matching every filter given.

    ``member_of``: a list of sets of aggregate uuids (in each, any one); ``required``:
    a list of sets of trait names (in each, any one); ``resources``: {class: amount}
    the provider must have room for.
    """
    with db.reader() as session:
        query = sa.select(RP).order_by(RP.id)
        if name is not None:
            query = query.where(RP.name == name)
        if uuid is not None:
            query = query.where(RP.uuid == uuid)
        if in_tree is not None:
            tree = session.execute(sa.select(RP.root_provider_id)
                                   .where(RP.uuid == in_tree)).scalar_one_or_none()
            if tree is None:
                raise exception.Invalid(f"failed to find resource provider with uuid "
                                        f"{in_tree} (in_tree).")
            query = query.where(RP.root_provider_id == tree)
        rps = list(session.scalars(query))
        ids = {rp.id for rp in rps}
        ids = filters.by_aggregates(session, ids, member_of, forbidden_aggs)
        ids = filters.by_traits(session, ids, required, forbidden)
        if resources:
            ids &= filters.with_capacity(session, resources, ids)
        return view(session, [rp for rp in rps if rp.id in ids])

"""Provider summaries of an allocation candidates answer (each provider's
resources with capacity and usage, its traits, its place in its tree), and the
chunked reads they and the candidate search share."""

from __future__ import annotations

import sqlalchemy as sa

from sovra_placement.db import models

INV = models.Inventory
ALLOC = models.Allocation
CHUNK = 500
# Summaries of more providers than this read whole tables instead of IN lists.
WHOLE_TABLE_FROM = 2000
# Dense ids, at least this many, are read by their range rather than an IN list.
RANGE_FROM = 8


class Scoped:
    """A query over some providers, built once, whose row's ``key`` column holds
    ``column``: run per chunk of their ids (an expanding parameter), or over the
    range of ids when they are dense (every id in a range of at most twice their
    number: no IN list to render), or once over the whole table when they are
    many (one scan beats many IN lists; the caller filters)."""

    def __init__(self, query, column, key=0):
        self.whole = query
        self.by_ids = query.where(column.in_(sa.bindparam("ids", expanding=True)))
        self.by_range = query.where(column.between(sa.bindparam("lo"),
                                                   sa.bindparam("hi")))
        self.key = key

    def rows(self, conn, ids, **params) -> list:
        ids = list(ids)
        if len(ids) > WHOLE_TABLE_FROM:
            return conn.execute(self.whole, params).all()
        if len(ids) >= RANGE_FROM:
            lo, hi = min(ids), max(ids)
            if hi - lo < 2 * len(ids):
                wanted, key = set(ids), self.key
                return [row for row in conn.execute(
                    self.by_range, {**params, "lo": lo, "hi": hi}) if row[key] in wanted]
        rows = []
        for start in range(0, len(ids), CHUNK):
            rows += conn.execute(self.by_ids,
                                 {**params, "ids": ids[start:start + CHUNK]}).all()
        return rows


_LINK = models.ResourceProviderTrait
_TRAITS = Scoped(sa.select(_LINK.resource_provider_id, models.Trait.name)
                 .join(models.Trait, models.Trait.id == _LINK.trait_id),
                 _LINK.resource_provider_id)
_CLASS_NAMES = sa.select(models.ResourceClass.id, models.ResourceClass.name)
_INVENTORIES = sa.select(INV.resource_provider_id, INV.resource_class_id, INV.total,
                         INV.reserved, INV.allocation_ratio)
_ALL_INVENTORIES = Scoped(_INVENTORIES.order_by(INV.resource_class_id),
                          INV.resource_provider_id)
# Of the classes listed (not NOT IN): each is found through the class index.
_OTHER_INVENTORIES = Scoped(
    _INVENTORIES.where(INV.resource_class_id.in_(sa.bindparam("classes", expanding=True)))
    .order_by(INV.resource_class_id), INV.resource_provider_id)
_USAGE = Scoped(sa.select(ALLOC.resource_provider_id, ALLOC.resource_class_id,
                          sa.func.sum(ALLOC.used))
                .group_by(ALLOC.resource_provider_id, ALLOC.resource_class_id),
                ALLOC.resource_provider_id)


def traits_of(conn, ids) -> dict[int, set[str]]:
    result: dict[int, set[str]] = {}
    ids = list(ids)
    wanted = set(ids) if len(ids) > WHOLE_TABLE_FROM else None
    for rp_id, name in _TRAITS.rows(conn, ids):
        if wanted is None or rp_id in wanted:
            result.setdefault(rp_id, set()).add(name)
    return result


def summaries(conn, tree, ids, known_traits, known_inventory,
               requested) -> dict[int, dict]:
    """Summaries of the providers ``ids``: {id: {"uuid", "parent_id", "root_id",
    "resources": {class: (capacity, used)}, "traits": names}}. Already read in this transaction:
    ``known_traits`` {id: trait names} of some of them, ``known_inventory``
    {(id, class): (capacity, used)} of some of them for some ``requested`` classes;
    a provider known for every requested class needs only its other classes read."""
    ids = sorted(ids)
    tree.load_roots({tree.root[i] for i in ids})
    uuid_of, parent_of, root_of = tree.uuid, tree.parent, tree.root
    result = {i: {"uuid": uuid_of[i], "parent_id": parent_of[i],
                  "root_id": root_of[i], "resources": {},
                  "traits": known_traits.get(i)} for i in ids}
    rc_name = dict(conn.execute(_CLASS_NAMES).all())
    rc_id_of = {name: rc_id for rc_id, name in rc_name.items()}
    # Classes in id order (the standard classes' order), whichever query read them.
    requested = sorted(requested, key=lambda rc: rc_id_of.get(rc, -1))
    read, unread = [], []
    known = known_inventory.get
    for i in ids:
        entries = [known((i, rc)) for rc in requested]
        if None in entries:
            unread.append(i)
        else:
            read.append(i)
            result[i]["resources"] = dict(zip(requested, entries, strict=True))
    requested_ids = {rc_id_of[rc] for rc in requested if rc in rc_id_of}
    others = [rc_id for rc_id in rc_name if rc_id not in requested_ids]
    get = result.get
    mixed = set()   # read providers with other classes too: put back in id order
    for query, among, params in ((_OTHER_INVENTORIES, read, {"classes": others}),
                                 (_ALL_INVENTORIES, unread, {})):
        wanted = set(among)
        if query is _OTHER_INVENTORIES and not others:
            continue
        for rp_id, rc_id, total, reserved, ratio in query.rows(conn, among, **params):
            if rp_id in wanted:
                get(rp_id)["resources"][rc_name[rc_id]] = (
                    int((total - reserved) * ratio), 0)
                if among is read:
                    mixed.add(rp_id)
    for rp_id in mixed:
        resources = result[rp_id]["resources"]
        result[rp_id]["resources"] = dict(sorted(resources.items(),
                                                 key=lambda item: rc_id_of[item[0]]))
    for rp_id, rc_id, used in _USAGE.rows(conn, ids):
        summary = result.get(rp_id)
        if summary is not None:
            resources, rc = summary["resources"], rc_name[rc_id]
            if rc in resources:
                resources[rc] = (resources[rc][0], int(used))
    unknown = [i for i in ids if result[i]["traits"] is None]
    for rp_id, names in traits_of(conn, unknown).items():
        result[rp_id]["traits"] = names
    for i in unknown:
        if result[i]["traits"] is None:
            result[i]["traits"] = set()
    return result

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


def traits_of(conn, ids) -> dict[int, set[str]]:
    link = models.ResourceProviderTrait
    result: dict[int, set[str]] = {}
    ids = list(ids)
    held = (sa.select(link.resource_provider_id, models.Trait.name)
            .join(models.Trait, models.Trait.id == link.trait_id))
    wanted = set(ids) if len(ids) > WHOLE_TABLE_FROM else None
    for query in scoped(held, link.resource_provider_id, ids):
        for rp_id, name in conn.execute(query).all():
            if wanted is None or rp_id in wanted:
                result.setdefault(rp_id, set()).add(name)
    return result


def scoped(query, column, ids):
    """``query`` run per chunk of ``ids``, or once over the whole table (filtered
    here) when ``ids`` are many: one scan beats many IN lists."""
    if len(ids) > WHOLE_TABLE_FROM:
        return [query]
    return [query.where(column.in_(ids[start:start + CHUNK]))
            for start in range(0, len(ids), CHUNK)]


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
    rc_name = dict(conn.execute(sa.select(models.ResourceClass.id,
                                             models.ResourceClass.name)).all())
    inventories = sa.select(INV.resource_provider_id, INV.resource_class_id, INV.total,
                            INV.reserved, INV.allocation_ratio)
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
    # The other classes listed (not NOT IN): each is found through the class index.
    requested_ids = {rc_id_of[rc] for rc in requested if rc in rc_id_of}
    others = inventories.where(INV.resource_class_id.in_(
        [rc_id for rc_id in rc_name if rc_id not in requested_ids]))
    get = result.get
    mixed = set()   # read providers with other classes too: put back in id order
    for query, among in ((others, read), (inventories, unread)):
        wanted = set(among)
        for chunk in scoped(query.order_by(INV.resource_class_id),
                            INV.resource_provider_id, among):
            for rp_id, rc_id, total, reserved, ratio in conn.execute(chunk).all():
                if rp_id in wanted:
                    get(rp_id)["resources"][rc_name[rc_id]] = (
                        int((total - reserved) * ratio), 0)
                    if among is read:
                        mixed.add(rp_id)
    for rp_id in mixed:
        resources = result[rp_id]["resources"]
        result[rp_id]["resources"] = dict(sorted(resources.items(),
                                                 key=lambda item: rc_id_of[item[0]]))
    usage = (sa.select(ALLOC.resource_provider_id, ALLOC.resource_class_id,
                       sa.func.sum(ALLOC.used))
             .group_by(ALLOC.resource_provider_id, ALLOC.resource_class_id))
    for query in scoped(usage, ALLOC.resource_provider_id, ids):
        for rp_id, rc_id, used in conn.execute(query).all():
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

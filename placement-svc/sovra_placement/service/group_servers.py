"""Step 1 of the allocation candidate search: for every request group, the
providers that could serve it, found by SQL: capacity for each amount (honouring
min_unit, max_unit, step_size), the group's traits and aggregates (a provider or
its root in the aggregate), ``in_tree``, ``root_required``, and for the unsuffixed
group a tree-wide prefilter on its traits. Providers with MISC_SHARES_VIA_AGGREGATE
may serve any tree one of whose providers shares an aggregate with them."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from sovra_common import exception
from sovra_placement.db import models
from sovra_placement.service import filters
from sovra_placement.service.candidate_request import Request, RequestGroup
from sovra_placement.service.provider_tree import ProviderTree

RP = models.ResourceProvider
# A shortcut the tests turn off to check it against the general path: one capacity
# query per request group (not one per class).
_ONE_QUERY_PER_GROUP = True
# Capacity statements built for a request shape, reused by later requests of the
# same shape (building one took a third of a compute boot's GET). Only SQL: the
# key holds everything the statement is built from (the request's classes,
# amounts, traits, aggregates, the in_tree root, the sharing providers, the
# window), and no row it reads is kept. Oldest dropped first.
_STATEMENTS: dict[tuple, sa.Select] = {}
_STATEMENTS_KEPT = 256
_STATEMENTS_LOCK = threading.Lock()


class GroupServers:
    """The providers that could serve each group of ``request`` (``nested`` False:
    none that has a parent; ``sharing``: the ids of the sharing providers). What
    the queries read of a provider is kept: its root, parent and uuid in ``tree``,
    its free capacity per class in ``free``, its (capacity, used) per class in
    ``inventory``."""

    def __init__(self, session, conn, request: Request, tree: ProviderTree,
                 sharing, nested: bool):
        self.session = session
        self.conn = conn
        self.request = request
        self.tree = tree
        self.sharing = sharing
        self.nested = nested
        self.free: dict[tuple[int, str], int] = {}   # (rp, class) -> free capacity
        # (rp, class) -> (capacity, used), for the summaries
        self.inventory: dict[tuple[int, str], tuple[int, int]] = {}
        self._tree_roots: dict[str, int] = {}

    def _where(self, group: RequestGroup, rp=RP, correlated=False) -> list:
        """SQL clauses (on ``rp``) a provider serving ``group`` must pass
        (``correlated``: shaped for a query over few providers)."""
        clauses = []

        def trait(column, names):
            return filters.with_trait(column, names, correlated)

        def agg(column, uuids):
            return filters.in_aggregates(column, uuids, correlated)

        if not self.nested:
            clauses.append(rp.parent_provider_id.is_(None))
        for any_of in group.member_of:
            clauses.append(sa.or_(agg(rp.id, any_of), agg(rp.root_provider_id, any_of)))
        if group.forbidden_aggs:
            banned = group.forbidden_aggs
            clauses.append(sa.not_(sa.or_(agg(rp.id, banned),
                                          agg(rp.root_provider_id, banned))))
        if group.in_tree is not None:
            clauses.append(rp.root_provider_id == self._tree_root(group.in_tree))
        if group.forbidden:
            clauses.append(sa.not_(trait(rp.id, group.forbidden)))
        tree_wide = []
        if group.use_same_provider:
            clauses += [trait(rp.id, any_of) for any_of in group.required]
        elif not self.sharing:
            # The unsuffixed group's traits may be anywhere in its providers' tree:
            # keep the trees that have them at all (checked precisely per candidate).
            other = aliased(RP)
            for any_of in group.required:
                if correlated:
                    tree_wide.append(sa.exists(sa.select(sa.literal(1)).where(
                        other.root_provider_id == rp.root_provider_id,
                        trait(other.id, any_of))))
                else:
                    tree_wide.append(rp.root_provider_id.in_(
                        sa.select(other.root_provider_id).where(trait(other.id, any_of))))
        request = self.request
        tree_wide += [trait(rp.root_provider_id, any_of)
                      for any_of in request.root_required]
        if request.root_forbidden:
            tree_wide.append(sa.not_(trait(rp.root_provider_id, request.root_forbidden)))
        if tree_wide:
            if self.sharing:  # a sharing provider serves other trees than its own
                clauses.append(sa.or_(sa.and_(*tree_wide), rp.id.in_(self.sharing)))
            else:
                clauses += tree_wide
        return clauses

    def _tree_root(self, uuid) -> int:
        """The root id of the tree of provider ``uuid`` (in_tree)."""
        if uuid not in self._tree_roots:
            root = self.session.scalar(sa.select(RP.root_provider_id)
                                       .where(RP.uuid == uuid))
            if root is None:
                raise exception.Invalid(f"No resource provider with uuid {uuid} "
                                        "found (in_tree).")
            self._tree_roots[uuid] = root
        return self._tree_roots[uuid]

    def _shape(self, group: RequestGroup) -> tuple:
        """Everything :meth:`_where` builds ``group``'s clauses from."""
        request = self.request
        return (self.nested, frozenset(self.sharing), group.use_same_provider,
                tuple(frozenset(s) for s in group.member_of),
                frozenset(group.forbidden_aggs),
                None if group.in_tree is None else self._tree_root(group.in_tree),
                frozenset(group.forbidden), tuple(frozenset(s) for s in group.required),
                tuple(frozenset(s) for s in request.root_required),
                frozenset(request.root_forbidden))

    def candidate_roots(self) -> list[int]:
        """Roots of the trees with a provider for every part of every group (a
        necessary condition, computed by the database), in id order."""
        selects = []
        for group in self.request.groups:
            where = self._where(group)
            rc_ids = filters.class_ids(self.session, group.resources)
            for rc, amount in group.resources.items():
                query = filters.capacity_query(rc_ids[rc], amount, where)
                selects.append(query.with_only_columns(RP.root_provider_id))
            if not group.resources:
                selects.append(sa.select(RP.root_provider_id).where(*where))
        combined = sa.intersect(*selects) if len(selects) > 1 else selects[0]
        return sorted(self.session.scalars(combined))

    def servers(self, group: RequestGroup, roots=None, window=None) -> dict[str, set[int]]:
        """{class: provider ids} for ``group`` (granular: one key, "*", for all),
        among the trees of ``roots`` or of the root ids in ``window`` (lo, hi)."""
        rc_ids = filters.class_ids(self.conn, group.resources)

        def clauses():
            where = self._where(group, correlated=window is not None)
            inv_where = []
            if roots is not None:
                where.append(RP.root_provider_id.in_(roots))
            if window is not None:
                where.append(RP.root_provider_id.between(*window))
                # Drives the query from the window's providers, not the whole class.
                inv_where.append(filters.INV.resource_provider_id.in_(
                    sa.select(RP.id).where(RP.root_provider_id.between(*window))))
            return where, inv_where
        per_class = {rc: set() for rc in group.resources}
        free, root_of, parent_of = self.free, self.tree.root, self.tree.parent
        inventory = self.inventory
        if _ONE_QUERY_PER_GROUP and len(group.resources) > 1:
            # Every class in one query, one row per provider (its filters evaluated
            # once): (id, root, parent, uuid, then capacity (and usage) per class).
            # Over every tree, the usage is read apart in one grouped pass (not
            # looked up per provider and class); over a window or a batch of
            # trees, through each provider's (provider, class) key.
            classes = list(group.resources)
            usage = filters.usage_by_provider(self.conn, rc_ids.values()) if (
                roots is None and window is None) else None
            amounts = {rc_ids[rc]: group.resources[rc] for rc in classes}
            key = None if roots is not None else (
                self._shape(group), tuple(amounts.items()), usage is None, window)
            statement = _STATEMENTS.get(key) if key is not None else None
            if statement is None:
                statement = filters.capacity_by_provider_query(
                    amounts, clauses()[0], with_usage=usage is None)
                if key is not None:
                    with _STATEMENTS_LOCK:
                        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
                            del _STATEMENTS[next(iter(_STATEMENTS))]
                        _STATEMENTS[key] = statement
            step = 2 if usage is None else 1
            columns = [(rc, rc_ids[rc], 4 + step * k, per_class[rc], group.resources[rc])
                       for k, rc in enumerate(classes)]
            uuid_of = self.tree.uuid
            for row in self.conn.execute(statement).all():
                rp_id = row[0]
                root_of[rp_id], parent_of[rp_id], uuid_of[rp_id] = row[1], row[2], row[3]
                for rc, rc_id, n, served, amount in columns:
                    if row[n] is None:
                        continue
                    # int(capacity) - used >= amount holds exactly when capacity >=
                    # used + amount does: both sides but capacity are integers.
                    capacity = int(row[n])
                    used = int(row[n + 1]) if usage is None else usage.get((rp_id, rc_id), 0)
                    if capacity - used >= amount:
                        key = (rp_id, rc)
                        free[key] = capacity - used
                        inventory[key] = (capacity, used)
                        served.add(rp_id)
            rows = ()
        else:
            where, inv_where = clauses()
            rows = [(row[0], rc, *row[1:]) for rc, amount in group.resources.items()
                    for row in filters.capacity_rows(self.conn, rc_ids[rc], amount,
                                                     where=where + inv_where,
                                                     correlated=window is not None)]
        for rp_id, rc, capacity, used, root, parent in rows:
            capacity, used = int(capacity), int(used)
            free[(rp_id, rc)] = capacity - used
            inventory[(rp_id, rc)] = (capacity, used)
            root_of[rp_id] = root
            parent_of[rp_id] = parent
            per_class[rc].add(rp_id)
        if not group.use_same_provider:
            return per_class
        if group.resources:
            both = set.intersection(*per_class.values())
        else:  # a resourceless group: any provider passing its filters
            both = set()
            for rp_id, root, parent in self.session.execute(
                    sa.select(RP.id, RP.root_provider_id, RP.parent_provider_id)
                    .where(*clauses()[0])):
                self.tree.note(rp_id, root, parent)
                both.add(rp_id)
        return {"*": both}

"""Allocation candidates: which sets of providers could satisfy a request.

The request is one or more request groups (``RequestGroup``): the unsuffixed group,
whose resources may come from several providers of one tree, and suffixed
(granular) groups, each satisfied by exactly one provider. How candidates are built:

1. For every group, the providers that could serve it, found by SQL: capacity for
   each amount (honouring min_unit, max_unit, step_size), the group's traits and
   aggregates (a provider or its root in the aggregate), ``in_tree``,
   ``root_required``, and for the unsuffixed group a tree-wide prefilter on its
   traits. Providers with MISC_SHARES_VIA_AGGREGATE may serve any tree one of
   whose providers shares an aggregate with them.
2. Trees (by root) that have a server for every part of every group.
3. Per tree, the combinations of one server per part, lazily, kept when they fit
   (the amounts a provider gets from several parts fit its free capacity),
   ``group_policy=isolate`` holds, the unsuffixed group's traits hold over its
   providers (the union of their traits), and ``same_subtree`` holds. Duplicates
   are dropped.

Generation stops at ``limit`` (unless randomising) or at the configured cap, so a
wide tree cannot make a request run away. With a small limit, trees are taken in
windows of root ids (SQL shaped for few providers), so the answer costs about the
same at 100,000 providers as at 1,000 when matches are common.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import threading

import os_traits
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from sovra_common import exception
from sovra_placement.db import models
from sovra_placement.service import filters, provider_summary

RP = models.ResourceProvider
# Up to this many candidates wanted (a limit), the search first tries _WINDOWS
# windows of _WINDOW root ids, in order, before listing every tree that could serve.
_WINDOWED_UP_TO = 50
_WINDOW = 256
_WINDOWS = 4
# Shortcuts the tests turn off to check them against the general path: one capacity
# query per request group (not one per class), and the one-provider candidate builder.
_ONE_QUERY_PER_GROUP = True
_ONE_PROVIDER_BUILDER = True
# Capacity statements built for a request shape, reused by later requests of the
# same shape (building one took a third of a compute boot's GET). Only SQL: the
# key holds everything the statement is built from (the request's classes,
# amounts, traits, aggregates, the in_tree root, the sharing providers, the
# window), and no row it reads is kept. Oldest dropped first.
_STATEMENTS: dict[tuple, sa.Select] = {}
_STATEMENTS_KEPT = 256
_STATEMENTS_LOCK = threading.Lock()
_MEMBERS = sa.select(RP.id, RP.uuid, RP.parent_provider_id, RP.root_provider_id)
_TREE_MEMBERS = provider_summary.Scoped(_MEMBERS, RP.root_provider_id, key=3)
_CHILDREN = _MEMBERS.where(RP.parent_provider_id.is_not(None))
_UUIDS = provider_summary.Scoped(sa.select(RP.id, RP.uuid), RP.id)
_ROOT_RANGE = sa.select(sa.select(sa.func.min(RP.root_provider_id)).scalar_subquery(),
                        sa.select(sa.func.max(RP.root_provider_id)).scalar_subquery())


@dataclasses.dataclass
class RequestGroup:
    suffix: str = ""
    resources: dict[str, int] = dataclasses.field(default_factory=dict)
    required: list[set[str]] = dataclasses.field(default_factory=list)
    forbidden: set[str] = dataclasses.field(default_factory=set)
    member_of: list[set[str]] = dataclasses.field(default_factory=list)
    forbidden_aggs: set[str] = dataclasses.field(default_factory=set)
    in_tree: str | None = None

    @property
    def use_same_provider(self) -> bool:
        return self.suffix != ""


@dataclasses.dataclass
class Request:
    groups: list[RequestGroup]
    group_policy: str | None = None
    limit: int | None = None
    root_required: list[set[str]] = dataclasses.field(default_factory=list)
    root_forbidden: set[str] = dataclasses.field(default_factory=set)
    same_subtree: list[list[str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class Candidate:
    allocations: dict[int, dict[str, int]]   # provider id -> {class: amount}
    mappings: dict[str, list[int]]           # group suffix -> provider ids


@dataclasses.dataclass
class Result:
    candidates: list[Candidate]
    providers: dict[int, dict]   # id -> provider_summary.summaries' summary


class _Tree:
    """What the search knows of provider trees, loaded as it goes: the providers
    found by capacity queries, and whole trees when they are needed."""

    def __init__(self, conn):
        self.conn = conn
        self.uuid: dict[int, str] = {}
        self.parent: dict[int, int | None] = {}
        self.root: dict[int, int] = {}
        self.members: dict[int, list[int]] = {}

    def note(self, rp_id, root, parent):
        self.root[rp_id] = root
        self.parent[rp_id] = parent

    def load_roots(self, roots) -> None:
        """Every provider of the trees rooted at ``roots``."""
        roots = [r for r in set(roots) if r not in self.members]
        if len(roots) <= provider_summary.WHOLE_TABLE_FROM:
            for root in roots:
                self.members[root] = []
            for rp_id, uuid, parent, root in _TREE_MEMBERS.rows(self.conn, roots):
                self._add(rp_id, uuid, parent, root)
            return
        # Many trees: their roots, and their other providers among all that have a
        # parent (none on a flat cloud); only the roots' uuids not yet known are read.
        wanted = set(roots)
        for root in roots:
            self.members[root] = [root]
            self.root[root] = root
            self.parent[root] = None
        for rp_id, uuid, parent, root in self.conn.execute(_CHILDREN).all():
            if root in wanted:
                self._add(rp_id, uuid, parent, root)
        unknown = [r for r in roots if r not in self.uuid]
        self.uuid.update(_UUIDS.rows(self.conn, unknown))

    def _add(self, rp_id, uuid, parent, root) -> None:
        self.uuid[rp_id] = uuid
        self.root[rp_id] = root
        self.parent[rp_id] = parent
        self.members[root].append(rp_id)

    def is_within(self, rp_id: int, ancestor: int) -> bool:
        while rp_id is not None:
            if rp_id == ancestor:
                return True
            rp_id = self.parent.get(rp_id)
        return False


class _Search:
    def __init__(self, session, request: Request, cap: int, randomize: bool,
                 nested: bool, with_mappings: bool):
        self.session = session
        self.nested = nested
        self.with_mappings = with_mappings
        self.request = request
        self.cap = cap
        self.randomize = randomize
        # Core queries on the session's connection: rows come back as tuples,
        # without the ORM's per-row work (thousands of rows per request).
        self.conn = session.connection()
        self.tree = _Tree(self.conn)
        self.free: dict[tuple[int, str], int] = {}   # (rp, class) -> free capacity
        # (rp, class) -> (capacity, used), for the summaries
        self.inventory: dict[tuple[int, str], tuple[int, int]] = {}
        self.sharing = filters.trait_holders(self.conn, [os_traits.MISC_SHARES_VIA_AGGREGATE])
        self._sharing_roots: dict[int, set[int]] = {}
        self._trait_cache: dict[int, set[str]] = {}
        self._tree_roots: dict[str, int] = {}
        # Trait sets the unsuffixed group's providers must hold between them.
        self._tree_traits = [any_of for g in request.groups if not g.use_same_provider
                             for any_of in g.required]
        self._resourceless = any(not g.resources for g in request.groups)

    def traits(self, rp_id) -> set[str]:
        if rp_id not in self._trait_cache:
            self.preload_traits([rp_id])
        return self._trait_cache[rp_id]

    def known_traits(self) -> dict[int, set[str]]:
        return self._trait_cache

    def preload_traits(self, ids):
        ids = [i for i in set(ids) if i not in self._trait_cache]
        found = provider_summary.traits_of(self.conn, ids)
        for i in ids:
            self._trait_cache[i] = found.get(i, set())

    # -- step 1: servers per group ---------------------------------------------------

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

    # -- step 2: trees ---------------------------------------------------------------

    def anchors(self, rp_id) -> set[int]:
        """Roots of the trees ``rp_id`` can serve."""
        root = self.tree.root[rp_id]
        if rp_id not in self.sharing:
            return {root}
        if rp_id not in self._sharing_roots:
            link = models.ResourceProviderAggregate
            mine = sa.select(link.aggregate_id).where(link.resource_provider_id == rp_id)
            self._sharing_roots[rp_id] = {root} | set(self.session.scalars(
                sa.select(RP.root_provider_id).join(link, link.resource_provider_id == RP.id)
                .where(link.aggregate_id.in_(mine)).distinct()))
        return self._sharing_roots[rp_id]

    def by_root(self, ids) -> dict[int, list[int]]:
        result: dict[int, list[int]] = {}
        root_of, sharing = self.tree.root, self.sharing
        for rp_id in sorted(ids):
            if rp_id in sharing:
                for root in self.anchors(rp_id):
                    result.setdefault(root, []).append(rp_id)
            elif (root := root_of[rp_id]) in result:
                result[root].append(rp_id)
            else:
                result[root] = [rp_id]
        return result

    def root_ok(self, root) -> bool:
        if not (self.request.root_required or self.request.root_forbidden):
            return True
        traits = self.traits(root)
        return (all(traits & any_of for any_of in self.request.root_required)
                and not traits & self.request.root_forbidden)

    # -- step 3: combinations --------------------------------------------------------

    def run(self) -> list[Candidate]:
        """Candidates. When few are wanted (a small limit, no randomising, no
        sharing providers), trees are examined window by window of root ids, in
        order, and the search stops as soon as it has enough; otherwise every tree
        that could serve is examined in one pass (up to the cap)."""
        want = self.cap
        if self.request.limit is not None and not self.randomize:
            want = min(want, self.request.limit)
        found: list[Candidate] = []
        seen: set = set()
        if self.sharing or self.randomize or want > _WINDOWED_UP_TO:
            self._run_batch(None, want, found, seen)
            return found
        # Every root is its own root: the lowest and highest root ids, each read
        # from the index's end (one aggregate per subquery, or SQLite scans).
        lowest, highest = self.conn.execute(_ROOT_RANGE).one()
        if lowest is None:
            return found
        done = lowest - 1
        for _ in range(_WINDOWS):
            if done >= highest:
                return found
            window = (done + 1, done + _WINDOW)
            done = window[1]
            if self._run_batch(None, want, found, seen, window):
                return found
        # Matches are sparse: let the database name the trees that could serve.
        roots = [r for r in self.candidate_roots() if r > done]
        batch = max(2 * want, 64)
        for start in range(0, len(roots), batch):
            if self._run_batch(roots[start:start + batch], want, found, seen):
                break
        return found

    def _run_batch(self, batch, want, found, seen, window=None) -> bool:
        """Add the candidates of the trees of ``batch`` (None: all trees, or those
        of the root ids in ``window``) to ``found``; True once ``want`` are found."""
        parts = []   # (group, class or "*", {root: [providers]})
        unsuffixed_servers = []
        for group in self.request.groups:
            for key, ids in self.servers(group, batch, window).items():
                parts.append((group, key, self.by_root(ids)))
                if not group.use_same_provider:
                    unsuffixed_servers.append(ids)
        if not parts:
            return False
        roots = set.intersection(*(set(p[2]) for p in parts))
        roots = [r for r in batch if r in roots] if batch is not None else sorted(roots)
        if self.request.root_required or self.request.root_forbidden:
            self.preload_traits(roots)
            roots = [r for r in roots if self.root_ok(r)]
        unsuffixed = [g for g in self.request.groups if not g.use_same_provider]
        if any(g.required for g in unsuffixed):
            self.preload_traits(set().union(*unsuffixed_servers))
        if self.randomize and batch is None:
            random.shuffle(roots)
        # Per part: its group's suffix and the amounts it asks for.
        plan = [(group.suffix, tuple(group.resources.items()) if key == "*"
                 else ((key, group.resources[key]),)) for group, key, _ in parts]
        by_root = [p[2] for p in parts]
        same_subtree, sharing = self.request.same_subtree, self.sharing
        single = None if sharing else self._single_provider(plan)
        first_part, other_parts = by_root[0], by_root[1:]
        for root in roots:
            if same_subtree:
                self.tree.load_roots([root])  # ancestors, for is_within
            first = first_part[root]
            if (single is not None and len(first) == 1
                    and all(servers[root] == first for servers in other_parts)):
                # Every part has one server in this tree, the same provider (a flat
                # request): the one candidate, checked as _build would.
                candidate = single(first[0])
                if candidate is not None:
                    found.append(candidate)
                    if len(found) >= want:
                        return True
                continue
            choices = [servers[root] for servers in by_root]
            if not sharing and all(len(c) == 1 for c in choices):
                # One combination, of providers only this tree has: no duplicate.
                candidate = self._build(plan, [c[0] for c in choices])
                if candidate is not None:
                    found.append(candidate)
                    if len(found) >= want:
                        return True
                continue
            for combo in itertools.product(*choices):
                candidate = self._build(plan, combo)
                if candidate is None:
                    continue
                key = tuple(sorted((rp, rc, n) for rp, res in candidate.allocations.items()
                                   for rc, n in res.items()))
                if self.with_mappings:
                    key = (key, tuple(sorted((k, tuple(v))
                                             for k, v in candidate.mappings.items())))
                if key in seen:
                    continue
                seen.add(key)
                found.append(candidate)
                if len(found) >= want:
                    return True
        return False

    def _single_provider(self, plan):
        """For ``plan`` served wholly by one provider: a function giving the
        candidate on a provider (or None when it has no room or misses the
        unsuffixed group's traits), what _build gives for that provider in every
        part; None when _build's other checks could matter."""
        request = self.request
        if not _ONE_PROVIDER_BUILDER or request.same_subtree or self._resourceless:
            return None
        suffixes = list(dict.fromkeys(suffix for suffix, _ in plan))
        if request.group_policy == "isolate" and sum(1 for s in suffixes if s) > 1:
            return None
        if self._tree_traits and "" not in suffixes:
            return None
        merged: dict[str, int] = {}
        for _, amounts in plan:
            for rc, amount in amounts:
                merged[rc] = merged.get(rc, 0) + amount
        wanted = tuple(merged.items())
        free, tree_traits, traits = self.free, self._tree_traits, self.traits
        known_traits = self._trait_cache

        def build(rp_id):
            for rc, amount in wanted:
                if amount > free.get((rp_id, rc), 0):
                    return None
            if tree_traits:
                held = known_traits.get(rp_id)
                if held is None:
                    held = traits(rp_id)
                for any_of in tree_traits:
                    if held.isdisjoint(any_of):
                        return None
            return Candidate({rp_id: dict(merged)}, {s: [rp_id] for s in suffixes})
        return build

    def _build(self, plan, combo) -> Candidate | None:
        """The candidate giving each part of ``plan`` (suffix, amounts) to the
        provider ``combo`` names for it, or None when it does not hold."""
        allocations: dict[int, dict[str, int]] = {}
        mappings: dict[str, list[int]] = {}
        free = self.free
        for (suffix, amounts), rp_id in zip(plan, combo, strict=True):
            mapped = mappings.get(suffix)
            if mapped is None:
                mappings[suffix] = [rp_id]
            elif rp_id not in mapped:
                mapped.append(rp_id)
            res = allocations.get(rp_id)
            if res is None:
                res = allocations[rp_id] = {}
            for rc, amount in amounts:
                total = res.get(rc, 0) + amount
                if total > free.get((rp_id, rc), 0):
                    return None
                res[rc] = total
        if self.request.group_policy == "isolate":
            used = [rp for s, m in mappings.items() if s != "" for rp in m]
            if len(used) != len(set(used)):
                return None
        if self._tree_traits:
            unsuffixed = mappings.get("", ())
            if len(unsuffixed) == 1:
                traits = self.traits(unsuffixed[0])
            else:
                traits = set().union(*(self.traits(rp) for rp in unsuffixed))
            for any_of in self._tree_traits:
                if not traits & any_of:
                    return None
        for suffixes in self.request.same_subtree:
            chosen = {rp for s in suffixes for rp in mappings.get(s, [])}
            if not any(all(self.tree.is_within(rp, top) for rp in chosen)
                       for top in chosen):
                return None
        if self._resourceless:  # its provider is mapped but given nothing
            for rp_id in [rp for rp, res in allocations.items() if not res]:
                del allocations[rp_id]
        return Candidate(allocations, mappings)


def find(db, request: Request, *, cap: int, randomize: bool = False,
         whole_trees: bool = True, nested: bool = True,
         with_mappings: bool = True) -> Result:
    """Candidates for ``request`` and summaries of the providers they involve.

    ``whole_trees``: summarise every provider of the candidates' trees (1.29), not
    only those in candidates. ``nested`` False (before 1.29) uses no provider that
    has a parent. ``with_mappings`` False (before 1.34) drops candidates that differ
    only in which group each provider serves.
    """
    with db.reader() as session:
        for group in request.groups:
            filters.check_traits_exist(
                session, set().union(*group.required, group.forbidden))
        filters.check_traits_exist(session, set().union(*request.root_required,
                                                        request.root_forbidden))
        search = _Search(session, request, cap, randomize, nested, with_mappings)
        candidates = search.run()
        tree = search.tree
        if randomize and request.limit is not None:
            candidates = candidates[:request.limit]
        involved = {rp for c in candidates for rp in c.allocations}
        tree.load_roots({tree.root[rp] for rp in involved})
        if whole_trees:
            involved |= {m for rp in list(involved)
                         for m in tree.members.get(tree.root[rp], ())}
        requested = {rc for group in request.groups for rc in group.resources}
        return Result(candidates, provider_summary.summaries(
            search.conn, tree, involved, search.known_traits(), search.inventory,
            requested))

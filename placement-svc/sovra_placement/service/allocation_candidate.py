"""Allocation candidates: which sets of providers could satisfy a request.

The request is one or more request groups (``candidate_request``): the unsuffixed
group, whose resources may come from several providers of one tree, and suffixed
(granular) groups, each satisfied by exactly one provider. How candidates are built:

1. For every group, the providers that could serve it, found by SQL
   (``group_servers``): capacity for each amount, the group's traits and
   aggregates, ``in_tree``, ``root_required``. Providers with
   MISC_SHARES_VIA_AGGREGATE may serve any tree one of whose providers shares an
   aggregate with them.
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

import os_traits
import sqlalchemy as sa

from sovra_placement.db import models
from sovra_placement.service import filters, provider_summary
from sovra_placement.service.candidate_request import Request
from sovra_placement.service.group_servers import GroupServers
from sovra_placement.service.provider_tree import ProviderTree

RP = models.ResourceProvider
# Up to this many candidates wanted (a limit), the search first tries _WINDOWS
# windows of _WINDOW root ids, in order, before listing every tree that could serve.
_WINDOWED_UP_TO = 50
_WINDOW = 256
_WINDOWS = 4
# A shortcut the tests turn off to check it against the general path: the
# one-provider candidate builder.
_ONE_PROVIDER_BUILDER = True
_ROOT_RANGE = sa.select(sa.select(sa.func.min(RP.root_provider_id)).scalar_subquery(),
                        sa.select(sa.func.max(RP.root_provider_id)).scalar_subquery())


@dataclasses.dataclass(slots=True)
class Candidate:
    allocations: dict[int, dict[str, int]]   # provider id -> {class: amount}
    mappings: dict[str, list[int]]           # group suffix -> provider ids


@dataclasses.dataclass
class Result:
    candidates: list[Candidate]
    providers: dict[int, dict]   # id -> provider_summary.summaries' summary


class _Search:
    def __init__(self, session, request: Request, cap: int, randomize: bool,
                 nested: bool, with_mappings: bool):
        self.session = session
        self.with_mappings = with_mappings
        self.request = request
        self.cap = cap
        self.randomize = randomize
        # Core queries on the session's connection: rows come back as tuples,
        # without the ORM's per-row work (thousands of rows per request).
        self.conn = session.connection()
        self.tree = ProviderTree(self.conn)
        self.sharing = filters.trait_holders(self.conn, [os_traits.MISC_SHARES_VIA_AGGREGATE])
        self.group_servers = GroupServers(session, self.conn, request, self.tree,
                                          self.sharing, nested)
        self.free = self.group_servers.free          # (rp, class) -> free capacity
        self.inventory = self.group_servers.inventory   # (rp, class) -> (capacity, used)
        self._sharing_roots: dict[int, set[int]] = {}
        self._trait_cache: dict[int, set[str]] = {}
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
        roots = [r for r in self.group_servers.candidate_roots() if r > done]
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
            for key, ids in self.group_servers.servers(group, batch, window).items():
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

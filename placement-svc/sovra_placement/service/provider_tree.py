"""What the allocation candidate search knows of provider trees: each provider's
root, parent and uuid, and the members of whole trees, loaded as it goes."""

from __future__ import annotations

import sqlalchemy as sa

from sovra_placement.db import models
from sovra_placement.service import provider_summary

RP = models.ResourceProvider
_MEMBERS = sa.select(RP.id, RP.uuid, RP.parent_provider_id, RP.root_provider_id)
_TREE_MEMBERS = provider_summary.Scoped(_MEMBERS, RP.root_provider_id, key=3)
_CHILDREN = _MEMBERS.where(RP.parent_provider_id.is_not(None))
_UUIDS = provider_summary.Scoped(sa.select(RP.id, RP.uuid), RP.id)


class ProviderTree:
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

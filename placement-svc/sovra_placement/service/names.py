"""Resource classes and traits share one shape: a table of names, the standard ones
(from os-resource-classes / os-traits) and CUSTOM_* ones an operator adds.

``NameTable`` is that shape, bound to a model; ``resource_class.py`` and
``trait.py`` hold one each, plus what differs between them.
"""

import re

import sqlalchemy as sa

from sovra_common import exception
from sovra_common.db import errors as db_errors

CUSTOM_RE = re.compile(r"^CUSTOM_[A-Z0-9_]+$")


class NameTable:
    def __init__(self, model, kind: str, standard):
        self.model = model
        self.kind = kind
        self._standard = standard
        self._standard_set = frozenset(standard())

    def is_standard(self, name: str) -> bool:
        return name in self._standard_set

    def sync_standard(self, db) -> None:
        """Insert the standard names this database does not have yet."""
        with db.writer() as session:
            have = set(session.scalars(sa.select(self.model.name)))
            missing = [n for n in self._standard() if n not in have]
            if missing:
                session.execute(sa.insert(self.model), [{"name": n} for n in missing])

    def ids(self, session, names, *, strict=True) -> dict[str, int]:
        """name -> id for ``names``; with ``strict`` an unknown name is an Invalid."""
        names = set(names)
        if not names:
            return {}
        rows = session.execute(sa.select(self.model.name, self.model.id)
                               .where(self.model.name.in_(names))).all()
        found = dict(rows)
        if strict and len(found) != len(names):
            missing = ", ".join(sorted(names - set(found)))
            raise exception.Invalid(f"No such {self.kind}(s): {missing}.")
        return found

    def names_by_id(self, session) -> dict[int, str]:
        return dict(session.execute(sa.select(self.model.id, self.model.name)).all())

    def exists(self, session, name: str) -> bool:
        return session.scalar(sa.select(self.model.id).where(self.model.name == name)) \
            is not None

    def get(self, session, name: str):
        row = session.execute(sa.select(self.model).where(self.model.name == name)) \
            .scalar_one_or_none()
        if row is None:
            raise exception.NotFound(f"No such {self.kind}: {name}.")
        return row

    def create(self, session, name: str):
        """Add custom ``name``; DuplicateEntry (Conflict) if it exists."""
        if not CUSTOM_RE.match(name):
            raise exception.Invalid(f"{self.kind} name {name!r} must match "
                                    f"{CUSTOM_RE.pattern}.")
        try:
            obj = self.model(name=name)
            session.add(obj)
            session.flush()
        except db_errors.DuplicateEntry:
            raise
        return obj

"""The list machinery every collection shares: filters, tag filters, sorting and
keyset pagination over a ``select()`` of one model.

Resources declare what may be filtered and sorted on as ``{api name: column}``
dicts; :func:`list_rows` does the rest. Filters with several values match any of
them; values arrive as strings and are converted by the column's type (booleans
from ``true``/``false``, integers from digits). Unknown filters were dropped before
(the API layer ignores them, as Neutron does without filter validation).
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Boolean, Integer, and_, false, or_, select, true

from sovra_common import exception
from sovra_common.db import schema
from sovra_network.db.models.base import Tag


@dataclasses.dataclass
class ListSpec:
    """What to list: ``filters`` {api name: [string values]}, ``tags`` {tags,
    tags-any, not-tags, not-tags-any: [tags]}, ``sorts`` [(api name, asc|desc)],
    ``limit`` (None: all), ``marker`` (an id), ``page_reverse``."""

    filters: dict = dataclasses.field(default_factory=dict)
    tags: dict = dataclasses.field(default_factory=dict)
    sorts: list = dataclasses.field(default_factory=list)
    limit: int | None = None
    marker: str | None = None
    page_reverse: bool = False


def _convert(column, value: str):
    kind = column.type
    if isinstance(kind, Boolean):
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise exception.Invalid(f"Invalid input for {column.key}: {value!r} is not a "
                                "boolean.")
    if isinstance(kind, Integer):
        try:
            return int(value)
        except ValueError:
            raise exception.Invalid(f"Invalid input for {column.key}: {value!r} is not "
                                    "an integer.") from None
    return value


def _filter_clause(column, values):
    converted = [_convert(column, v) for v in values]
    if isinstance(column.type, Integer):
        # An integer past the database's 64-bit range matches no row (and the
        # database could not take it).
        converted = [v for v in converted if schema.BIGINT_MIN <= v <= schema.BIGINT_MAX]
        if not converted:
            return false()
    if len(converted) == 1:
        return column == converted[0]
    return column.in_(converted)


def _tag_clauses(model, resource_type: str, tags: dict):
    def having(tag):
        return select(Tag.resource_id).where(
            Tag.resource_type == resource_type, Tag.tag == tag,
            Tag.resource_id == model.id).exists()

    clauses = []
    for tag in tags.get("tags", []):
        clauses.append(having(tag))
    if tags.get("tags-any"):
        clauses.append(or_(*(having(t) for t in tags["tags-any"])))
    if tags.get("not-tags"):
        clauses.append(~and_(*(having(t) for t in tags["not-tags"])))
    for tag in tags.get("not-tags-any", []):
        clauses.append(~having(tag))
    return clauses


def list_rows(session, model, resource_type: str, spec: ListSpec, *,
              filter_columns: dict, sort_columns: dict, visible=None,
              options=()) -> tuple[list, bool]:
    """Rows of ``model`` matching ``spec`` and the ``visible`` clause (the caller's
    view of the collection), and whether more rows follow in the paging direction.

    Sorting is by ``spec.sorts`` then ``id`` (so pages are stable); a marker that
    does not exist is a 404 as in Neutron (NotFound).
    """
    stmt = select(model).options(*options)
    if visible is not None:
        stmt = stmt.where(visible)
    for name, values in spec.filters.items():
        column = filter_columns.get(name)
        if column is not None and values:
            stmt = stmt.where(_filter_clause(column, values))
    for clause in _tag_clauses(model, resource_type, spec.tags):
        stmt = stmt.where(clause)

    keys = []
    for name, direction in spec.sorts:
        column = sort_columns.get(name)
        if column is None:
            raise exception.Invalid(f"{name} is invalid attribute for sort_key")
        keys.append((column, direction))
    if not any(column is model.id for column, _ in keys):
        keys.append((model.id, keys[-1][1] if keys else "asc"))
    if spec.page_reverse:
        keys = [(c, "desc" if d == "asc" else "asc") for c, d in keys]

    if spec.marker is not None:
        marker = session.get(model, spec.marker)
        if marker is None:
            raise exception.NotFound(f"Marker {spec.marker} could not be found.")
        stmt = stmt.where(_after(keys, marker))
    stmt = stmt.order_by(*(c.asc() if d == "asc" else c.desc() for c, d in keys))
    if spec.limit is not None and spec.limit < schema.BIGINT_MAX:
        # (a larger limit, one the database could not take, is no limit at all)
        stmt = stmt.limit(spec.limit + 1)
    rows = list(session.scalars(stmt))
    more = spec.limit is not None and len(rows) > spec.limit
    if more:
        rows = rows[:spec.limit]
    if spec.page_reverse:
        rows.reverse()
    return rows, more


def _after(keys, marker):
    """Rows strictly after ``marker`` in the order ``keys`` (keyset pagination)."""
    clauses = []
    for i, (column, direction) in enumerate(keys):
        value = getattr(marker, column.key)
        equal = [c == getattr(marker, c.key) for c, _ in keys[:i]]
        if value is None:
            # NULLs sort first ascending (SQLite and MySQL): every non-NULL is after.
            step = column.isnot(None) if direction == "asc" else false()
        else:
            step = (column > value) if direction == "asc" else (
                or_(column < value, column.is_(None)))
        clauses.append(and_(*equal, step) if equal else step)
    return or_(*clauses) if clauses else true()

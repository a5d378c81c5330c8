"""Turning API dicts into what cliff's formatters print.

cliff renders ``-f table|json|yaml|value|csv`` and selects ``-c`` columns; these
helpers only shape the data: one object as (fields, values) for a ShowOne, many as
(headers, rows) for a Lister. Nested values stay structured for json/yaml and read
as ``key='value', ...`` / ``a, b`` in a table, value or csv.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cliff import columns as cliff_columns


class DictColumn(cliff_columns.FormattableColumn):
    def human_readable(self) -> str:
        return ", ".join(f"{k}='{_plain(v)}'" for k, v in sorted((self._value or {}).items()))


class ListColumn(cliff_columns.FormattableColumn):
    def human_readable(self) -> str:
        return ", ".join(_plain(v) for v in (self._value or []))


def _plain(value) -> str:
    if isinstance(value, dict):
        return DictColumn(value).human_readable()
    if isinstance(value, (list, tuple)):
        return ListColumn(list(value)).human_readable()
    return "" if value is None else str(value)


def cell(value):
    """A value ready for any formatter: structures wrapped, scalars as they are."""
    if isinstance(value, dict):
        return DictColumn(value)
    if isinstance(value, (list, tuple)):
        return ListColumn(list(value))
    return value


def show(obj: dict, fields: Sequence[str] | None = None,
         exclude: Iterable[str] = ("links",)) -> tuple[tuple, tuple]:
    """(fields, values) of one object: ``fields`` in that order, else every key sorted
    (without ``exclude``)."""
    if fields is None:
        skip = set(exclude)
        fields = sorted(k for k in obj if k not in skip)
    return tuple(fields), tuple(cell(obj.get(f)) for f in fields)


def listing(items: Iterable[dict], columns: Sequence[tuple[str, str]]
            ) -> tuple[tuple, list]:
    """(headers, rows) for ``columns`` [(header, key)]; a key may be dotted
    (``"domain.name"``) to reach into a nested dict."""
    headers = tuple(h for h, _ in columns)
    rows = [tuple(cell(_lookup(item, key)) for _, key in columns) for item in items]
    return headers, rows


def _lookup(item: dict, key: str):
    value = item
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value

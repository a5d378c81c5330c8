"""List requests as Neutron takes them, for every collection.

Query string: any attribute as a filter (``?name=a&name=b`` matches either),
``fields`` (repeatable: only those attributes come back), ``sort_key``/``sort_dir``
(repeatable, paired), ``limit``/``marker``/``page_reverse`` (keyset pagination),
and the tag filters ``tags``, ``tags-any``, ``not-tags``, ``not-tags-any`` (each a
comma-separated list). Filters a resource does not have are ignored, as Neutron
does without the filter-validation extension.

With a limit, the response carries ``<collection>_links``: ``next`` when more items
follow, ``previous`` when the request had a marker, each a link to the same query
with the new marker (Neutron's shape; openstacksdk follows ``next``).
"""

from __future__ import annotations

import urllib.parse

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_network.db.api.query import ListSpec

_RESERVED = {"fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse",
             "tags", "tags-any", "not-tags", "not-tags-any"}
TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")


def parse(req) -> tuple[ListSpec, list[str]]:
    """The request's ListSpec and its ``fields`` ([]: all)."""
    args = req.args
    filters = {key: args.getlist(key) for key in args if key not in _RESERVED}
    if "tenant_id" in filters:
        filters.setdefault("project_id", []).extend(filters.pop("tenant_id"))
    tags = {}
    for key in TAG_FILTERS:
        values = [t for v in args.getlist(key) for t in v.split(",") if t]
        if values:
            tags[key] = values
    keys, dirs = args.getlist("sort_key"), args.getlist("sort_dir")
    if dirs and len(dirs) != len(keys):
        raise exception.Invalid("The number of sort_keys and sort_dirs must be same")
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise exception.Invalid(f"{direction} is invalid value for sort_dir")
    sorts = list(zip(keys, dirs or ["asc"] * len(keys), strict=True))
    limit = _limit(req, args.get("limit"))
    page_reverse = args.get("page_reverse", "false").lower() == "true"
    fields = [f for v in args.getlist("fields") for f in v.split(",") if f]
    spec = ListSpec(filters=filters, tags=tags, sorts=sorts, limit=limit,
                    marker=args.get("marker") or None, page_reverse=page_reverse)
    return spec, fields


def _limit(req, raw) -> int | None:
    cap = req.state.conf.network.pagination_max_limit
    if raw is None or raw == "":
        return cap if cap > 0 else None
    try:
        limit = int(raw)
    except ValueError:
        raise exception.Invalid(f"Limit must be an integer 0 or greater and not "
                                f"'{raw}'") from None
    if limit < 0:
        raise exception.Invalid(f"Limit must be an integer 0 or greater and not "
                                f"'{raw}'")
    if limit == 0:
        return cap if cap > 0 else None
    return min(limit, cap) if cap > 0 else limit


def select_fields(item: dict, fields: list[str]) -> dict:
    if not fields:
        return item
    return {key: value for key, value in item.items() if key in fields}


def _link(req, rel, marker, page_reverse) -> dict:
    params = [(k, v) for k in req.args for v in req.args.getlist(k)
              if k not in ("marker", "page_reverse")]
    params.append(("marker", marker))
    if page_reverse:
        params.append(("page_reverse", "True"))
    href = f"{req.base_url}?{urllib.parse.urlencode(params)}"
    return {"rel": rel, "href": href}


def respond(req, collection: str, items: list[dict], spec: ListSpec, more: bool,
            fields: list[str]):
    """The list response: ``{collection: [...], collection_links: [...]}``.

    ``items`` are the full views, in page order; ``more``: whether items follow in
    the direction the page was read (db.api.query.list_rows says).
    """
    body = {collection: [select_fields(i, fields) for i in items]}
    if spec.limit is not None:
        links = []
        forward_more = more if not spec.page_reverse else spec.marker is not None
        backward_more = spec.marker is not None if not spec.page_reverse else more
        if items and forward_more:
            links.append(_link(req, "next", items[-1]["id"], False))
        if items and backward_more:
            links.append(_link(req, "previous", items[0]["id"], True))
        body[f"{collection}_links"] = links
    return json_response(body)

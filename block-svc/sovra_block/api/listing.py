"""List requests as the Block Storage API takes them, for volumes, snapshots and
attachments.

Query string: ``limit``, ``marker`` (the last id of the previous page),
``offset``, ``sort`` (``key:dir,key2``) or ``sort_key``/``sort_dir``;
``all_tenants`` (admins: every project; with ``project_id``, that one); any other
parameter the resource allows is a filter (``name``, ``status``, ``metadata`` as a
JSON object...). Unknown filters are ignored, as the API does. With a limit and
more to come the body carries ``<collection>_links`` with a ``next`` link.
"""

from __future__ import annotations

import ast
import json
import urllib.parse

from sovra_common import exception

_PAGING = {"limit", "marker", "offset", "sort", "sort_key", "sort_dir",
           "all_tenants", "with_count"}
MAX_LIMIT = 1000


def _bool(value) -> bool:
    return str(value).lower() in ("1", "true", "t", "yes", "y", "on")


def parse_json_dict(raw: str, name: str) -> dict:
    """``metadata={"k": "v"}`` (JSON, or the Python-literal form older clients send)."""
    for parser in (json.loads, ast.literal_eval):
        try:
            value = parser(raw)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
    raise exception.Invalid(f"Invalid input received: {name} must be a JSON object.")


class ListRequest:
    """``filters``: the filters the resource allows; of them, ``object_filters``
    take a JSON object (parsed here, once: a value that is not one is a 400 even
    when nothing is listed)."""

    def __init__(self, req, *, sort_keys: tuple[str, ...], filters: tuple[str, ...],
                 object_filters: tuple[str, ...] = ()):
        args = req.args
        self.all_tenants = _bool(args.get("all_tenants", "0")) and req.context.is_admin
        self.project_id = args.get("project_id") if self.all_tenants else None
        self.filters = {key: (parse_json_dict(args[key], key) if key in object_filters
                              else args.get(key))
                        for key in args if key not in _PAGING and key in filters}
        self.marker = args.get("marker") or None
        self.limit = self._int(args.get("limit"), "limit")
        self.offset = self._int(args.get("offset"), "offset") or 0
        self.sorts = self._sorts(args, sort_keys)

    @staticmethod
    def _int(raw, name):
        if raw in (None, ""):
            return None
        try:
            value = int(raw)
        except ValueError:
            raise exception.Invalid(f"Invalid input received: {name} must be an "
                                    f"integer, got {raw!r}.") from None
        if value < 0:
            raise exception.Invalid(f"Invalid input received: {name} must be >= 0.")
        return value

    @staticmethod
    def _sorts(args, allowed) -> list[tuple[str, str]]:
        pairs = []
        if args.get("sort"):
            for item in args["sort"].split(","):
                key, _, direction = item.strip().partition(":")
                pairs.append((key, direction or "desc"))
        elif args.get("sort_key"):
            keys = args["sort_key"].split(",")
            dirs = (args.get("sort_dir") or "desc").split(",")
            dirs += [dirs[-1]] * (len(keys) - len(dirs))
            pairs = list(zip(keys, dirs, strict=False))
        for key, direction in pairs:
            if key not in allowed:
                raise exception.Invalid(f"Invalid input received: Invalid sort key "
                                        f"{key!r}.")
            if direction not in ("asc", "desc"):
                raise exception.Invalid(f"Invalid input received: Invalid sort "
                                        f"direction {direction!r}.")
        return pairs or [("created_at", "desc")]

    def sort(self, items: list[dict]) -> list[dict]:
        """Sort views (dicts) by the requested keys, ``id`` last (stable pages)."""
        items = sorted(items, key=lambda v: v["id"])
        for key, direction in reversed(self.sorts):
            items.sort(key=lambda v, k=key: (v.get(k) is None, str(v.get(k) or "")),
                       reverse=direction == "desc")
        return items

    def page(self, items: list[dict]) -> tuple[list[dict], bool]:
        """The requested page of sorted items, and whether more follow."""
        if self.marker is not None:
            ids = [v["id"] for v in items]
            if self.marker not in ids:
                raise exception.NotFound(f"Marker {self.marker} could not be found.")
            items = items[ids.index(self.marker) + 1:]
        items = items[self.offset:]
        limit = min(self.limit, MAX_LIMIT) if self.limit is not None else MAX_LIMIT
        return items[:limit], len(items) > limit


def paged_body(req, spec: ListRequest, key: str, views: list[dict], *, path: str,
               brief=None, presorted: bool = False) -> dict:
    """``{key: [the requested page], key + "_links": [next]}`` from every matching
    view; ``brief`` turns a shown view into the list's short form; ``path`` is the
    collection's path for the next link."""
    page, more = spec.page(views if presorted else spec.sort(views))
    body = {key: [brief(v) for v in page] if brief else page}
    if more and page:
        body[f"{key}_links"] = next_link(req, path, page[-1]["id"])
    return body


def next_link(req, collection: str, last_id: str) -> list[dict]:
    params = [(k, v) for k, v in req.args.items(multi=True) if k != "marker"]
    params.append(("marker", last_id))
    base = req.host_url.rstrip("/") + "/v3/" + req.context.project_id + "/" + collection
    return [{"rel": "next", "href": base + "?" + urllib.parse.urlencode(params)}]


def links(req, collection: str, item_id: str) -> list[dict]:
    host = req.host_url.rstrip("/")
    project = req.context.project_id
    return [{"rel": "self", "href": f"{host}/v3/{project}/{collection}/{item_id}"},
            {"rel": "bookmark", "href": f"{host}/{project}/{collection}/{item_id}"}]


def one_action(req, actions: dict) -> tuple[str, object]:
    """The one action of an action body: its name (a key of ``actions``, the
    action's schema) and its arguments, validated."""
    from sovra_common.wsgi import validation
    body = req.json_body()
    if not isinstance(body, dict) or len(body) != 1 or next(iter(body)) not in actions:
        raise exception.Invalid("Invalid input received: the body must name one action "
                                f"of {', '.join(sorted(actions))}.")
    (name, args), = body.items()
    validation.validate(actions[name], body)
    return name, args

"""What the services' every-route tests share: request bodies that no route may
take, a route's path with its parameters filled in, and the walk of every GET
with nonsense query strings. Each test adds the bodies of its own API's shape
(members of the wrong types) to BAD_BODIES."""

import re

#: bodies that are not JSON, or no route's JSON (name: bytes)
BAD_BODIES = {
    "malformed": b"{not json",
    "truncated": b'{"a": [1,',
    "not an object": b"[1, 2, 3]",
    "null": b"null",
    "a string": b'"text"',
    "a number": b"12",
    "unknown members only": b'{"nothing": {"at": "all"}}',
    "invalid utf-8": b'{"name": "\xff\xfe"}',
    "deeply nested": b"[" * 40_000 + b"]" * 40_000,
}


def fill(path: str, ids: dict) -> str:
    """``path`` with each ``<param>`` replaced by ``ids[param]``."""
    return re.sub(r"<([^>]+)>", lambda m: str(ids[m.group(1)]), path)


def server_errors_of_queries(get, routes: dict, bad_query: dict) -> list[str]:
    """GET every route of the table ``routes`` that has a GET, with all of
    ``bad_query`` at once and with each parameter alone (so that one refused
    does not hide another); ``get(path, params)`` makes the request, ``path``
    the route's as in the table (its parameters to fill). What answered with a
    5xx, one line each."""
    wrong = []
    for path, methods in routes.items():
        if "GET" not in methods:
            continue
        for params in [bad_query, *({name: value} for name, value in bad_query.items())]:
            resp = get(path, params)
            if resp.status_code >= 500:
                wrong.append(f"GET {path} {params if len(params) == 1 else 'all'}: "
                             f"{resp.status_code} {resp.text[:160]}")
    return wrong

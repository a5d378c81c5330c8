"""Links and small helpers shared by the handlers' views."""

import flask

from sovra_common import exception


def base_url() -> str:
    return flask.request.host_url.rstrip("/")


def links(collection: str, resource_id: str) -> list[dict]:
    base = base_url()
    return [{"rel": "self", "href": f"{base}/v2.1/{collection}/{resource_id}"},
            {"rel": "bookmark", "href": f"{base}/{collection}/{resource_id}"}]


def isotime(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def pagination_links(collection: str, items: list, limit: int | None,
                     id_key: str = "id") -> list[dict]:
    """A ``next`` link when a page came back full."""
    if not limit or len(items) < limit:
        return []
    args = dict(flask.request.args)
    args.update(limit=str(limit), marker=items[-1][id_key])
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return [{"rel": "next", "href": f"{base_url()}/v2.1/{collection}?{query}"}]


_TRUE = ("1", "true", "t", "yes", "y", "on")
_FALSE = ("0", "false", "f", "no", "n", "off")


def bool_param(value: str, name: str) -> bool:
    """A strict boolean query value (400 on anything else)."""
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise exception.Invalid(
        f"Unrecognized value '{value}' for {name}, acceptable values are: "
        "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'")


def may(req, rule, target=None) -> bool:
    """Whether the caller passes ``rule`` (a second check after the handler's own,
    for what a body shows)."""
    try:
        req.authorize(rule, target)
    except exception.Forbidden:
        return False
    return True

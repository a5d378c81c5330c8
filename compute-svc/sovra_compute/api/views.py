"""Links and small helpers shared by the handlers' views."""

import flask


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

"""os-simple-tenant-usage: what servers used over a period (start, end: ISO times,
default now). From 2.40 the servers are paged (limit, marker); before, a report
stops silently at the page size, as upstream does."""

from __future__ import annotations

import datetime

from sovra_common import exception
from sovra_common.db import schema
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import views
from sovra_compute.api.policies import simple_tenant_usage as policies
from sovra_compute.api.schemas import simple_tenant_usage as schemas
from sovra_compute.service import simple_tenant_usage

_MAX_LIMIT = 1000
_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")


def _time(value: str | None, name: str) -> datetime.datetime:
    if not value:
        return schema.utcnow()
    for fmt in _FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).replace(tzinfo=datetime.UTC)
        except ValueError:
            continue
    try:  # any other ISO 8601 time (openstacksdk sends an offset)
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise exception.Invalid(f"Invalid {name} time.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _query(req):
    mv = req.microversion
    query = req.query(schemas.QUERY_V2_40 if mv.matches("2.40") else schemas.QUERY)
    start, end = _time(query.get("start"), "start"), _time(query.get("end"), "end")
    if not start < end:
        raise exception.Invalid("Invalid start time. The start time cannot occur "
                                "after the end time.")
    limit = _MAX_LIMIT
    if mv.matches("2.40") and "limit" in query:
        limit = min(int(query["limit"]), _MAX_LIMIT)
    marker = query.get("marker") if mv.matches("2.40") else None
    return query, start, end, limit, marker


def _links(req, collection, servers, limit):
    if not req.microversion.matches("2.40"):
        return []
    return views.pagination_links(collection, [{"id": s} for s in servers], limit)


def list_usages(req):
    query, start, end, limit, marker = _query(req)
    req.authorize(policies.LIST)
    detailed = views.bool_param(query["detailed"], "detailed") \
        if query.get("detailed") else False
    usages, servers = simple_tenant_usage.usages(
        req.state.extras["db"], start=start, end=end, limit=limit, marker=marker,
        detailed=detailed)
    body = {"tenant_usages": usages}
    links = _links(req, "os-simple-tenant-usage", servers, limit)
    if links:
        body["tenant_usages_links"] = links
    return json_response(body)


def show_usage(req, tenant_id):
    _, start, end, limit, marker = _query(req)
    req.authorize(policies.SHOW, {"project_id": tenant_id})
    usages, servers = simple_tenant_usage.usages(
        req.state.extras["db"], start=start, end=end, project_id=tenant_id,
        limit=limit, marker=marker)
    body = {"tenant_usage": usages[0] if usages else {}}
    links = _links(req, f"os-simple-tenant-usage/{tenant_id}", servers, limit)
    if links:
        body["tenant_usage_links"] = links
    return json_response(body)

"""GET /os-migrations: the moves of servers (cold migrations, resizes), admin only.

From 2.23 each shows its ``migration_type``; from 2.59 its ``uuid``, and the list
pages (limit, marker: a migration uuid, ``migrations_links``) and filters on the
last update (``changes-since``; ``changes-before`` from 2.66); from 2.80 the
``user_id`` and ``project_id`` that asked for it (and filters on them).
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import views
from sovra_compute.api.policies import migration as policies
from sovra_compute.api.schemas import migration as schemas
from sovra_compute.service import instance_list
from sovra_compute.service import migration as migration_service

_MAX_LIMIT = 1000


def _flavor_id(value):
    """Upstream shows the flavors' integer ids: a numeric flavorid as a number."""
    return int(value) if value is not None and value.isdigit() else value


def _view(req, migration) -> dict:
    shown = {key: migration[key] for key in ("id", "instance_uuid", "status",
                                             "source_compute", "source_node",
                                             "dest_compute", "dest_node")}
    shown.update(dest_host=None,  # the destination's address: not recorded
                 old_instance_type_id=_flavor_id(migration["old_flavor_id"]),
                 new_instance_type_id=_flavor_id(migration["new_flavor_id"]),
                 created_at=views.isotime(migration["created_at"]),
                 updated_at=views.isotime(migration["updated_at"]))
    mv = req.microversion
    if mv.matches("2.23"):
        shown["migration_type"] = migration["migration_type"]
        shown["links"] = []  # only in-progress live migrations have some
    if mv.matches("2.59"):
        shown["uuid"] = migration["uuid"]
    if mv.matches("2.80"):
        shown["user_id"] = migration["user_id"]
        shown["project_id"] = migration["project_id"]
    return shown


def list_migrations(req):
    mv = req.microversion
    schema = (schemas.LIST_QUERY_V2_80 if mv.matches("2.80") else
              schemas.LIST_QUERY_V2_66 if mv.matches("2.66") else
              schemas.LIST_QUERY_V2_59 if mv.matches("2.59") else schemas.LIST_QUERY)
    query = req.query(schema)
    req.authorize(policies.LIST, {"project_id": req.context.project_id})
    filters = {key: query[key] for key in (*migration_service.EXACT_FILTERS, "host")
               if key in query and key in schema["properties"]}
    hidden = views.bool_param(query["hidden"], "hidden") if "hidden" in query \
        else False
    since = before = limit = None
    if mv.matches("2.59"):
        if "changes-since" in query:
            since = instance_list.parse_time(query["changes-since"], "changes-since")
        if "changes-before" in query:
            before = instance_list.parse_time(query["changes-before"],
                                              "changes-before")
            if since and before < since:
                raise exception.Invalid("The value of changes-since must be less "
                                        "than or equal to changes-before.")
        if "limit" in query:
            limit = min(int(query["limit"]), _MAX_LIMIT)
    migrations = migration_service.list_(
        req.state.extras["db"], filters=filters, hidden=hidden, limit=limit,
        marker=query.get("marker") if mv.matches("2.59") else None,
        changes_since=since, changes_before=before)
    body = {"migrations": [_view(req, m) for m in migrations]}
    if mv.matches("2.59"):
        links = views.pagination_links("os-migrations", migrations, limit,
                                       id_key="uuid")
        if links:
            body["migrations_links"] = links
    return json_response(body)

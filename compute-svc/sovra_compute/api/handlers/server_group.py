"""os-server-groups: sets of servers with a placement policy.

Before 2.64 a group has ``policies`` (a list of one) and empty ``metadata``; from
2.64 one ``policy`` and its ``rules`` (max_server_per_host, for anti-affinity).
Soft policies from 2.15; project_id and user_id from 2.13. Servers join a group on
create with the ``group`` scheduler hint. The API keeps groups and members; the
scheduler does not place members by the policy yet (see service/server_group.py).
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.db import schema
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import views
from sovra_compute.api.policies import server_group as policies
from sovra_compute.api.schemas import server_group as schemas
from sovra_compute.service import quota, server_group

_MAX_LIMIT = 1000


def _db(req):
    return req.state.extras["db"]


def _view(req, group) -> dict:
    mv = req.microversion
    shown = {"id": group["uuid"], "name": group["name"]}
    if mv.matches("2.64"):
        shown.update(policy=group["policy"], rules=group["rules"])
    else:
        shown.update(policies=[group["policy"]], metadata={})
    shown["members"] = group["members"]
    if mv.matches("2.13"):
        shown.update(project_id=group["project_id"], user_id=group["user_id"])
    return shown


def list_server_groups(req):
    query = req.query(schemas.LIST_QUERY_V2_75 if req.microversion.matches("2.75")
                      else schemas.LIST_QUERY)
    target = {"project_id": req.context.project_id}
    req.authorize(policies.LIST, target)
    project_id = req.context.project_id
    if "all_projects" in query and (query["all_projects"] == "" or views.bool_param(
            query["all_projects"], "all_projects")) and views.may(
            req, policies.LIST_ALL, target):
        project_id = None
    limit = min(int(query["limit"]), _MAX_LIMIT) if "limit" in query else _MAX_LIMIT
    groups = server_group.list_(_db(req), project_id=project_id, limit=limit,
                                # past every group: an empty page, not an
                                # OFFSET the database cannot hold
                                offset=min(int(query.get("offset", 0)),
                                           schema.INT_MAX))
    return json_response({"server_groups": [_view(req, g) for g in groups]})


def _create_schema(version):
    if version.matches("2.64"):
        return schemas.CREATE_V2_64
    return schemas.CREATE_V2_15 if version.matches("2.15") else schemas.CREATE


def create_server_group(req):
    body = req.json_body(_create_schema(req.microversion))["server_group"]
    req.authorize(policies.CREATE, {"project_id": req.context.project_id})
    policy = body["policy"] if "policy" in body else body["policies"][0]
    rules = {}
    if body.get("rules"):
        if policy != "anti-affinity":
            raise exception.Invalid("Only anti-affinity policy supports rules.")
        rules = {"max_server_per_host": int(body["rules"]["max_server_per_host"])}
    db = _db(req)
    limit = quota.limits(db, req.state.conf, req.context.project_id)["server_groups"]
    with quota.locked(req.state.extras["coordinator"], req.context.project_id):
        group = server_group.create(db, req.context, name=body["name"], policy=policy,
                                    rules=rules, max_groups=limit)
    return json_response({"server_group": _view(req, group)})


def show_server_group(req, group_id):
    group = server_group.get(_db(req), group_id)
    req.authorize(policies.SHOW, {"project_id": group["project_id"]})
    return json_response({"server_group": _view(req, group)})


def delete_server_group(req, group_id):
    group = server_group.get(_db(req), group_id)
    req.authorize(policies.DELETE, {"project_id": group["project_id"]})
    server_group.delete(_db(req), group_id)
    return json_response(None, status=204)

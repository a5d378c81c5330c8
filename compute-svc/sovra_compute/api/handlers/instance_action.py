"""A server's instance actions: GET /servers/{id}/os-instance-actions[/{request_id}].

From 2.21 the actions of a deleted server can still be read; from 2.58 the list
pages (limit, marker: a request id) and filters on the last update; from 2.51 the
owner sees an action's events (tracebacks stay for admins); from 2.62 events carry
the obfuscated ``hostId``, and ``host`` for admins; from 2.84 a failed event's
``details`` (its fault message).
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import server_view, views
from sovra_compute.api.policies import instance_action as policies
from sovra_compute.api.schemas import instance_action as schemas
from sovra_compute.service import instance as instance_service
from sovra_compute.service import instance_action, instance_list

_MAX_LIMIT = 1000


def _db(req):
    return req.state.extras["db"]


def _authorize(req, server_id, rule) -> str:
    """The server's project, after ``rule``; another project's server is a 404."""
    project_id = instance_action.owner(_db(req), server_id,
                                       deleted=req.microversion.matches("2.21"))
    try:
        req.authorize(rule, {"project_id": project_id})
    except exception.Forbidden:
        if project_id != req.context.project_id:
            raise instance_service.InstanceNotFound(uuid=server_id) from None
        raise
    return project_id


def _action(req, action) -> dict:
    shown = {key: action[key] for key in ("action", "instance_uuid", "request_id",
                                          "user_id", "project_id", "message")}
    shown["start_time"] = views.isotime(action["start_time"])
    if req.microversion.matches("2.58"):
        shown["updated_at"] = views.isotime(action["updated_at"])
    return shown


def list_instance_actions(req, server_id):
    mv = req.microversion
    query = {}
    if mv.matches("2.58"):
        query = req.query(schemas.LIST_QUERY_V2_66 if mv.matches("2.66")
                          else schemas.LIST_QUERY_V2_58)
    _authorize(req, server_id, policies.LIST)
    since = before = None
    if query.get("changes-since"):
        since = instance_list.parse_time(query["changes-since"][-1], "changes-since")
    if query.get("changes-before"):
        before = instance_list.parse_time(query["changes-before"][-1], "changes-before")
        if since and before < since:
            raise exception.Invalid("The value of changes-since must be less than or "
                                    "equal to changes-before.")
    limit = min(int(query["limit"]), _MAX_LIMIT) if "limit" in query else None
    actions = instance_action.list_(_db(req), server_id, limit=limit,
                                    marker=query.get("marker"), changes_since=since,
                                    changes_before=before)
    body = {"instanceActions": [_action(req, a) for a in actions]}
    links = views.pagination_links(f"servers/{server_id}/os-instance-actions",
                                   body["instanceActions"], limit, id_key="request_id")
    if links:
        body["links"] = links
    return json_response(body)


def show_instance_action(req, server_id, request_id):
    mv = req.microversion
    project_id = _authorize(req, server_id, policies.SHOW)
    action = instance_action.get(_db(req), server_id, request_id)
    shown = _action(req, action)
    admin = views.may(req, policies.EVENTS, {"project_id": project_id})
    if admin or mv.matches("2.51"):
        shown["events"] = [_event(req, event, action["project_id"] or project_id,
                                  admin) for event in action["events"]]
    return json_response({"instanceAction": shown})


def _event(req, event, project_id, admin) -> dict:
    shown = {"event": event["event"], "start_time": views.isotime(event["start_time"]),
             "finish_time": views.isotime(event["finish_time"]),
             "result": event["result"]}
    if admin:
        shown["traceback"] = event["traceback"]
    if req.microversion.matches("2.62"):
        if admin:
            shown["host"] = event["host"]
        shown["hostId"] = server_view.host_id(project_id, event["host"])
    if req.microversion.matches("2.84"):
        shown["details"] = event["details"]
    return shown

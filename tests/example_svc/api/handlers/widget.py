"""Widget handlers: validate -> authorize -> service -> serialise."""

from example_svc.api.policies import widget as policies
from example_svc.api.schemas import widget as schemas
from example_svc.service import widget as widget_service
from sovra_common.wsgi.routes import json_response


def _db(req):
    return req.state.extras["db"]


def _view(req, widget):
    shown = {"id": widget["id"], "name": widget["name"], "size": widget["size"],
             "project_id": widget["project_id"]}
    if req.microversion.matches("1.1"):
        shown["description"] = widget["description"]
    return shown


def list_widgets(req):
    query = req.query(schemas.LIST_QUERY)
    req.authorize(policies.LIST)
    name = query.get("name") if req.microversion.matches("1.2") else None
    limit = int(query["limit"]) if "limit" in query else None
    widgets = widget_service.list_(_db(req), project_id=req.context.project_id, name=name,
                                   limit=limit)
    return json_response({"widgets": [_view(req, w) for w in widgets]})


def create_widget(req):
    schema = schemas.CREATE_V1_1 if req.microversion.matches("1.1") else schemas.CREATE_V1_0
    body = req.json_body(schema)["widget"]
    req.authorize(policies.CREATE, {"project_id": req.context.project_id})
    widget = widget_service.create(_db(req), req.context.project_id, body["name"],
                                   size=body.get("size", 1),
                                   description=body.get("description"))
    return json_response({"widget": _view(req, widget)}, status=201)


def show_widget(req, widget_id):
    widget = widget_service.get(_db(req), widget_id)
    req.authorize(policies.SHOW, {"project_id": widget["project_id"]})
    return json_response({"widget": _view(req, widget)})


def delete_widget(req, widget_id):
    widget = widget_service.get(_db(req), widget_id)
    req.authorize(policies.DELETE, {"project_id": widget["project_id"]})
    widget_service.delete(_db(req), widget_id)
    return json_response(None, status=204)

"""/v3/credentials"""

from sovra_common.wsgi.routes import json_response
from sovra_identity.api import views
from sovra_identity.api.policies import credential as policies
from sovra_identity.api.schemas import credential as schemas
from sovra_identity.service import credential as credential_service


def _view(req, row):
    return {"id": row.id, "user_id": row.user_id, "project_id": row.project_id,
            "type": row.type,
            "blob": views.backend(req).credentials.decrypt(row.encrypted_blob),
            "links": views.link(req, f"credentials/{row.id}")}


def list_credentials(req):
    query = req.query(schemas.LIST)
    ctx = req.context
    if not (ctx.is_admin or ctx.system_scope):
        query["user_id"] = ctx.user_id  # users list their own
    req.authorize(policies.LIST, views.target(user_id=query.get("user_id")))
    rows = credential_service.list_(views.backend(req).db, user_id=query.get("user_id"),
                                    type_=query.get("type"))
    return json_response(views.collection(req, "credentials",
                                          [_view(req, r) for r in rows], "credentials"))


def create_credential(req):
    body = req.json_body(schemas.CREATE)["credential"]
    req.authorize(policies.CREATE, views.target(user_id=body["user_id"]))
    b = views.backend(req)
    row = credential_service.create(b.db, b.credentials, user_id=body["user_id"],
                                    type_=body["type"], blob=body["blob"],
                                    project_id=body.get("project_id"))
    return json_response({"credential": _view(req, row)}, status=201)


def show_credential(req, credential_id):
    row = credential_service.get(views.backend(req).db, credential_id)
    req.authorize(policies.GET, views.target(user_id=row.user_id))
    return json_response({"credential": _view(req, row)})


def update_credential(req, credential_id):
    body = req.json_body(schemas.UPDATE)["credential"]
    b = views.backend(req)
    row = credential_service.get(b.db, credential_id)
    req.authorize(policies.UPDATE, views.target(user_id=row.user_id))
    row = credential_service.update(b.db, b.credentials, credential_id, body)
    return json_response({"credential": _view(req, row)})


def delete_credential(req, credential_id):
    b = views.backend(req)
    row = credential_service.get(b.db, credential_id)
    req.authorize(policies.DELETE, views.target(user_id=row.user_id))
    credential_service.delete(b.db, credential_id)
    return json_response(None, status=204)

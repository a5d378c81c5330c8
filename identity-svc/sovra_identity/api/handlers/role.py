"""/v3/roles, implied roles (/v3/roles/{prior}/implies/{implied}, /v3/role_inferences)"""

from sovra_common.wsgi.routes import json_response
from sovra_identity.api import views
from sovra_identity.api.policies import role as policies
from sovra_identity.api.schemas import resource as schemas
from sovra_identity.service import role as role_service


def list_roles(req):
    query = req.query(schemas.LIST_ROLES)
    req.authorize(policies.LIST, views.target(domain_id=query.get("domain_id")
                                              or req.context.domain_id))
    rows = role_service.list_(views.backend(req).db, name=query.get("name"),
                              domain_id=query.get("domain_id"))
    return json_response(views.collection(req, "roles", [views.role(req, r) for r in rows],
                                          "roles"))


def create_role(req):
    body = req.json_body(schemas.CREATE_ROLE)["role"]
    req.authorize(policies.CREATE, views.target(domain_id=body.get("domain_id")))
    row = role_service.create(views.backend(req).db, name=body["name"],
                              domain_id=body.get("domain_id"),
                              description=body.get("description"))
    return json_response({"role": views.role(req, row)}, status=201)


def show_role(req, role_id):
    row = role_service.get(views.backend(req).db, role_id)
    req.authorize(policies.GET, views.target(domain_id=row.domain_id
                                             or req.context.domain_id))
    return json_response({"role": views.role(req, row)})


def update_role(req, role_id):
    body = req.json_body(schemas.UPDATE_ROLE)["role"]
    b = views.backend(req)
    row = role_service.get(b.db, role_id)
    req.authorize(policies.UPDATE, views.target(domain_id=row.domain_id))
    row = role_service.update(b.db, role_id, {k: body[k] for k in ("name", "description")
                                              if k in body})
    return json_response({"role": views.role(req, row)})


def delete_role(req, role_id):
    b = views.backend(req)
    row = role_service.get(b.db, role_id)
    req.authorize(policies.DELETE, views.target(domain_id=row.domain_id))
    role_service.delete(b.db, b.revoker, role_id)
    return json_response(None, status=204)


def _inference(req, prior, implied):
    return {"role_inference": {"prior_role": views.role_ref(req, prior),
                               "implies": views.role_ref(req, implied)},
            "links": views.link(req, f"roles/{prior.id}/implies/{implied.id}")}


def create_implied_role(req, prior_role_id, implied_role_id):
    req.authorize(policies.CREATE_IMPLIED, views.target(domain_id=None))
    prior, implied = role_service.create_implied(views.backend(req).db, prior_role_id,
                                                 implied_role_id)
    return json_response(_inference(req, prior, implied), status=201)


def show_implied_role(req, prior_role_id, implied_role_id):
    """GET (the inference) and HEAD (204: it exists)."""
    req.authorize(policies.GET_IMPLIED, views.target(domain_id=req.context.domain_id))
    prior, implied = role_service.get_implied(views.backend(req).db, prior_role_id,
                                              implied_role_id)
    if req.method == "HEAD":
        return json_response(None, status=204)
    return json_response(_inference(req, prior, implied))


def delete_implied_role(req, prior_role_id, implied_role_id):
    req.authorize(policies.DELETE_IMPLIED, views.target(domain_id=None))
    b = views.backend(req)
    role_service.delete_implied(b.db, b.revoker, prior_role_id, implied_role_id)
    return json_response(None, status=204)


def list_implied_roles(req, prior_role_id):
    req.authorize(policies.LIST_IMPLIED, views.target(domain_id=req.context.domain_id))
    prior, implied = role_service.list_implied(views.backend(req).db, prior_role_id)
    return json_response({"role_inference": {
        "prior_role": views.role_ref(req, prior),
        "implies": [views.role_ref(req, r) for r in implied]},
        "links": views.link(req, f"roles/{prior.id}/implies")})


def list_role_inferences(req):
    req.authorize(policies.LIST_IMPLIED, views.target(domain_id=req.context.domain_id))
    rules = role_service.list_inferences(views.backend(req).db)
    return json_response({"role_inferences": [
        {"prior_role": views.role_ref(req, prior),
         "implies": [views.role_ref(req, r) for r in implied]} for prior, implied in rules],
        "links": views.link(req, "role_inferences")})

"""/v3/domains"""

from sovra_common.wsgi.routes import json_response
from sovra_identity.api import views
from sovra_identity.api.policies import domain as policies
from sovra_identity.api.schemas import resource as schemas
from sovra_identity.service import domain as domain_service


def list_domains(req):
    query = req.query(schemas.LIST_DOMAINS)
    req.authorize(policies.LIST, views.target(domain_id=req.context.domain_id))
    rows = domain_service.list_(views.backend(req).db, name=query.get("name"),
                                enabled=views.flag(query.get("enabled")))
    return json_response(views.collection(req, "domains",
                                          [views.domain(req, r) for r in rows], "domains"))


def create_domain(req):
    body = req.json_body(schemas.CREATE_DOMAIN)["domain"]
    req.authorize(policies.CREATE, views.target(domain_id=None))
    row = domain_service.create(views.backend(req).db, body["name"],
                                description=body.get("description"),
                                enabled=body.get("enabled", True))
    return json_response({"domain": views.domain(req, row)}, status=201)


def show_domain(req, domain_id):
    row = domain_service.get(views.backend(req).db, domain_id)
    req.authorize(policies.GET, views.target(domain_id=row.id))
    return json_response({"domain": views.domain(req, row)})


def update_domain(req, domain_id):
    body = req.json_body(schemas.UPDATE_DOMAIN)["domain"]
    b = views.backend(req)
    row = domain_service.get(b.db, domain_id)
    req.authorize(policies.UPDATE, views.target(domain_id=row.id))
    changes = {k: body[k] for k in ("name", "description", "enabled") if k in body}
    row = domain_service.update(b.db, b.revoker, domain_id, changes)
    return json_response({"domain": views.domain(req, row)})


def delete_domain(req, domain_id):
    b = views.backend(req)
    row = domain_service.get(b.db, domain_id)
    req.authorize(policies.DELETE, views.target(domain_id=row.id))
    domain_service.delete(b.db, b.revoker, domain_id)
    return json_response(None, status=204)

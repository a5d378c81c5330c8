"""/v3/regions, /v3/services, /v3/endpoints"""

from sovra_common.wsgi.routes import json_response
from sovra_identity.api import views
from sovra_identity.api.policies import catalog as policies
from sovra_identity.api.schemas import catalog as schemas
from sovra_identity.service import catalog as catalog_service

_ANY = views.target(domain_id=None)


def _db(req):
    return views.backend(req).db


# --- regions -----------------------------------------------------------------------

def list_regions(req):
    query = req.query(schemas.LIST_REGIONS)
    req.authorize(policies.LIST_REGIONS, _ANY)
    rows = catalog_service.list_regions(_db(req), query.get("parent_region_id"))
    return json_response(views.collection(req, "regions",
                                          [views.region(req, r) for r in rows], "regions"))


def create_region(req):
    body = req.json_body(schemas.CREATE_REGION)["region"]
    req.authorize(policies.CREATE_REGION, _ANY)
    row = catalog_service.create_region(_db(req), region_id=body.get("id"),
                                        description=body.get("description"),
                                        parent_region_id=body.get("parent_region_id"))
    return json_response({"region": views.region(req, row)}, status=201)


def show_region(req, region_id):
    req.authorize(policies.GET_REGION, _ANY)
    return json_response({"region": views.region(
        req, catalog_service.get_region(_db(req), region_id))})


def update_region(req, region_id):
    body = req.json_body(schemas.UPDATE_REGION)["region"]
    req.authorize(policies.UPDATE_REGION, _ANY)
    row = catalog_service.update_region(_db(req), region_id, body)
    return json_response({"region": views.region(req, row)})


def delete_region(req, region_id):
    req.authorize(policies.DELETE_REGION, _ANY)
    catalog_service.delete_region(_db(req), region_id)
    return json_response(None, status=204)


# --- services ----------------------------------------------------------------------

_SERVICE_FIELDS = ("name", "description", "enabled")


def list_services(req):
    query = req.query(schemas.LIST_SERVICES)
    req.authorize(policies.LIST_SERVICES, _ANY)
    rows = catalog_service.list_services(_db(req), type_=query.get("type"),
                                         name=query.get("name"))
    return json_response(views.collection(req, "services",
                                          [views.service(req, r) for r in rows],
                                          "services"))


def create_service(req):
    body = req.json_body(schemas.CREATE_SERVICE)["service"]
    req.authorize(policies.CREATE_SERVICE, _ANY)
    row = catalog_service.create_service(
        _db(req), type_=body["type"], **{k: body[k] for k in _SERVICE_FIELDS if k in body})
    return json_response({"service": views.service(req, row)}, status=201)


def show_service(req, service_id):
    req.authorize(policies.GET_SERVICE, _ANY)
    return json_response({"service": views.service(
        req, catalog_service.get_service(_db(req), service_id))})


def update_service(req, service_id):
    body = req.json_body(schemas.UPDATE_SERVICE)["service"]
    req.authorize(policies.UPDATE_SERVICE, _ANY)
    row = catalog_service.update_service(
        _db(req), service_id, {k: body[k] for k in ("type", *_SERVICE_FIELDS) if k in body})
    return json_response({"service": views.service(req, row)})


def delete_service(req, service_id):
    req.authorize(policies.DELETE_SERVICE, _ANY)
    catalog_service.delete_service(_db(req), service_id)
    return json_response(None, status=204)


# --- endpoints ---------------------------------------------------------------------

def _endpoint_fields(body):
    fields = {k: body[k] for k in ("service_id", "interface", "url", "enabled") if k in body}
    if "region_id" in body or "region" in body:
        fields["region_id"] = body.get("region_id", body.get("region"))
    return fields


def list_endpoints(req):
    query = req.query(schemas.LIST_ENDPOINTS)
    req.authorize(policies.LIST_ENDPOINTS, _ANY)
    rows = catalog_service.list_endpoints(_db(req), interface=query.get("interface"),
                                          service_id=query.get("service_id"),
                                          region_id=query.get("region_id"))
    return json_response(views.collection(req, "endpoints",
                                          [views.endpoint(req, r) for r in rows],
                                          "endpoints"))


def create_endpoint(req):
    body = req.json_body(schemas.CREATE_ENDPOINT)["endpoint"]
    req.authorize(policies.CREATE_ENDPOINT, _ANY)
    row = catalog_service.create_endpoint(_db(req), **_endpoint_fields(body))
    return json_response({"endpoint": views.endpoint(req, row)}, status=201)


def show_endpoint(req, endpoint_id):
    req.authorize(policies.GET_ENDPOINT, _ANY)
    return json_response({"endpoint": views.endpoint(
        req, catalog_service.get_endpoint(_db(req), endpoint_id))})


def update_endpoint(req, endpoint_id):
    body = req.json_body(schemas.UPDATE_ENDPOINT)["endpoint"]
    req.authorize(policies.UPDATE_ENDPOINT, _ANY)
    row = catalog_service.update_endpoint(_db(req), endpoint_id, _endpoint_fields(body))
    return json_response({"endpoint": views.endpoint(req, row)})


def delete_endpoint(req, endpoint_id):
    req.authorize(policies.DELETE_ENDPOINT, _ANY)
    catalog_service.delete_endpoint(_db(req), endpoint_id)
    return json_response(None, status=204)

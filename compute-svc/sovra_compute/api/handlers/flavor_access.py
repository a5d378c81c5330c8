"""os-flavor-access: which projects may see and boot a private flavor (admins
only): the list, and the addTenantAccess / removeTenantAccess actions of
``POST /flavors/{id}/action``. Who sees what is the flavor service's rule."""

from __future__ import annotations

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute.api.policies import flavor_access as policies
from sovra_compute.api.schemas import flavor_access as schemas
from sovra_compute.service import flavor as flavor_service


def _db(req):
    return req.state.extras["db"]


def _answer(flavor_id: str, projects: list[str]):
    return json_response({"flavor_access": [
        {"flavor_id": flavor_id, "tenant_id": project} for project in projects]})


def list_flavor_access(req, flavor_id):
    req.authorize(policies.LIST)
    if flavor_service.get(_db(req), flavor_id)["is_public"]:
        raise exception.NotFound("Access list not available for public flavors.")
    return _answer(flavor_id, flavor_service.list_access(_db(req), flavor_id))


def flavor_action(req, flavor_id):
    body = req.json_body(schemas.ACTION)
    name, arg = next(iter(body.items()))
    if name == "addTenantAccess":
        req.authorize(policies.ADD)
        projects = flavor_service.add_access(_db(req), flavor_id, arg["tenant"])
    else:
        req.authorize(policies.REMOVE)
        projects = flavor_service.remove_access(_db(req), flavor_id, arg["tenant"])
    return _answer(flavor_id, projects)

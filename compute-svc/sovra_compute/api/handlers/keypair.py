"""Key pairs: import, generate (before 2.92), list, show, delete."""

from __future__ import annotations

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_compute.api import views
from sovra_compute.api.policies import keypair as policies
from sovra_compute.api.schemas import keypair as schemas
from sovra_compute.service import keypair as keypair_service
from sovra_compute.service import quota


def _db(req):
    return req.state.extras["db"]


def _user(req, rule, requested: str | None) -> str:
    """The user whose key pairs the request is about, after its policy check."""
    target = {"user_id": req.context.user_id, "project_id": req.context.project_id}
    req.authorize(rule, target)
    if requested and requested != req.context.user_id and req.microversion.matches("2.10"):
        req.authorize(policies.OTHER_USER, target)
        return requested
    return req.context.user_id


def _view(req, keypair, *, full=False) -> dict:
    shown = {"name": keypair["name"], "public_key": keypair["public_key"],
             "fingerprint": keypair["fingerprint"]}
    if req.microversion.matches("2.2"):
        shown["type"] = keypair["type"]
    if full:
        shown.update({"user_id": keypair["user_id"], "id": keypair["id"],
                      "created_at": views.isotime(keypair["created_at"]),
                      "deleted": False, "deleted_at": None, "updated_at": None})
    return shown


def list_keypairs(req):
    query = req.query(schemas.QUERY)
    user_id = _user(req, policies.LIST, query.get("user_id"))
    keypairs = keypair_service.list_(_db(req), user_id)
    limit = None
    if req.microversion.matches("2.35"):
        if "marker" in query:
            names = [k["name"] for k in keypairs]
            if query["marker"] not in names:
                raise exception.NotFound(f"Marker {query['marker']} could not be found.")
            keypairs = keypairs[names.index(query["marker"]) + 1:]
        if "limit" in query:
            limit = int(query["limit"])
            keypairs = keypairs[:limit]
    body = {"keypairs": [{"keypair": _view(req, k)} for k in keypairs]}
    if limit and len(keypairs) == limit:
        body["keypairs_links"] = views.pagination_links(
            "os-keypairs", [{"id": k["name"]} for k in keypairs], limit)
    return json_response(body)


def show_keypair(req, name):
    query = req.query(schemas.QUERY)
    user_id = _user(req, policies.SHOW, query.get("user_id"))
    keypair = keypair_service.get(_db(req), user_id, name)
    return json_response({"keypair": _view(req, keypair, full=True)})


def create_keypair(req):
    body = req.json_body(schemas.CREATE_V2_92 if req.microversion.matches("2.92")
                         else schemas.CREATE)["keypair"]
    user_id = _user(req, policies.CREATE, body.get("user_id"))
    key_type = body.get("type", "ssh") if req.microversion.matches("2.2") else "ssh"
    private_key = None
    public_key = body.get("public_key")
    if public_key is None:
        if key_type != "ssh":
            raise exception.Invalid("Only ssh key pairs can be generated.")
        private_key, public_key = keypair_service.generate()
    limit = quota.limits(_db(req), req.state.conf, req.context.project_id)["key_pairs"]
    with quota.locked(req.state.extras["coordinator"], f"user-{user_id}"):
        if 0 <= limit <= quota.keypair_count(_db(req), user_id):
            raise quota.KeypairQuotaExceeded()
        keypair = keypair_service.create(_db(req), user_id=user_id,
                                         project_id=req.context.project_id,
                                         name=body["name"], public_key=public_key,
                                         key_type=key_type)
    shown = _view(req, keypair)
    shown["user_id"] = keypair["user_id"]
    if private_key is not None:
        shown["private_key"] = private_key
    return json_response({"keypair": shown},
                         status=201 if req.microversion.matches("2.2") else 200)


def delete_keypair(req, name):
    query = req.query(schemas.QUERY)
    user_id = _user(req, policies.DELETE, query.get("user_id"))
    keypair_service.delete(_db(req), user_id, name)
    return json_response(None, status=204 if req.microversion.matches("2.2") else 202)

"""/v3/users/{user_id}/application_credentials"""

import datetime

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_identity.api import views
from sovra_identity.api.policies import application_credential as policies
from sovra_identity.api.schemas import application_credential as schemas
from sovra_identity.db import models
from sovra_identity.service import application_credential as app_cred_service
from sovra_identity.token.formatter import InvalidToken


def _view(req, row, roles, secret=None):
    shown = {"id": row.id, "name": row.name, "description": row.description,
             "user_id": row.user_id, "project_id": row.project_id,
             "expires_at": row.expires_at.strftime("%Y-%m-%dT%H:%M:%S.%f")
             if row.expires_at else None,
             "unrestricted": row.unrestricted, "access_rules": [],
             "roles": [{"id": r.id, "name": r.name, "domain_id": r.domain_id}
                       for r in roles],
             "links": views.link(req, f"users/{row.user_id}/application_credentials/"
                                      f"{row.id}")}
    if secret is not None:
        shown["secret"] = secret
    return shown


def _check_not_restricted(req):
    """A token made by a restricted application credential may not manage
    application credentials (it could mint itself wider ones)."""
    b = views.backend(req)
    try:
        payload = b.tokens.formatter.parse(req.headers.get("X-Auth-Token", ""))
    except InvalidToken:
        raise exception.NotAuthenticated() from None
    if payload.app_cred_id is None:
        return
    with b.db.reader() as session:
        cred = session.get(models.ApplicationCredential, payload.app_cred_id)
    if cred is None or not cred.unrestricted:
        raise exception.Forbidden("A restricted application credential cannot manage "
                                  "application credentials.")


def _expires(value):
    if not value:
        return None
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise exception.Invalid(f"expires_at {value!r} is not an ISO 8601 time.") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when


def create_application_credential(req, user_id):
    body = req.json_body(schemas.CREATE)["application_credential"]
    req.authorize(policies.CREATE, views.target(user_id=user_id))
    ctx = req.context
    if not ctx.project_id:
        raise exception.Forbidden("An application credential is created with a "
                                  "project-scoped token.")
    _check_not_restricted(req)
    b = views.backend(req)
    token = b.tokens.validate(req.headers["X-Auth-Token"])["token"]
    held = {r["id"]: r["name"] for r in token["roles"]}
    wanted = set()
    for ref in body.get("roles") or [{"id": rid} for rid in held]:
        role_id = ref.get("id") or next(
            (rid for rid, name in held.items() if name == ref.get("name")), None)
        if role_id not in held:
            raise exception.Forbidden("An application credential can only hold roles "
                                      "the token creating it has.")
        wanted.add(role_id)
    row, roles, secret = app_cred_service.create(
        b.db, b.passwords, user_id=user_id, project_id=ctx.project_id, name=body["name"],
        role_ids_=wanted, secret=body.get("secret"), description=body.get("description"),
        expires_at=_expires(body.get("expires_at")),
        unrestricted=body.get("unrestricted", False))
    return json_response({"application_credential": _view(req, row, roles, secret)},
                         status=201)


def list_application_credentials(req, user_id):
    query = req.query(schemas.LIST)
    req.authorize(policies.LIST, views.target(user_id=user_id))
    items = app_cred_service.list_(views.backend(req).db, user_id, query.get("name"))
    return json_response(views.collection(
        req, "application_credentials", [_view(req, row, roles) for row, roles in items],
        f"users/{user_id}/application_credentials"))


def show_application_credential(req, user_id, application_credential_id):
    req.authorize(policies.GET, views.target(user_id=user_id))
    row, roles = app_cred_service.get(views.backend(req).db, user_id,
                                      application_credential_id)
    return json_response({"application_credential": _view(req, row, roles)})


def delete_application_credential(req, user_id, application_credential_id):
    req.authorize(policies.DELETE, views.target(user_id=user_id))
    _check_not_restricted(req)
    b = views.backend(req)
    app_cred_service.delete(b.db, b.revoker, user_id, application_credential_id)
    return json_response(None, status=204)

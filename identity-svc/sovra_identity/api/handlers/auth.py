"""/v3/auth/*: tokens (issue, validate, check, revoke) and the caller's own
catalog, projects, domains and system scope.

POST /v3/auth/tokens is @public (it is how one gets a token). The other routes are
marked ``unscoped_ok``: the identity API's auth middleware accepts an unscoped
token for them (see api/deploy.py), since listing the projects one may scope to is
what unscoped tokens are for.
"""

from sovra_common import exception
from sovra_common.wsgi.routes import json_response, public
from sovra_identity.api import views
from sovra_identity.api.deploy import unscoped_ok
from sovra_identity.api.policies import auth as policies
from sovra_identity.api.schemas import auth as schemas
from sovra_identity.service import assignment, auth, catalog, lookup
from sovra_identity.token.formatter import InvalidToken

SUBJECT = "X-Subject-Token"


class TokenNotFound(lookup.ResourceNotFound):
    message = "Could not find token: %(id)s."


@public
def create_token(req):
    body = req.json_body(schemas.CREATE_TOKEN)
    query = req.query(schemas.TOKEN_QUERY)
    b = views.backend(req)
    token, token_body = auth.authenticate(
        b.db, b.tokens, body["auth"], include_catalog=not views.present(
            query.get("nocatalog")))
    return json_response(token_body, status=201, headers={SUBJECT: token})


def _subject(req, include_catalog):
    token = req.headers.get(SUBJECT, "")
    try:
        return token, views.backend(req).tokens.validate(token, include_catalog)
    except InvalidToken:
        # A 404 before the policy check: nothing about the subject is disclosed
        # beyond "not valid"; still mark the check as done for the app's assertion.
        req.authorize(policies.VALIDATE, views.target(user_id=None))
        raise TokenNotFound(id=token[:8] + "...") from None


@unscoped_ok
def validate_token(req):
    """GET (the token body) and HEAD (200, no body) of the X-Subject-Token."""
    query = req.query(schemas.TOKEN_QUERY)
    head = req.method == "HEAD"
    token, body = _subject(req, not head and not views.present(query.get("nocatalog")))
    req.authorize(policies.VALIDATE, views.target(user_id=body["token"]["user"]["id"]))
    return json_response(None if head else body, headers={SUBJECT: token})


@unscoped_ok
def revoke_token(req):
    token, body = _subject(req, False)
    req.authorize(policies.REVOKE, views.target(user_id=body["token"]["user"]["id"]))
    views.backend(req).tokens.revoke(token, context=req.context)
    return json_response(None, status=204)


@unscoped_ok
def show_catalog(req):
    req.authorize(policies.OWN, views.target(user_id=req.context.user_id))
    b = views.backend(req)
    if not (req.context.project_id or req.context.domain_id or req.context.system_scope):
        raise exception.Forbidden("An unscoped token has no catalog.")
    with b.db.reader() as session:
        entries = catalog.build(session)
    return json_response({"catalog": entries,
                          "links": views.link(req, "auth/catalog")})


@unscoped_ok
def list_auth_projects(req):
    req.authorize(policies.OWN, views.target(user_id=req.context.user_id))
    b = views.backend(req)
    projects = assignment.projects_of_user(b.db, req.context.user_id)
    return json_response(views.collection(
        req, "projects", [views.project(req, p) for p in projects], "auth/projects"))


@unscoped_ok
def list_auth_domains(req):
    req.authorize(policies.OWN, views.target(user_id=req.context.user_id))
    b = views.backend(req)
    domains = assignment.domains_of_user(b.db, req.context.user_id)
    return json_response(views.collection(
        req, "domains", [views.domain(req, d) for d in domains], "auth/domains"))


@unscoped_ok
def list_auth_system(req):
    req.authorize(policies.OWN, views.target(user_id=req.context.user_id))
    b = views.backend(req)
    with b.db.reader() as session:
        roles = assignment.effective_roles(session, req.context.user_id, system=True)
    system = [{"all": True}] if roles else []
    return json_response({"system": system, "links": views.link(req, "auth/system")})

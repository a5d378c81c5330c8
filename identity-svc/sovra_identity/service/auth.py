"""POST /v3/auth/tokens: checking credentials and resolving the requested scope.

Every failure to authenticate (unknown user, wrong password, disabled user or
domain, bad token) is the same NotAuthenticated with the same message: the caller
learns nothing about which part was wrong.
"""

from __future__ import annotations

from sqlalchemy import select

from sovra_common import exception
from sovra_identity.db import models
from sovra_identity.service import application_credential as app_cred_service
from sovra_identity.service import assignment, password
from sovra_identity.service.token import TokenProvider
from sovra_identity.token.formatter import InvalidToken


class AuthenticationFailed(exception.NotAuthenticated):
    message = "The request you have made requires authentication."


def _domain(session, ref: dict | None):
    if not ref:
        return None
    if "id" in ref:
        return session.get(models.Domain, ref["id"])
    return session.execute(select(models.Domain).where(
        models.Domain.name == ref.get("name"))).scalar_one_or_none()


def _password_user(db, ref: dict) -> str:
    with db.reader() as session:
        if "id" in ref:
            user = session.get(models.User, ref["id"])
        else:
            domain = _domain(session, ref.get("domain"))
            user = None if domain is None else session.execute(select(models.User).where(
                models.User.name == ref.get("name"),
                models.User.domain_id == domain.id)).scalar_one_or_none()
        domain = session.get(models.Domain, user.domain_id) if user else None
    ok = password.check_password(ref.get("password"), user.password_hash if user else None)
    if not ok or not user.enabled or domain is None or not domain.enabled:
        raise AuthenticationFailed()
    return user.id


def _check_user_enabled(db, user_id):
    with db.reader() as session:
        user = session.get(models.User, user_id)
        domain = session.get(models.Domain, user.domain_id) if user else None
    if user is None or not user.enabled or domain is None or not domain.enabled:
        raise AuthenticationFailed()


def _scope(db, scope, user_id):
    """(scope kind, scope id) for the request's ``scope``."""
    if scope is None or scope == "unscoped":
        return "unscoped", None
    with db.reader() as session:
        if "project" in scope:
            ref = scope["project"]
            if "id" in ref:
                project = session.get(models.Project, ref["id"])
            else:
                domain = _domain(session, ref.get("domain"))
                if domain is None:
                    raise AuthenticationFailed()
                project = session.execute(select(models.Project).where(
                    models.Project.name == ref.get("name"),
                    models.Project.domain_id == domain.id)).scalar_one_or_none()
            if project is None:
                raise AuthenticationFailed()
            return "project", project.id
        if "domain" in scope:
            domain = _domain(session, scope["domain"])
            if domain is None:
                raise AuthenticationFailed()
            return "domain", domain.id
        if "system" in scope:
            return "system", "all"
    raise exception.ValidationError("Unknown scope.")


def authenticate(db, provider: TokenProvider, auth: dict, include_catalog: bool = True
                 ) -> tuple[str, dict]:
    """Check ``auth`` (the request's "auth" object); a new token and its body.

    Checking a password or a secret (bcrypt, ~0.25 s) holds no transaction open;
    everything else reads one snapshot in one read transaction (the readers of the
    lookups below join it): one connection per request, not one per lookup.
    """
    identity = auth["identity"]
    methods = list(dict.fromkeys(identity["methods"]))
    if {"password", "application_credential"} & set(methods):
        user_id, parent, app_cred = _identify(db, provider, identity, methods)
        with db.reader():
            return _issue(db, provider, auth, methods, user_id, parent, app_cred,
                          include_catalog)
    with db.reader():
        user_id, parent, app_cred = _identify(db, provider, identity, methods)
        return _issue(db, provider, auth, methods, user_id, parent, app_cred,
                      include_catalog)


def _identify(db, provider, identity, methods):
    """(user id, parent token payload or None, application credential or None) that
    the request's methods prove, all for the same user."""
    parent = None
    app_cred = None
    user_id = None
    for method in methods:
        if method == "password":
            found = _password_user(db, identity.get("password", {}).get("user", {}))
        elif method == "application_credential":
            app_cred = app_cred_service.authenticate(
                db, identity.get("application_credential", {}))
            if app_cred is None:
                raise AuthenticationFailed()
            found = app_cred.user_id
            _check_user_enabled(db, found)
        elif method == "token":
            try:
                parent = provider.payload(identity.get("token", {}).get("id", ""))
            except InvalidToken:
                raise AuthenticationFailed() from None
            found = parent.user_id
        else:
            raise AuthenticationFailed(f"Unsupported authentication method: {method}.")
        if user_id is not None and found != user_id:
            raise AuthenticationFailed()
        user_id = found
    return user_id, parent, app_cred


def _issue(db, provider, auth, methods, user_id, parent, app_cred, include_catalog):
    scope = auth.get("scope")
    if app_cred is not None:
        # always its own project; another scope asked for is refused
        kind, scope_id = "project", app_cred.project_id
        if scope is not None and _scope(db, scope, user_id) != (kind, scope_id):
            raise AuthenticationFailed()
    elif scope is None:
        kind, scope_id = _default_scope(db, provider, user_id)
    else:
        kind, scope_id = _scope(db, scope, user_id)
    all_methods = set(methods) | (set(parent.methods) if parent else set())
    try:
        return provider.issue(user_id=user_id, methods=all_methods, scope=kind,
                              scope_id=scope_id, parent=parent,
                              include_catalog=include_catalog, app_cred=app_cred)
    except InvalidToken as exc:
        raise AuthenticationFailed(exc.msg) from None


def _default_scope(db, provider, user_id):
    """No scope asked: the user's default project if they may use it, else unscoped."""
    with db.reader() as session:
        user = session.get(models.User, user_id)
        if user is None or not user.default_project_id:
            return "unscoped", None
        project = session.get(models.Project, user.default_project_id)
        if project is None or not project.enabled:
            return "unscoped", None
        if not assignment.effective_roles(session, user_id, project=project):
            return "unscoped", None
        return "project", project.id

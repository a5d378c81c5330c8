"""Issuing and validating tokens.

A token holds only who, how, which scope, when and its audit ids (see
token/formatter.py). Everything else is looked up each time it is validated, so
the answer follows the database: a disabled or deleted user, project or domain,
a removed role assignment, or a stored revocation event makes it invalid at once.
What a lookup found is cached per database generation (one row every identity
write bumps, in the same transaction), so an unchanged database costs one read.
"""

from __future__ import annotations

import datetime

from sqlalchemy import select

from sovra_common.db import schema
from sovra_identity.db import models
from sovra_identity.service import application_credential as app_cred_service
from sovra_identity.service import assignment, catalog, revocation
from sovra_identity.service import role as role_service
from sovra_identity.token import formatter as fmt
from sovra_identity.token.formatter import InvalidToken, TokenPayload


class NoRolesOnScope(InvalidToken):
    message = "The user has no role on the requested scope."


# Read at every validation: a Core statement on the session's connection (in its
# transaction), without the ORM's per-query work (~0.15 ms less).
_GENERATION = select(models.Revision.__table__.c.generation)


def _iso(when: datetime.datetime) -> str:
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class TokenProvider:
    def __init__(self, db, formatter: fmt.TokenFormatter, revoker: revocation.Revoker,
                 expiration: int, cache_size: int = 10000):
        self.db = db
        self.formatter = formatter
        self.revoker = revoker
        self.expiration = expiration
        # What validation computed from the database, each entry tagged with the
        # database generation it was computed at (db/models.py Revision): reused only
        # while the generation is unchanged, i.e. while nothing was written.
        self.cache_size = cache_size
        self._scopes: dict = {}
        self._revoked: dict = {}

    # -- issue ----------------------------------------------------------------------

    def issue(self, *, user_id: str, methods, scope: str, scope_id: str | None,
              parent: TokenPayload | None = None, include_catalog: bool = True,
              app_cred=None) -> tuple[str, dict]:
        """A new token and its body. ``parent``: the token it was rescoped from (its
        audit chain, expiry and application credential carry over). ``app_cred``:
        the ApplicationCredential it is made from (the token lives no longer).

        :raises InvalidToken: the user, scope or roles do not allow it (401).
        """
        now = schema.utcnow()
        expires = now + datetime.timedelta(seconds=self.expiration)
        if parent is not None:
            expires = min(expires, parent.expires_at)
        if app_cred is not None and app_cred.expires_at is not None:
            expires = min(expires, app_cred.expires_at)
        app_cred_id = app_cred.id if app_cred is not None else (
            parent.app_cred_id if parent is not None else None)
        # whole seconds, as the token carries them
        expires = expires.replace(microsecond=0)
        payload = TokenPayload(
            user_id=user_id, methods=tuple(m for m in fmt.METHODS if m in set(methods)),
            scope=scope, scope_id="all" if scope == "system" else scope_id,
            issued_at=now, expires_at=expires, audit_id=fmt.new_audit_id(),
            audit_chain_id=(parent.audit_chain_id or parent.audit_id) if parent else None,
            app_cred_id=app_cred_id)
        body = self._render(payload, include_catalog, check_revoked=False)
        return self.formatter.create(payload), body

    # -- validate -------------------------------------------------------------------

    def validate(self, token: str, include_catalog: bool = False) -> dict:
        """The body of a valid token (``{"token": {...}}``).

        :raises InvalidToken: invalid, expired, revoked, or its user, scope or roles
            are gone.
        """
        return self._render(self.formatter.parse(token), include_catalog)

    def payload(self, token: str) -> TokenPayload:
        """The payload of a token, checked as validate() does."""
        payload = self.formatter.parse(token)
        self._render(payload, include_catalog=False)
        return payload

    def revoke(self, token: str, context=None) -> None:
        payload = self.payload(token)
        self.revoker.revoke(revocation.TOKEN_REVOKED, {"audit_id": payload.audit_id},
                            record={"audit_id": payload.audit_id}, context=context)

    # -- the body -------------------------------------------------------------------

    def _render(self, payload: TokenPayload, include_catalog: bool,
                check_revoked: bool = True) -> dict:
        with self.db.reader() as session:
            generation = session.connection().execute(_GENERATION).scalar_one()
            scope_key = (payload.user_id, payload.scope, payload.scope_id,
                         payload.app_cred_id, include_catalog)
            scoped = self._cached(self._scopes, scope_key, generation)
            if scoped is None:
                scoped = self._scope_body(session, payload, include_catalog)
                self._store(self._scopes, scope_key, generation, scoped)
            body, user_domain_id, project_domain_id, not_after = scoped
            if not_after is not None and not_after <= schema.utcnow():
                raise InvalidToken()  # its application credential expired
            if check_revoked:
                revoked_key = (payload.audit_id, payload.audit_chain_id,
                               payload.issued_at, scope_key)
                revoked = self._cached(self._revoked, revoked_key, generation)
                if revoked is None:
                    revoked = self.revoker.is_revoked(session, payload, user_domain_id,
                                                      project_domain_id)
                    self._store(self._revoked, revoked_key, generation, revoked)
                if revoked:
                    raise InvalidToken()
        return {"token": {
            "methods": list(payload.methods),
            **body,
            "audit_ids": payload.audit_ids,
            "expires_at": _iso(payload.expires_at),
            "issued_at": _iso(payload.issued_at),
        }}

    @staticmethod
    def _cached(cache: dict, key, generation):
        entry = cache.get(key)
        if entry is not None and entry[0] == generation:
            return entry[1]
        return None

    def _store(self, cache: dict, key, generation, value) -> None:
        if len(cache) >= self.cache_size:
            cache.clear()
        cache[key] = (generation, value)

    def _scope_body(self, session, payload: TokenPayload, include_catalog: bool):
        """What the database says about the token's user and scope:
        (body fields, user's domain id, project's domain id).

        :raises InvalidToken: the user, scope or roles are gone or disabled.
        """
        user = session.get(models.User, payload.user_id)
        if user is None or not user.enabled:
            raise InvalidToken()
        user_domain = session.get(models.Domain, user.domain_id)
        if user_domain is None or not user_domain.enabled:
            raise InvalidToken()
        body = {"user": {"id": user.id, "name": user.name,
                         "domain": {"id": user_domain.id, "name": user_domain.name},
                         "password_expires_at": None}}
        project_domain = None
        if payload.scope == "project":
            project = session.get(models.Project, payload.scope_id)
            if project is None or not project.enabled:
                raise InvalidToken()
            project_domain = session.get(models.Domain, project.domain_id)
            if project_domain is None or not project_domain.enabled:
                raise InvalidToken()
            roles = assignment.effective_roles(session, user.id, project=project)
            body["project"] = {"id": project.id, "name": project.name,
                               "domain": {"id": project_domain.id,
                                          "name": project_domain.name}}
            body["is_domain"] = False
        elif payload.scope == "domain":
            domain = session.get(models.Domain, payload.scope_id)
            if domain is None or not domain.enabled:
                raise InvalidToken()
            roles = assignment.effective_roles(session, user.id, domain_id=domain.id)
            body["domain"] = {"id": domain.id, "name": domain.name}
        elif payload.scope == "system":
            roles = assignment.effective_roles(session, user.id, system=True)
            body["system"] = {"all": True}
        else:
            roles = None
        not_after = None
        if payload.app_cred_id is not None:
            roles, not_after = self._app_cred_roles(session, payload, body, roles)
        if roles is not None:
            if not roles:
                raise NoRolesOnScope()
            body["roles"] = [{"id": r.id, "name": r.name} for r in roles]
            if include_catalog:
                body["catalog"] = catalog.build(session)
        return (body, user.domain_id, project_domain.id if project_domain else None,
                not_after)

    @staticmethod
    def _app_cred_roles(session, payload, body, roles):
        """The roles of a token made by an application credential: the user's
        current roles on the project that the credential grants (with what they
        imply). The credential must still exist and be for this user and project."""
        cred = session.get(models.ApplicationCredential, payload.app_cred_id)
        if (cred is None or cred.user_id != payload.user_id or payload.scope != "project"
                or cred.project_id != payload.scope_id):
            raise InvalidToken()
        allowed = role_service.expand(app_cred_service.role_ids(session, cred.id),
                                      role_service.implications(session))
        body["application_credential"] = {"id": cred.id, "name": cred.name,
                                          "restricted": not cred.unrestricted}
        return [r for r in roles or () if r.id in allowed], cred.expires_at

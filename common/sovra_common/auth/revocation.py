"""Identity's revocation notifications -> token cache invalidations.

``RevocationEndpoint`` is an oslo.messaging notification-listener endpoint (duck
typed: it only has ``info``). Identity publishes these events at ``info`` priority;
the payload is a JSON object. Events identity does not send yet are defined here, as
the contract identity implements:

====================================  ===============================================
event_type                            payload -> effect
====================================  ===============================================
identity.token.revoked                {"audit_id": str} (or "audit_chain_id", or
                                      "audit_ids": [str]) -> tokens carrying that audit
                                      id, own or chain (a token and every token
                                      rescoped from it). Identity never stores tokens,
                                      but every token it issued carries audit ids.
identity.user.disabled                {"user_id": str} -> the user's tokens
identity.user.deleted                 {"user_id": str} -> the user's tokens
identity.user.password_changed        {"user_id": str} -> the user's tokens
identity.project.disabled             {"project_id": str} -> tokens scoped to it
identity.project.deleted              {"project_id": str} -> tokens scoped to it
identity.role_assignment.deleted      {"user_id": str, "project_id": str} -> that
                                      user's tokens in that project. Without
                                      "project_id" (domain or system assignment), or
                                      with "inherited": true (subprojects too): all the
                                      user's tokens. A group assignment {"group_id",
                                      "project_id"}: all tokens scoped to the project;
                                      inherited or no project: the whole cache
identity.domain.disabled              {"domain_id": str} -> tokens whose user or
identity.domain.deleted               project lives in the domain, or scoped to it
identity.role.deleted                 {"role_id": str} -> the whole cache
====================================  ===============================================

A payload missing the field its event needs (or not an object) clears the whole cache:
over-invalidating costs one validation per token, under-invalidating a revocation.
Keystone's "basic" notification format (``{"resource_info": "<id>"}``) is accepted
for the single-id events. Other event types are ignored.

Each process caches tokens on its own, so each must receive every notification: give
each process's listener its own pool (``get_notification_listener(...,
pool=<unique per process>)``); listeners sharing a pool split the messages between
them. If a notification is lost, ``[auth] token_cache_ttl`` bounds the damage.
"""

import logging

from sovra_common.auth.token_cache import TokenCache

LOG = logging.getLogger(__name__)

TOKEN_REVOKED = "identity.token.revoked"
USER_DISABLED = "identity.user.disabled"
USER_DELETED = "identity.user.deleted"
USER_PASSWORD_CHANGED = "identity.user.password_changed"
PROJECT_DISABLED = "identity.project.disabled"
PROJECT_DELETED = "identity.project.deleted"
ROLE_ASSIGNMENT_DELETED = "identity.role_assignment.deleted"
DOMAIN_DISABLED = "identity.domain.disabled"
DOMAIN_DELETED = "identity.domain.deleted"
ROLE_DELETED = "identity.role.deleted"


def _str(payload: dict, name: str) -> str | None:
    value = payload.get(name)
    return value if isinstance(value, str) and value else None


def _field(payload: dict, name: str) -> str | None:
    """``payload[name]``, or Keystone's basic-format ``resource_info``."""
    return _str(payload, name) or _str(payload, "resource_info")


class RevocationEndpoint:
    """Notification endpoint that keeps ``token_cache`` honest."""

    def __init__(self, token_cache: TokenCache):
        self.token_cache = token_cache
        self._handlers = {
            TOKEN_REVOKED: self._token_revoked,
            USER_DISABLED: self._user,
            USER_DELETED: self._user,
            USER_PASSWORD_CHANGED: self._user,
            PROJECT_DISABLED: self._project,
            PROJECT_DELETED: self._project,
            ROLE_ASSIGNMENT_DELETED: self._assignment,
            DOMAIN_DISABLED: self._domain,
            DOMAIN_DELETED: self._domain,
            ROLE_DELETED: self._clear,
        }

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(self._handlers)

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        handler = self._handlers.get(event_type)
        if handler is None:
            return None
        if not isinstance(payload, dict):
            self._clear(event_type, {})
            return None
        handler(event_type, payload)
        return None

    def _clear(self, event_type: str, payload: dict) -> None:
        count = self.token_cache.clear()
        LOG.info("%s: cleared the token cache (%d entries)", event_type, count)

    def _token_revoked(self, event_type: str, payload: dict) -> None:
        ids = [payload.get("audit_id"), payload.get("audit_chain_id")]
        audit_ids = payload.get("audit_ids")
        if isinstance(audit_ids, list):
            ids.extend(audit_ids)
        ids = [i for i in ids if isinstance(i, str) and i]
        if not ids:
            return self._clear(event_type, payload)
        for audit_id in ids:
            self.token_cache.invalidate_token(audit_id)

    def _user(self, event_type: str, payload: dict) -> None:
        user_id = _field(payload, "user_id")
        if user_id is None:
            return self._clear(event_type, payload)
        self.token_cache.invalidate_user(user_id)

    def _project(self, event_type: str, payload: dict) -> None:
        project_id = _field(payload, "project_id")
        if project_id is None:
            return self._clear(event_type, payload)
        self.token_cache.invalidate_project(project_id)

    def _domain(self, event_type: str, payload: dict) -> None:
        domain_id = _field(payload, "domain_id")
        if domain_id is None:
            return self._clear(event_type, payload)
        self.token_cache.invalidate_domain(domain_id)

    def _assignment(self, event_type: str, payload: dict) -> None:
        user_id = _str(payload, "user_id")
        project_id = _str(payload, "project_id")
        if payload.get("inherited"):
            # inherited down the project tree: child projects' tokens are affected
            project_id = None
        if user_id:
            self.token_cache.invalidate_user(user_id, project_id=project_id)
        elif project_id:
            self.token_cache.invalidate_project(project_id)
        else:
            self._clear(event_type, payload)

"""Revocation: events in the database (they survive restarts and are shared by
every identity process), checked at each validation; and notifications on the bus
so that the other services' token caches drop the tokens at once.

An event revokes every token issued at or before ``issued_before`` whose fields
match all the event's non-null fields (audit_id, audit_chain_id, user_id,
project_id, domain_id). Events older than the longest token lifetime are purged.
"""

from __future__ import annotations

import datetime
import logging

from sqlalchemy import or_, select

from sovra_common.auth import revocation as events
from sovra_common.db import schema
from sovra_identity.db import models

LOG = logging.getLogger(__name__)

# Event types the auth middleware's cache listens for (sovra_common.auth.revocation).
TOKEN_REVOKED = events.TOKEN_REVOKED
USER_DISABLED = events.USER_DISABLED
USER_DELETED = events.USER_DELETED
USER_PASSWORD_CHANGED = events.USER_PASSWORD_CHANGED
PROJECT_DISABLED = events.PROJECT_DISABLED
PROJECT_DELETED = events.PROJECT_DELETED
ROLE_ASSIGNMENT_DELETED = events.ROLE_ASSIGNMENT_DELETED
DOMAIN_DISABLED = events.DOMAIN_DISABLED
DOMAIN_DELETED = events.DOMAIN_DELETED
ROLE_DELETED = events.ROLE_DELETED


class Revoker:
    """Records revocations and announces them.

    ``notifier``: a sovra_common.rpc.Notifier (None: no bus). ``listeners``:
    in-process endpoints with the notification-listener ``info`` signature (the
    identity API's own token cache), called directly so that this process never
    serves a revoked token from its cache.
    """

    def __init__(self, db, token_lifetime: int, notifier=None, listeners=()):
        self.db = db
        self.token_lifetime = token_lifetime
        self.notifier = notifier
        self.listeners = list(listeners)

    def revoke(self, event_type: str, payload: dict, *, record: dict | None = None,
               context=None) -> None:
        """Store the event ``record`` (fields of RevocationEvent; None: nothing to
        store, e.g. a role deleted, which validation sees by itself) then notify
        ``event_type`` with ``payload``."""
        now = schema.utcnow()
        if record is not None:
            with self.db.writer() as session:
                session.add(models.RevocationEvent(issued_before=now, revoked_at=now,
                                                   **record))
                horizon = now - datetime.timedelta(seconds=self.token_lifetime + 60)
                session.query(models.RevocationEvent).filter(
                    models.RevocationEvent.revoked_at < horizon).delete()
        self.announce(event_type, payload, context)

    def announce(self, event_type: str, payload: dict, context=None) -> None:
        for listener in self.listeners:
            listener.info({}, "identity", event_type, dict(payload), {})
        if self.notifier is not None:
            try:
                self.notifier.info(context or {}, event_type, payload)
            except Exception:  # the DB event is the truth; caches also time out
                LOG.exception("Could not publish %s", event_type)

    def is_revoked(self, session, payload, user_domain_id: str | None,
                   project_domain_id: str | None) -> bool:
        """Whether a stored event revokes the token ``payload`` (a TokenPayload)."""
        domains = {d for d in (user_domain_id, project_domain_id, payload.domain_id) if d}
        ev = models.RevocationEvent
        clauses = [ev.audit_id.in_(payload.audit_ids), ev.user_id == payload.user_id]
        if payload.project_id:
            clauses.append(ev.project_id == payload.project_id)
        if domains:
            clauses.append(ev.domain_id.in_(domains))
        rows = session.execute(select(ev).where(
            or_(*clauses), ev.issued_before >= payload.issued_at)).scalars()
        for event in rows:
            if _matches(event, payload, domains):
                return True
        return False


def _matches(event, payload, domains) -> bool:
    if event.audit_id and event.audit_id != payload.audit_id:
        return False
    if event.audit_chain_id and event.audit_chain_id not in payload.audit_ids:
        return False
    if event.user_id and event.user_id != payload.user_id:
        return False
    if event.project_id and event.project_id != payload.project_id:
        return False
    if event.domain_id and event.domain_id not in domains:
        return False
    return True

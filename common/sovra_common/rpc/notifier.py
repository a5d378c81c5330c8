"""Notifications: an audit event on the bus for every state change.

A service builds one :class:`Notifier` per publisher (``"<service>.<host>"``, e.g.
``"compute.node1"``) and sends events named ``<service>.<resource>.<action>``, with
``.start`` / ``.end`` / ``.error`` for actions that take time, e.g.
``compute.instance.create.end``. The payload is a dict that must survive
``json.dumps`` as it is (convert datetimes, UUIDs... to strings first): it is
checked before sending, on every transport.

Notifications go to the ``notifications`` topic (``notifications.info``,
``notifications.error``...), the one OpenStack's consumers listen on, in
oslo.messaging's 2.0 message format. [messaging] notifications_enabled = false
drops them at the sender.
"""

import contextlib
import json
import re
from collections.abc import Mapping

import oslo_messaging

from sovra_common.rpc.serializer import RequestContextSerializer

NOTIFICATION_TOPIC = "notifications"

_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*){2,}$")


def check_event(event_type: str, payload) -> None:
    """ValueError/TypeError unless ``event_type`` reads service.resource.action[...]
    (lower case, dotted) and ``payload`` is a JSON-serialisable dict."""
    if not _EVENT_TYPE.match(event_type or ""):
        raise ValueError(f"event type {event_type!r} is not "
                         "<service>.<resource>.<action>[.<phase>]")
    if not isinstance(payload, Mapping):
        raise TypeError(f"payload of {event_type} must be a dict, not "
                        f"{type(payload).__name__}")
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"payload of {event_type} is not JSON-serialisable: {exc}") \
            from None


class Notifier:
    """Sends the notifications of one publisher."""

    def __init__(self, transport: oslo_messaging.Transport, publisher_id: str, *,
                 serializer: oslo_messaging.Serializer | None = None):
        """``transport`` from build_notification_transport()."""
        enabled = transport.conf.messaging.notifications_enabled
        self.publisher_id = publisher_id
        self._notifier = oslo_messaging.Notifier(
            transport,
            publisher_id=publisher_id,
            driver="messagingv2" if enabled else "noop",
            topics=[NOTIFICATION_TOPIC],
            retry=transport.conf.messaging.notification_retry,
            serializer=serializer or RequestContextSerializer())

    def info(self, ctxt, event_type: str, payload: Mapping) -> None:
        """A state change that happened (or started) as asked."""
        check_event(event_type, payload)
        self._notifier.info(ctxt, event_type, dict(payload))

    def warn(self, ctxt, event_type: str, payload: Mapping) -> None:
        check_event(event_type, payload)
        self._notifier.warn(ctxt, event_type, dict(payload))

    def error(self, ctxt, event_type: str, payload: Mapping) -> None:
        """A state change that failed."""
        check_event(event_type, payload)
        self._notifier.error(ctxt, event_type, dict(payload))

    @contextlib.contextmanager
    def action(self, ctxt, event_type: str, payload: Mapping):
        """Wrap an action: ``<event_type>.start`` before, ``.end`` after, or
        ``.error`` (the payload plus ``error: {type, message}``) if it raises; the
        exception propagates.

        The block may update the yielded dict; ``.end`` / ``.error`` carry it.
        """
        payload = dict(payload)
        self.info(ctxt, f"{event_type}.start", payload)
        try:
            yield payload
        except Exception as exc:
            error = {"type": type(exc).__name__, "message": str(exc)}
            self.error(ctxt, f"{event_type}.error", {**payload, "error": error})
            raise
        self.info(ctxt, f"{event_type}.end", payload)

"""Audit events: a notification on the bus for every state change of an image.

Event types read ``image.<resource>.<action>``: ``image.image.create``, ``.update``,
``.delete``, ``.upload``, ``.deactivate``, ``.reactivate``, ``.import`` (accepted; it
runs in the background), ``image.member.create`` / ``.update`` / ``.delete``. The
payload is the resource as the API shows it. Publishing never fails a request: a
bus error is logged.
"""

import logging

from sovra_image.api import views

LOG = logging.getLogger(__name__)


def _send(req, event_type: str, payload: dict) -> None:
    notifier = req.state.extras.get("notifier")
    if notifier is None:
        return
    try:
        notifier.info(req.context, event_type, payload)
    except Exception:
        LOG.exception("could not publish %s", event_type)


def image_event(req, action: str, image) -> None:
    _send(req, f"image.image.{action}", views.image(image))


def member_event(req, action: str, member) -> None:
    _send(req, f"image.member.{action}", views.member(member))

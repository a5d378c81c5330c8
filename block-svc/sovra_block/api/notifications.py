"""Audit notifications of the API's state changes (``volume.create.start``...); the
agents' outcomes are notified where they are applied (service/report.py)."""

import logging

LOG = logging.getLogger(__name__)


def info(req, event_type: str, payload: dict) -> None:
    notifier = req.state.extras.get("notifier")
    if notifier is None:
        return
    try:
        notifier.info(req.context, event_type, payload)
    except Exception:  # a notification never fails the request it reports
        LOG.warning("notification %s failed", event_type, exc_info=True)

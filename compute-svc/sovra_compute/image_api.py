"""How compute reaches the image service: an Image API client per request context
(the user's token, relayed with the service's own), shared by the API (image checks,
snapshots) and the agents (downloads, snapshot uploads)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sovra_common.auth import sessions


def client_factory(conf) -> Callable:
    """``for_context(context) -> ImageClient`` acting for ``context``'s user. The
    service's own session is made on first use (and then shared)."""
    from sovra_image.client import ImageClient

    state = {}
    lock = threading.Lock()

    def for_context(context):
        with lock:
            if "session" not in state:
                state["session"] = sessions.service_session(conf)
        return ImageClient(sessions.user_session(state["session"], context),
                           interface=conf.compute.placement_interface)
    return for_context

"""How compute reaches the image service: an Image API client per request context
(the user's token, relayed with the service's own), shared by the API (image checks,
snapshots) and the agents (downloads, snapshot uploads)."""

from __future__ import annotations

from collections.abc import Callable


def client_factory(conf) -> Callable:
    """``for_context(context) -> ImageClient`` acting for ``context``'s user."""
    from sovra_image.client import context_factory

    return context_factory(conf, interface=conf.compute.placement_interface)

"""Availability zones. Knows no HTTP.

Sovra has no host aggregates yet, so there is one zone: every compute agent is in
the default zone (upstream's default name, "nova"). A zone is available while at
least one of its agents is enabled, as upstream counts it.
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.db import Database
from sovra_compute.service import compute_service

DEFAULT_ZONE = "nova"


class ZoneNotAvailable(exception.Invalid):
    message = "The requested availability zone is not available"


def zones(db: Database, live_hosts) -> list[dict]:
    """Each zone: ``{"name", "available", "hosts": {host: agent service dict}}``."""
    agents = compute_service.sync_agents(db, live_hosts)
    if not agents:
        return []
    return [{"name": DEFAULT_ZONE,
             "available": any(not a["disabled"] for a in agents),
             "hosts": {a["host"]: a for a in agents}}]


def check(name: str | None) -> None:
    """ZoneNotAvailable unless ``name`` (if given) is a zone servers may be put in."""
    if name is not None and name != DEFAULT_ZONE:
        raise ZoneNotAvailable()

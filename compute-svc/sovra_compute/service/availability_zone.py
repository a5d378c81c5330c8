"""Availability zones. Knows no HTTP.

A compute agent is in the zone its host aggregates name (``service/aggregate.py``),
else in the default zone (upstream's default name, "nova"). A zone is listed while
it has agents, and is available while at least one of them is enabled, as upstream
counts it.
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.db import Database
from sovra_compute.service import aggregate, compute_service

DEFAULT_ZONE = "nova"


class ZoneNotAvailable(exception.Invalid):
    message = "The requested availability zone is not available"


def zones(db: Database, live_hosts) -> list[dict]:
    """Each zone: ``{"name", "available", "hosts": {host: agent service dict}}``,
    by name."""
    agents = compute_service.sync_agents(db, live_hosts)
    in_zones = aggregate.host_zones(db)
    found: dict[str, dict] = {}
    for agent in agents:
        name = in_zones.get(agent["host"], DEFAULT_ZONE)
        zone = found.setdefault(name, {"name": name, "available": False, "hosts": {}})
        zone["hosts"][agent["host"]] = agent
        zone["available"] = zone["available"] or not agent["disabled"]
    return [found[name] for name in sorted(found)]


def zone_of(db: Database, host: str) -> str:
    """The zone of a compute host."""
    return aggregate.host_zones(db).get(host, DEFAULT_ZONE)


def check(name: str | None, db: Database | None = None) -> None:
    """ZoneNotAvailable unless ``name`` (if given) is a zone servers may be put in:
    the default one, or one an aggregate with hosts names."""
    if name is None or name == DEFAULT_ZONE:
        return
    if db is None or name not in set(aggregate.host_zones(db).values()):
        raise ZoneNotAvailable()

"""Choosing the backend of a new volume.

A backend qualifies when it is up and enabled, in the volume's availability zone,
its capabilities satisfy the volume type's extra specs (scheduler/extra_specs.py),
and it has room: its volumes (thin) may add up to ``total_gb *
max_over_subscription_ratio`` less the reserved share, and a new volume must still
fit in what is physically free (``size <= free_gb``). Among those, the one with
the most room left wins (spreading volumes), ties broken by name so the choice is
repeatable.

``choose`` runs inside the caller's writer and adds the new volume's size to the
chosen backend's ``provisioned_gb``: concurrent creates see each other's claims
before the next capacity report replaces the figures with the agent's own.
"""

from __future__ import annotations

from sqlalchemy import select

from sovra_block.db import models
from sovra_block.scheduler import extra_specs as specs
from sovra_block.service import backend as backend_service
from sovra_common import exception


class NoValidBackend(exception.SovraError):
    message = "No valid backend was found. %(reason)s"


def _room(row: models.Backend) -> float:
    reserved = (row.capabilities or {}).get("reserved_percentage", 0) or 0
    ratio = max(1.0, row.max_over_subscription_ratio or 1.0)
    return row.total_gb * ratio * (1 - reserved / 100.0) - row.provisioned_gb


def candidates(session, conf, *, size: int, extra_specs: dict,
               availability_zone: str | None, exclude=()) -> list[models.Backend]:
    zones = specs.zones_allowed(extra_specs)
    out = []
    for row in session.scalars(select(models.Backend).with_for_update()):
        if row.name in exclude or row.disabled or not backend_service.is_up(row, conf):
            continue
        if availability_zone and row.availability_zone != availability_zone:
            continue
        if zones is not None and row.availability_zone not in zones:
            continue
        if not specs.backend_satisfies(row.capabilities or {}, row.backend_name,
                                       extra_specs):
            continue
        if size > row.free_gb or size > _room(row):
            continue
        out.append(row)
    out.sort(key=lambda r: (-_room(r), r.name))
    return out


def choose(session, conf, *, size: int, extra_specs: dict,
           availability_zone: str | None, exclude=()) -> models.Backend:
    """The backend for a new volume of ``size`` GiB (claimed); NoValidBackend if
    none qualifies."""
    found = candidates(session, conf, size=size, extra_specs=extra_specs,
                       availability_zone=availability_zone, exclude=exclude)
    if not found:
        raise NoValidBackend(reason=f"No backend is up, in zone "
                                    f"{availability_zone or 'any'}, matching the "
                                    f"volume type and with {size} GiB free.")
    chosen = found[0]
    chosen.provisioned_gb = (chosen.provisioned_gb or 0) + size
    return chosen

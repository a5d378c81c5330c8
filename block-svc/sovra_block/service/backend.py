"""Backends as the volume agents report them: one row per ``<host>@<backend>``,
up while its last report is younger than [block] service_down_time."""

from __future__ import annotations

import datetime

from sqlalchemy import select

from sovra_block.db import models
from sovra_common.db import schema


def is_up(row: models.Backend, conf, now: datetime.datetime | None = None) -> bool:
    now = now or schema.utcnow()
    reported = row.reported_at
    if reported is None:
        return False
    if reported.tzinfo is None:
        reported = reported.replace(tzinfo=datetime.UTC)
    age = (now - reported).total_seconds()
    return age <= conf.block.service_down_time


def list_backends(session) -> list[models.Backend]:
    return list(session.scalars(select(models.Backend).order_by(models.Backend.name)))


def availability_zones(session, conf) -> dict[str, bool]:
    """{zone: available}: a zone is available while one of its backends is up and
    enabled."""
    zones: dict[str, bool] = {}
    for row in list_backends(session):
        up = is_up(row, conf) and not row.disabled
        zones[row.availability_zone] = zones.get(row.availability_zone, False) or up
    return zones

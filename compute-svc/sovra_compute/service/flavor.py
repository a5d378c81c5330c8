"""Flavors and their extra specs. Knows no HTTP."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sovra_common import exception
from sovra_common.db import Database, DuplicateEntry, retry_on_deadlock
from sovra_compute.db import models


class FlavorNotFound(exception.NotFound):
    message = "Flavor %(flavor_id)s could not be found."


class ExtraSpecNotFound(exception.NotFound):
    message = "Flavor %(flavor_id)s has no extra specs with key %(key)s."


def _as_dict(row: models.Flavor) -> dict:
    return {"flavorid": row.flavorid, "name": row.name, "vcpus": row.vcpus,
            "memory_mb": row.memory_mb, "root_gb": row.root_gb,
            "ephemeral_gb": row.ephemeral_gb, "swap": row.swap,
            "rxtx_factor": row.rxtx_factor, "is_public": row.is_public,
            "disabled": row.disabled, "description": row.description,
            "extra_specs": {s.key: s.value for s in row.extra_specs}}


def _get_row(session, flavor_id) -> models.Flavor:
    row = session.scalars(select(models.Flavor).where(
        models.Flavor.flavorid == flavor_id)).first()
    if row is None:
        raise FlavorNotFound(flavor_id=flavor_id)
    return row


def resources(flavor: dict, *, volume_backed: bool = False) -> dict:
    """The placement resources one server of ``flavor`` consumes (a volume-backed
    one has no local root disk: its root_gb is not claimed)."""
    root = 0 if volume_backed else flavor["root_gb"]
    return {"VCPU": flavor["vcpus"], "MEMORY_MB": flavor["memory_mb"],
            "DISK_GB": root + flavor["ephemeral_gb"] + -(-flavor["swap"] // 1024)}


@retry_on_deadlock
def create(db: Database, *, name, vcpus, ram, disk, flavorid=None, ephemeral=0, swap=0,
           rxtx_factor=1.0, is_public=True, description=None) -> dict:
    try:
        with db.writer() as session:
            row = models.Flavor(flavorid=flavorid or str(uuid.uuid4()), name=name,
                                vcpus=vcpus, memory_mb=ram, root_gb=disk,
                                ephemeral_gb=ephemeral, swap=swap,
                                rxtx_factor=rxtx_factor, is_public=is_public,
                                disabled=False, description=description)
            session.add(row)
            session.flush()
            return _as_dict(row)
    except DuplicateEntry:
        raise exception.Conflict(
            f"Flavor with name {name} or ID {flavorid} already exists.") from None


def get(db: Database, flavor_id: str) -> dict:
    with db.reader() as session:
        return _as_dict(_get_row(session, flavor_id))


def list_(db: Database, *, is_public=True, min_ram=None, min_disk=None) -> list[dict]:
    with db.reader() as session:
        query = select(models.Flavor).order_by(models.Flavor.flavorid)
        if is_public is not None:
            query = query.where(models.Flavor.is_public.is_(is_public))
        if min_ram is not None:
            query = query.where(models.Flavor.memory_mb >= min_ram)
        if min_disk is not None:
            query = query.where(models.Flavor.root_gb >= min_disk)
        return [_as_dict(r) for r in session.scalars(query)]


@retry_on_deadlock
def update(db: Database, flavor_id: str, *, description) -> dict:
    """Set the flavor's description (the one thing of a flavor that changes: what
    servers were built with stays in their own snapshot of it)."""
    with db.writer() as session:
        row = _get_row(session, flavor_id)
        row.description = description
        session.flush()
        return _as_dict(row)


@retry_on_deadlock
def delete(db: Database, flavor_id: str) -> None:
    with db.writer() as session:
        session.delete(_get_row(session, flavor_id))


@retry_on_deadlock
def set_extra_specs(db: Database, flavor_id: str, specs: dict) -> dict:
    with db.writer() as session:
        row = _get_row(session, flavor_id)
        current = {s.key: s for s in row.extra_specs}
        for key, value in specs.items():
            if key in current:
                current[key].value = value
            else:
                row.extra_specs.append(models.FlavorExtraSpec(key=key, value=value))
        session.flush()
        return {s.key: s.value for s in row.extra_specs}


@retry_on_deadlock
def delete_extra_spec(db: Database, flavor_id: str, key: str) -> None:
    with db.writer() as session:
        row = _get_row(session, flavor_id)
        spec = next((s for s in row.extra_specs if s.key == key), None)
        if spec is None:
            raise ExtraSpecNotFound(flavor_id=flavor_id, key=key)
        row.extra_specs.remove(spec)

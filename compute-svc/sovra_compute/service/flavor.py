"""Flavors, their extra specs, and the projects private flavors are given to
(os-flavor-access). Knows no HTTP.

A private flavor (``is_public`` false) is seen, and booted, only by admins and
the projects given access to it; to others it does not exist.
"""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, exists, or_, select

from sovra_common import exception
from sovra_common.db import Database, DuplicateEntry, retry_on_deadlock
from sovra_compute.db import models


class FlavorNotFound(exception.NotFound):
    message = "Flavor %(flavor_id)s could not be found."


class ExtraSpecNotFound(exception.NotFound):
    message = "Flavor %(flavor_id)s has no extra specs with key %(key)s."


class FlavorAccessExists(exception.Conflict):
    message = ("Flavor access already exists for flavor %(flavor_id)s and project "
               "%(project_id)s combination.")


class FlavorAccessNotFound(exception.NotFound):
    message = ("Flavor access not found for %(flavor_id)s / %(project_id)s "
               "combination.")


class PublicFlavorAccess(exception.Invalid):
    message = "Can not add access to a public flavor."


def _given_to(project_id: str):
    """Flavors ``project_id`` was given access to (a where clause)."""
    return exists().where(models.FlavorProject.flavor_id == models.Flavor.id,
                          models.FlavorProject.project_id == project_id)


def _as_dict(row, extra_specs: dict | None = None) -> dict:
    """``row``: a Flavor, or a row of its table with ``extra_specs`` given."""
    if extra_specs is None:
        extra_specs = {s.key: s.value for s in row.extra_specs}
    return {"flavorid": row.flavorid, "name": row.name, "vcpus": row.vcpus,
            "memory_mb": row.memory_mb, "root_gb": row.root_gb,
            "ephemeral_gb": row.ephemeral_gb, "swap": row.swap,
            "rxtx_factor": row.rxtx_factor, "is_public": row.is_public,
            "disabled": row.disabled, "description": row.description,
            "extra_specs": extra_specs}


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


_FLAVORS = models.Flavor.__table__
#: built once (every server create reads its flavor): SQLAlchemy Core, no ORM
#: objects; the flavor, its extra specs, and whether a project was given it
_READ = select(_FLAVORS).where(_FLAVORS.c.flavorid == bindparam("flavorid"))
_READ_SPECS = select(models.FlavorExtraSpec.__table__.c["key", "value"]).where(
    models.FlavorExtraSpec.__table__.c.flavor_id == bindparam("id"))
_GIVEN = select(models.FlavorProject.__table__.c.flavor_id).where(
    models.FlavorProject.__table__.c.flavor_id == bindparam("id"),
    models.FlavorProject.__table__.c.project_id == bindparam("project_id"))


def get(db: Database, flavor_id: str, *, context=None) -> dict:
    """The flavor; with ``context``, FlavorNotFound too for a private one the
    caller's project was not given (unless an admin)."""
    with db.reader() as session:
        connection = session.connection()
        row = connection.execute(_READ, {"flavorid": flavor_id}).first()
        if row is None or not _visible(connection, row, context):
            raise FlavorNotFound(flavor_id=flavor_id)
        specs = dict(connection.execute(_READ_SPECS, {"id": row.id}).all())
        return _as_dict(row, specs)


def _visible(connection, row, context) -> bool:
    """Whether the caller of ``context`` (None: no caller to check) sees the
    flavor of ``row``: public, or given to its project, or an admin."""
    if context is None or row.is_public or context.check_is_admin():
        return True
    return connection.execute(_GIVEN, {"id": row.id, "project_id": context.project_id}
                              ).first() is not None


def list_(db: Database, *, is_public=True, min_ram=None, min_disk=None,
          project_id=None) -> list[dict]:
    """``is_public``: True, public flavors (and, with ``project_id``, the private
    ones given to that project); False, private ones; None, all."""
    with db.reader() as session:
        query = select(models.Flavor).order_by(models.Flavor.flavorid)
        if is_public and project_id is not None:
            query = query.where(or_(models.Flavor.is_public.is_(True),
                                    _given_to(project_id)))
        elif is_public is not None:
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


def list_access(db: Database, flavor_id: str) -> list[str]:
    """The projects given access to a flavor."""
    with db.reader() as session:
        row = _get_row(session, flavor_id)
        return list(session.scalars(select(models.FlavorProject.project_id).where(
            models.FlavorProject.flavor_id == row.id).order_by(
            models.FlavorProject.project_id)))


@retry_on_deadlock
def add_access(db: Database, flavor_id: str, project_id: str) -> list[str]:
    try:
        with db.writer() as session:
            row = _get_row(session, flavor_id)
            if row.is_public:
                raise PublicFlavorAccess()
            if session.get(models.FlavorProject, (row.id, project_id)) is not None:
                raise FlavorAccessExists(flavor_id=flavor_id, project_id=project_id)
            session.add(models.FlavorProject(flavor_id=row.id, project_id=project_id))
            session.flush()
    except DuplicateEntry:  # a concurrent add
        raise FlavorAccessExists(flavor_id=flavor_id, project_id=project_id) from None
    return list_access(db, flavor_id)


@retry_on_deadlock
def remove_access(db: Database, flavor_id: str, project_id: str) -> list[str]:
    with db.writer() as session:
        row = _get_row(session, flavor_id)
        given = session.get(models.FlavorProject, (row.id, project_id))
        if given is None:
            raise FlavorAccessNotFound(flavor_id=flavor_id, project_id=project_id)
        session.delete(given)
    return list_access(db, flavor_id)

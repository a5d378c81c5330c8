"""Volume types: lookups by id or name, visibility (public, or private with a
project access list), the default type; and their administration (create, update,
delete, extra specs, the access list of private types)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sovra_block.db import models
from sovra_block.service import quota
from sovra_common import exception


class VolumeTypeNotFound(exception.NotFound):
    message = "Volume type %(type_id)s could not be found."


def is_visible(row: models.VolumeType, ctxt) -> bool:
    """Public types are seen by all; private ones by admins and the projects on
    their access list."""
    if row.is_public or ctxt.is_admin:
        return True
    return any(p.project_id == ctxt.project_id for p in row.projects)


def get(session, ctxt, type_id_or_name: str) -> models.VolumeType:
    """The type with that id (or else that name) the caller may see; 404 if none."""
    row = session.get(models.VolumeType, type_id_or_name)
    if row is None:
        row = session.scalars(select(models.VolumeType).where(
            models.VolumeType.name == type_id_or_name)).first()
    if row is None or not is_visible(row, ctxt):
        raise VolumeTypeNotFound(type_id=type_id_or_name)
    return row


def default(session, conf) -> models.VolumeType:
    """[block] default_volume_type; an unset or missing default is a 500-free 400
    the operator can act on."""
    name = conf.block.default_volume_type
    row = session.scalars(select(models.VolumeType).where(
        models.VolumeType.name == name)).first()
    if row is None:
        raise exception.Invalid(f"The default volume type {name!r} does not exist; "
                                "create it or set [block] default_volume_type.")
    return row


def for_create(session, conf, ctxt, requested: str | None) -> models.VolumeType:
    """The type of a new volume: the one asked for, else the default."""
    if requested:
        return get(session, ctxt, requested)
    return default(session, conf)


# --- Administration: create, update, delete, extra specs, access list ---------

#: Extra specs a non-admin sees (the rest describe the storage and stay private).
USER_VISIBLE_EXTRA_SPECS = ("RESKEY:availability_zones", "multiattach",
                            "replication_enabled")


class VolumeTypeExists(exception.Conflict):
    message = "Volume Type %(name)s already exists."


class VolumeTypeInUse(exception.Invalid):
    message = ("Volume Type %(type_id)s deletion is not allowed with volumes present "
               "with the type.")


class DefaultVolumeTypeNotFound(exception.NotFound):
    message = "Default volume type %(name)s can not be found."


class VolumeTypeExtraSpecNotFound(exception.NotFound):
    message = "Volume Type %(type_id)s has no extra specs with key %(key)s."


class VolumeTypeAccessNotFound(exception.NotFound):
    message = "Volume type access not found for %(type_id)s / %(project_id)s combination."


class VolumeTypeAccessExists(exception.Conflict):
    message = ("Volume type access for %(type_id)s / %(project_id)s combination "
               "already exists.")


def list_types(session, ctxt, is_public: bool | None = True) -> list[models.VolumeType]:
    """The types the caller may see, by name.

    ``is_public`` (only admins choose it; others always get True): True, the public
    types plus the private ones the caller's project has access to; False, the
    private types only; None, every type.
    """
    rows = list(session.scalars(select(models.VolumeType).order_by(
        models.VolumeType.name)))
    if not ctxt.is_admin:
        return [row for row in rows if is_visible(row, ctxt)]
    if is_public is None:
        return rows
    if is_public:
        return [row for row in rows if row.is_public or any(
            p.project_id == ctxt.project_id for p in row.projects)]
    return [row for row in rows if not row.is_public]


def visible_extra_specs(row: models.VolumeType, see_all: bool) -> dict:
    """The type's extra specs as the caller may see them: all of them, or only
    the user-visible ones."""
    specs = row.extra_specs_dict
    if see_all:
        return specs
    return {k: v for k, v in specs.items() if k in USER_VISIBLE_EXTRA_SPECS}


def get_default(session, conf) -> models.VolumeType:
    """The default type, for GET /types/default: 404 when it does not exist."""
    name = conf.block.default_volume_type
    row = session.scalars(select(models.VolumeType).where(
        models.VolumeType.name == name)).first()
    if row is None:
        raise DefaultVolumeTypeNotFound(name=name)
    return row


def _check_name_free(session, name: str, exclude_id: str | None = None) -> None:
    row = session.scalars(select(models.VolumeType).where(
        models.VolumeType.name == name)).first()
    if row is not None and row.id != exclude_id:
        raise VolumeTypeExists(name=name)


def create(session, *, name: str, description: str | None = None,
           is_public: bool = True, extra_specs: dict | None = None) -> models.VolumeType:
    """A new type (inside a writer); 409 if the name is taken."""
    _check_name_free(session, name)
    row = models.VolumeType(id=str(uuid.uuid4()), name=name, description=description,
                            is_public=is_public)
    row.extra_specs = [models.VolumeTypeExtraSpec(key=k, value=v)
                       for k, v in (extra_specs or {}).items()]
    session.add(row)
    session.flush()
    return row


def update(session, conf, ctxt, type_id: str, *, name: str | None = None,
           description: str | None = None, is_public: bool | None = None,
           description_given: bool = False) -> models.VolumeType:
    """Rename, describe, or publish/unpublish a type (inside a writer).

    The default type keeps its name ([block] default_volume_type names it). A rename
    carries the type's per-type quota limits and usage (``volumes_<name>``...) over
    to the new name.
    """
    row = get(session, ctxt, type_id)
    if name is not None and name != row.name:
        if row.name == conf.block.default_volume_type:
            raise exception.Invalid(
                f"The default volume type {row.name!r} cannot be renamed; change "
                "[block] default_volume_type first.")
        _check_name_free(session, name, exclude_id=row.id)
        quota.rename_type(session, row.name, name)
        row.name = name
    if description_given:
        row.description = description
    if is_public is not None:
        row.is_public = is_public
    session.flush()
    return row


def delete(session, conf, ctxt, type_id: str) -> str:
    """Delete a type no volume uses (inside a writer); not the default type. The
    per-type quota limits of the type go with it. Returns the type's id."""
    row = get(session, ctxt, type_id)
    if row.name == conf.block.default_volume_type:
        raise exception.Invalid("Default volume type can not be deleted.")
    in_use = session.scalars(select(models.Volume.id).where(
        models.Volume.volume_type_id == row.id).limit(1)).first()
    if in_use is not None:
        raise VolumeTypeInUse(type_id=row.id)
    quota.forget_type(session, row.name)
    session.delete(row)
    return row.id


def set_extra_specs(session, ctxt, type_id: str, specs: dict) -> dict:
    """Add or change extra specs (inside a writer); the type's specs after."""
    row = get(session, ctxt, type_id)
    current = {item.key: item for item in row.extra_specs}
    for key, value in specs.items():
        if key in current:
            current[key].value = value
        else:
            row.extra_specs.append(models.VolumeTypeExtraSpec(key=key, value=value))
    session.flush()
    return row.extra_specs_dict


def get_extra_spec(row: models.VolumeType, key: str) -> str:
    specs = row.extra_specs_dict
    if key not in specs:
        raise VolumeTypeExtraSpecNotFound(type_id=row.id, key=key)
    return specs[key]


def delete_extra_spec(session, ctxt, type_id: str, key: str) -> None:
    row = get(session, ctxt, type_id)
    for item in row.extra_specs:
        if item.key == key:
            row.extra_specs.remove(item)
            return
    raise VolumeTypeExtraSpecNotFound(type_id=row.id, key=key)


def access_list(session, ctxt, type_id: str) -> tuple[str, list[str]]:
    """The type's id and the projects it is shared with; 404 for a public type."""
    row = get(session, ctxt, type_id)
    if row.is_public:
        raise VolumeTypeAccessNotFound(
            "Access list not available for public volume types.")
    return row.id, sorted(p.project_id for p in row.projects)


def names(session) -> list[str]:
    """Every type's name (the per-type quota resources follow them)."""
    return list(session.scalars(select(models.VolumeType.name).order_by(
        models.VolumeType.name)))


def add_project(session, ctxt, type_id: str, project_id: str) -> None:
    row = get(session, ctxt, type_id)
    if row.is_public:
        raise exception.Invalid("Invalid volume type: Type access modification is "
                                "not applicable to public volume type.")
    if any(p.project_id == project_id for p in row.projects):
        raise VolumeTypeAccessExists(type_id=row.id, project_id=project_id)
    row.projects.append(models.VolumeTypeProject(project_id=project_id))


def remove_project(session, ctxt, type_id: str, project_id: str) -> None:
    row = get(session, ctxt, type_id)
    if row.is_public:
        raise exception.Invalid("Invalid volume type: Type access modification is "
                                "not applicable to public volume type.")
    for item in row.projects:
        if item.project_id == project_id:
            row.projects.remove(item)
            return
    raise VolumeTypeAccessNotFound(type_id=row.id, project_id=project_id)

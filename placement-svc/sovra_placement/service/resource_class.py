"""Resource classes: the standard ones from os-resource-classes, and CUSTOM_*."""

import os_resource_classes
import sqlalchemy as sa

from sovra_common import exception
from sovra_common.db import errors as db_errors
from sovra_placement.db import models
from sovra_placement.exception import DuplicateName
from sovra_placement.service.names import CUSTOM_RE, NameTable

TABLE = NameTable(models.ResourceClass, "resource class",
                  lambda: list(os_resource_classes.STANDARDS))


def sync_standard(db):
    TABLE.sync_standard(db)


def list_classes(db):
    with db.reader() as session:
        return list(session.execute(sa.select(models.ResourceClass)
                                    .order_by(models.ResourceClass.id)).scalars())


def get_class(db, name):
    with db.reader() as session:
        return TABLE.get(session, name)


def create_class(db, name):
    try:
        with db.writer() as session:
            return TABLE.create(session, name)
    except db_errors.DuplicateEntry:
        raise DuplicateName(f"Conflicting resource class already exists: {name}") from None


def ensure_class(db, name) -> bool:
    """Create custom class ``name`` unless it exists; True when it was created."""
    with db.writer() as session:
        if TABLE.exists(session, name):
            return False
        if not CUSTOM_RE.match(name):
            raise exception.Invalid(f"Resource class name {name!r} must match "
                                    f"{CUSTOM_RE.pattern}.")
        TABLE.create(session, name)
        return True


def _check_custom(name):
    if TABLE.is_standard(name):
        raise exception.Invalid(f"Cannot update standard resource class {name}")


def rename_class(db, name, new_name):
    _check_custom(name)
    if not CUSTOM_RE.match(new_name):
        raise exception.Invalid(f"Resource class name {new_name!r} must match "
                                f"{CUSTOM_RE.pattern}.")
    try:
        with db.writer() as session:
            obj = TABLE.get(session, name)
            obj.name = new_name
            session.flush()
            return obj
    except db_errors.DuplicateEntry:
        raise DuplicateName(
            f"Resource class already exists: {new_name}") from None


def delete_class(db, name):
    if TABLE.is_standard(name):
        raise exception.Invalid(f"Cannot delete standard resource class {name}")
    with db.writer() as session:
        obj = TABLE.get(session, name)
        used = session.scalar(sa.select(models.Inventory.id).where(
            models.Inventory.resource_class_id == obj.id).limit(1))
        if used is None:
            used = session.scalar(sa.select(models.Allocation.id).where(
                models.Allocation.resource_class_id == obj.id).limit(1))
        if used is not None:
            raise exception.Conflict(
                f"Unable to delete resource class {name}. The class is in use in "
                "inventory or allocations.")
        session.delete(obj)

"""Images: creation, visibility, listing, updates, deletion, (de)activation, tags.

Knows no HTTP. Callers check policy; this module enforces what policy cannot: who
may see an image at all (an invisible image is "not found", never "forbidden"), the
status machine, read-only and reserved attributes, protected images and quotas.
"""

from __future__ import annotations

import datetime
import logging
import re
import uuid

from sovra_common import exception
from sovra_common.db import DuplicateEntry, retry_on_deadlock
from sovra_image.db.api import image as image_db
from sovra_image.db.models import Image, ImageProperty, ImageTag
from sovra_image.service import quota

LOG = logging.getLogger(__name__)

# Core attributes a client may set (at creation, and with PATCH).
WRITABLE = ("name", "visibility", "protected", "os_hidden", "disk_format",
            "container_format", "min_disk", "min_ram", "tags", "owner")
# Core attributes the service alone sets.
READ_ONLY = ("id", "status", "size", "virtual_size", "checksum", "os_hash_algo",
             "os_hash_value", "created_at", "updated_at", "self", "file", "schema",
             "direct_url", "locations", "location", "stores")
# Names no image may use, as core or custom property.
RESERVED = ("deleted", "deleted_at", "owner_id")
RESERVED_PREFIX = "os_glance"
# Attributes that may change only while the image has no data.
FORMAT_ATTRS = ("disk_format", "container_format")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                   r"[0-9a-fA-F]{12}$")


class ImageNotFound(exception.NotFound):
    message = "No image found with ID %(image_id)s"


class ReadOnlyAttribute(exception.Forbidden):
    message = "Attribute '%(attr)s' is read-only."


class ReservedAttribute(exception.Forbidden):
    message = "Attribute '%(attr)s' is reserved."


class ImageProtected(exception.Forbidden):
    message = "Image %(image_id)s is protected and cannot be deleted."


class ImageStatusForbidden(exception.Forbidden):
    message = "Not allowed to %(action)s image in status '%(status)s'."


class DuplicateImage(exception.Conflict):
    message = "An image with identifier %(image_id)s already exists."


class ImageQuotaExceeded(exception.OverQuota):
    message = "Maximum number of %(what)s exceeded (limit %(limit)d)."


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def check_attribute_names(names) -> None:
    """Refuse read-only and reserved attribute names (403, as the API reference says)."""
    for name in names:
        if name in READ_ONLY:
            raise ReadOnlyAttribute(attr=name)
        if name in RESERVED or name.startswith(RESERVED_PREFIX):
            raise ReservedAttribute(attr=name)


def is_member(db, image: Image, project_id: str | None, status: str | None = None) -> bool:
    with db.reader() as session:
        member = image_db.membership(session, image.id, project_id)
    return member is not None and (status is None or member.status == status)


def _sees(context, image, member: bool) -> bool:
    if context.is_admin or image.visibility in ("public", "community"):
        return True
    if context.project_id is not None and image.owner == context.project_id:
        return True
    return image.visibility == "shared" and member


def can_see(db, context, image: Image) -> bool:
    """Whether the caller may know the image exists."""
    return _sees(context, image, image.visibility == "shared"
                 and is_member(db, image, context.project_id))


def get_visible(db, context, image_id: str) -> Image:
    """The image, if the caller may see it; ImageNotFound otherwise."""
    with db.reader() as session:
        image = image_db.get(session, image_id)
    if image is None or not can_see(db, context, image):
        raise ImageNotFound(image_id=image_id)
    return image


def policy_target(db, context, image: Image) -> dict:
    """What policy rules about an image compare against."""
    member = context.project_id if is_member(db, image, context.project_id) else ""
    return {"project_id": image.owner or "", "visibility": image.visibility,
            "member_id": member or ""}


def shown(db, context, image_id: str):
    """For GET /v2/images/{id}, read in one reader with Core (no ORM objects), fresh
    every time: (the image's row, its properties [(name, value)], tags, stores, its
    policy target), if the caller may see it; ImageNotFound otherwise. The same
    checks as ``get_visible`` then ``policy_target``."""
    with db.reader() as session:
        found = image_db.shown(session, image_id, context.project_id)
    if found is None:
        raise ImageNotFound(image_id=image_id)
    row, properties, tags, stores = found
    member = context.project_id is not None and row.member_status is not None
    if not _sees(context, row, member):
        raise ImageNotFound(image_id=image_id)
    target = {"project_id": row.owner or "", "visibility": row.visibility,
              "member_id": context.project_id if member else ""}
    return row, properties, tags, stores, target


def properties_of(image: Image) -> dict[str, str]:
    return {p.name: p.value for p in image.properties}


def _check_quota(conf, what: str, count: int, limit_opt: str) -> None:
    limit = getattr(conf.image, limit_opt)
    if count > limit:
        raise ImageQuotaExceeded(what=what, limit=limit)


@retry_on_deadlock
def create(db, conf, context, values: dict, limits=None) -> Image:
    """A new image, status ``queued``. ``values``: the validated request body (core
    attributes and custom properties)."""
    values = dict(values)
    image_id = values.pop("id", None) or str(uuid.uuid4())
    if not _UUID.match(image_id):
        raise exception.Invalid(f"Invalid image id {image_id!r}: not a UUID.")
    image_id = str(uuid.UUID(image_id))
    tags = list(dict.fromkeys(values.pop("tags", [])))
    core = {k: values.pop(k) for k in WRITABLE if k in values and k != "tags"}
    check_attribute_names(values)
    _check_quota(conf, "image tags", len(tags), "image_tag_quota")
    _check_quota(conf, "image properties", len(values), "image_property_quota")
    created = now()
    image = Image(
        id=image_id, name=core.get("name"), status="queued",
        visibility=core.get("visibility", "shared"),
        protected=core.get("protected", False), os_hidden=core.get("os_hidden", False),
        owner=core["owner"] if "owner" in core else context.project_id,
        disk_format=core.get("disk_format"), container_format=core.get("container_format"),
        min_disk=core.get("min_disk", 0), min_ram=core.get("min_ram", 0),
        created_at=created, updated_at=created, deleted=False,
        properties=[ImageProperty(name=k, value=v) for k, v in values.items()],
        tags=[ImageTag(value=t) for t in tags], locations=[])
    try:
        with db.writer() as session:
            if image_db.exists_ever(session, image_id):
                raise DuplicateImage(image_id=image_id)
            limit = (limits or quota.ConfigLimits(conf)).image_count(image.owner) \
                if image.owner is not None else None
            if limit is not None and image_db.owner_usage(session, image.owner)[0] >= limit:
                raise ImageQuotaExceeded(what="images", limit=limit)
            session.add(image)
    except DuplicateEntry:
        raise DuplicateImage(image_id=image_id) from None
    return image


def list_images(db, conf, context, filters: dict, properties: dict,
                sort: list[tuple[str, str]], limit: int | None, marker: str | None):
    """A page of the images the caller may see, filtered and sorted.

    ``filters``: name, id, status, visibility, owner, member_status, tag (list),
    size_min, size_max, disk_format, container_format, protected, os_hidden (bool;
    default False: hidden images are left out), created_at/updated_at (lists of
    (op, datetime)). ``properties``: custom property name -> value.
    """
    limit = min(limit or conf.image.limit_param_default, conf.image.api_limit_max)
    filters = {"os_hidden": False, **filters}
    with db.reader() as session:
        clauses = image_db.build_filters(filters, properties, context.project_id,
                                         context.is_admin)
        images = image_db.list_images(session, clauses, sort, limit, marker)
    if images is None:
        raise exception.Invalid(f"Invalid marker: no image found with ID {marker}.")
    return images, limit


@retry_on_deadlock
def update(db, conf, context, image: Image, core: dict, properties: dict,
           removed: set[str], tags: list[str] | None) -> Image:
    """Apply a PATCH's result: ``core`` attributes changed, ``properties`` set,
    custom properties ``removed``, ``tags`` replaced (None: unchanged)."""
    for attr in FORMAT_ATTRS:
        if attr in core and core[attr] != getattr(image, attr) and image.status != "queued":
            raise exception.Forbidden(
                f"Attribute {attr} can be only replaced for a queued image.")
    if tags is not None:
        _check_quota(conf, "image tags", len(tags), "image_tag_quota")
    remaining = (set(properties_of(image)) - removed) | set(properties)
    _check_quota(conf, "image properties", len(remaining), "image_property_quota")
    with db.writer() as session:
        row = image_db.get(session, image.id)
        if row is None:
            raise ImageNotFound(image_id=image.id)
        for key, value in core.items():
            setattr(row, key, value)
        current = {p.name: p for p in row.properties}
        for name in removed:
            if name in current:
                row.properties.remove(current.pop(name))
        for name, value in properties.items():
            if name in current:
                current[name].value = value
            else:
                row.properties.append(ImageProperty(name=name, value=value))
        if tags is not None:
            wanted = list(dict.fromkeys(tags))
            row.tags[:] = [t for t in row.tags if t.value in wanted]
            have = {t.value for t in row.tags}
            row.tags.extend(ImageTag(value=t) for t in wanted if t not in have)
        row.updated_at = now()
        session.flush()
        return image_db.get(session, image.id)


def delete(db, store, image: Image) -> None:
    """Delete the image (soft: its id is never reused) and, when no other image
    refers to it, its data."""
    if image.protected:
        raise ImageProtected(image_id=image.id)
    with store.reference_lock():
        with db.writer() as session:
            if not image_db.set_status(session, image.id, tuple(_ALL_STATUSES), "deleted",
                                       deleted=True, deleted_at=now()):
                raise ImageNotFound(image_id=image.id)
            gone = image_db.drop_locations(session, image.id)
            orphans = [loc.url for loc in gone
                       if not image_db.location_in_use(session, loc.url)]
        for url in orphans:
            try:
                store.delete(url)
            except Exception:
                LOG.exception("image %s deleted, but removing its data at %s failed",
                              image.id, url)


def deactivate(db, image: Image) -> None:
    if image.status == "deactivated":
        return
    with db.writer() as session:
        if not image_db.set_status(session, image.id, ("active",), "deactivated"):
            raise ImageStatusForbidden(action="deactivate", status=image.status)


def reactivate(db, image: Image) -> None:
    if image.status == "active":
        return
    with db.writer() as session:
        if not image_db.set_status(session, image.id, ("deactivated",), "active"):
            raise ImageStatusForbidden(action="reactivate", status=image.status)


@retry_on_deadlock
def add_tag(db, conf, image: Image, tag: str) -> None:
    with db.writer() as session:
        row = image_db.get(session, image.id)
        if row is None:
            raise ImageNotFound(image_id=image.id)
        if tag in {t.value for t in row.tags}:
            return
        _check_quota(conf, "image tags", len(row.tags) + 1, "image_tag_quota")
        row.tags.append(ImageTag(value=tag))
        row.updated_at = now()


@retry_on_deadlock
def delete_tag(db, image: Image, tag: str) -> None:
    with db.writer() as session:
        row = image_db.get(session, image.id)
        if row is None:
            raise ImageNotFound(image_id=image.id)
        found = [t for t in row.tags if t.value == tag]
        if not found:
            raise exception.NotFound(f"Tag {tag} not found.")
        row.tags.remove(found[0])
        row.updated_at = now()


_ALL_STATUSES = ("queued", "saving", "active", "killed", "pending_delete",
                 "deactivated", "uploading", "importing")

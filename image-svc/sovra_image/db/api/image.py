"""Image queries: lookups, the visibility-aware listing with keyset pagination,
and the conditional status changes uploads rely on."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy import and_, delete, false, func, literal, or_, select, true, update
from sqlalchemy.orm import selectinload

from sovra_common.db import schema
from sovra_image.db.models import Image, ImageLocation, ImageMember, ImageProperty, ImageTag

# Sort keys the API accepts, with what a NULL sorts as (so that keyset pagination
# compares plain values on every backend).
SORT_KEYS = {
    "name": "", "status": None, "container_format": "", "disk_format": "",
    "size": -1, "virtual_size": -1, "id": None, "created_at": None, "updated_at": None,
    "min_disk": None, "min_ram": None, "visibility": None, "owner": "",
}

_COMPARATORS = {
    "eq": lambda c, v: c == v, "neq": lambda c, v: c != v,
    "gt": lambda c, v: c > v, "gte": lambda c, v: c >= v,
    "lt": lambda c, v: c < v, "lte": lambda c, v: c <= v,
}


def _loaded():
    return (selectinload(Image.properties), selectinload(Image.tags),
            selectinload(Image.locations))


def get(session, image_id: str) -> Image | None:
    """The image (not deleted), with properties, tags and locations loaded."""
    return session.scalars(select(Image).options(*_loaded()).where(
        Image.id == image_id, Image.deleted == false())).one_or_none()


_IMAGES, _MEMBERS = Image.__table__, ImageMember.__table__
_PROPERTIES, _TAGS = ImageProperty.__table__, ImageTag.__table__
_LOCATIONS = ImageLocation.__table__

#: GET /v2/images/{id}: the image (not deleted) and the status of the caller's
#: membership (None: not a member), one row; then its properties (kind 0, by name),
#: tags (1) and locations' stores (2) in one more statement. SQLAlchemy Core, built
#: once (cache keys too): no ORM objects for the most frequent read.
_SHOWN = (select(_IMAGES, _MEMBERS.c.status.label("member_status"))
          .select_from(_IMAGES.outerjoin(_MEMBERS, and_(
              _MEMBERS.c.image_id == _IMAGES.c.id,
              _MEMBERS.c.member_id == sa.bindparam("member_id"))))
          .where(_IMAGES.c.id == sa.bindparam("image_id"), _IMAGES.c.deleted == false()))
_SHOWN_PARTS = sa.union_all(
    select(sa.literal_column("0", sa.Integer).label("kind"), _PROPERTIES.c.name.label("name"),
           _PROPERTIES.c.value.label("value"))
    .where(_PROPERTIES.c.image_id == sa.bindparam("image_id")),
    select(sa.literal_column("1", sa.Integer), _TAGS.c.value, sa.null())
    .where(_TAGS.c.image_id == sa.bindparam("image_id")),
    select(sa.literal_column("2", sa.Integer), _LOCATIONS.c.store, sa.null())
    .where(_LOCATIONS.c.image_id == sa.bindparam("image_id")),
).order_by("kind", "name")


def shown(session, image_id: str, member_id: str | None):
    """(the image's row with ``member_status``, its properties [(name, value)] by
    name, its tags, its locations' stores) or None if there is no such image."""
    connection = session.connection()
    row = connection.execute(_SHOWN, {"image_id": image_id,
                                      "member_id": member_id}).first()
    if row is None:
        return None
    properties, tags, stores = [], [], []
    for kind, name, value in connection.execute(_SHOWN_PARTS, {"image_id": image_id}):
        if kind == 0:
            properties.append((name, value))
        elif kind == 1:
            tags.append(name)
        else:
            stores.append(name)
    return row, properties, tags, stores


def exists_ever(session, image_id: str) -> bool:
    """Whether the id was ever used (deleted images keep theirs)."""
    return session.scalar(select(func.count()).where(Image.id == image_id)) > 0


def owner_usage(session, owner: str, exclude: str | None = None) -> tuple[int, int]:
    """(images, bytes of data) the project ``owner`` has, deleted ones left out."""
    query = select(func.count(), func.coalesce(func.sum(Image.size), 0)).where(
        Image.owner == owner, Image.deleted == false())
    if exclude is not None:
        query = query.where(Image.id != exclude)
    count, size = session.execute(query).one()
    return count, int(size)


def membership(session, image_id: str, member_id: str | None) -> ImageMember | None:
    if member_id is None:
        return None
    return session.get(ImageMember, (image_id, member_id))


def set_status(session, image_id: str, expected: tuple[str, ...], status: str,
               **values) -> bool:
    """Move the image to ``status`` only if it is in one of ``expected`` (a compare-
    and-set, so two uploads cannot both start); True if it moved."""
    result = session.execute(
        update(Image).where(Image.id == image_id, Image.deleted == false(),
                            Image.status.in_(expected))
        .values(status=status, updated_at=values.pop("updated_at", _now()), **values)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def take_over_stalled(session, image_id: str, status: str,
                      before: datetime.datetime) -> bool:
    """Restart the clock of an image left in ``status`` since before ``before`` by
    an upload that stopped (a compare-and-set: one taker wins); True if taken."""
    result = session.execute(
        update(Image).where(Image.id == image_id, Image.deleted == false(),
                            Image.status == status, Image.updated_at < before)
        .values(updated_at=_now()).execution_options(synchronize_session=False))
    return result.rowcount == 1


def add_location(session, image_id: str, store: str, url: str) -> None:
    session.add(ImageLocation(image_id=image_id, store=store, url=url, created_at=_now()))


def drop_locations(session, image_id: str) -> list[ImageLocation]:
    """Delete the image's location rows; returns them."""
    rows = list(session.scalars(select(ImageLocation).where(
        ImageLocation.image_id == image_id)))
    session.execute(delete(ImageLocation).where(ImageLocation.image_id == image_id))
    return rows


def location_in_use(session, url: str) -> bool:
    """Whether any image still refers to the stored object at ``url``."""
    return session.scalar(select(func.count()).select_from(ImageLocation).where(
        ImageLocation.url == url)) > 0


def _sort_expr(key: str):
    column = getattr(Image, key)
    null_as = SORT_KEYS[key]
    return column if null_as is None else func.coalesce(column, literal(null_as))


def _visible_clause(project_id, visibility, member_status):
    """Who sees what, for a non-admin caller of ``project_id``."""
    mine = Image.owner == project_id
    member_q = select(ImageMember.image_id).where(ImageMember.member_id == project_id)
    if member_status != "all":
        member_q = member_q.where(ImageMember.status == member_status)
    shared_with_me = and_(Image.visibility == "shared", Image.id.in_(member_q))
    if visibility is None:
        return or_(mine, Image.visibility == "public", shared_with_me)
    if visibility == "all":
        return or_(mine, Image.visibility.in_(("public", "community")), shared_with_me)
    if visibility in ("public", "community"):
        return Image.visibility == visibility
    if visibility == "private":
        return and_(Image.visibility == "private", mine)
    return or_(and_(Image.visibility == "shared", mine), shared_with_me)


def _admin_visibility_clause(visibility, member_status):
    if visibility is None or visibility == "all":
        return true()
    return Image.visibility == visibility


def _in_or_eq(column, value: str):
    if value.startswith("in:"):
        return column.in_([v.strip('"') for v in value[3:].split(",")])
    return column == value


def build_filters(filters: dict, properties: dict, project_id: str | None, is_admin: bool):
    """The WHERE clauses of a listing (see service.image.list_images for the keys)."""
    clauses = [Image.deleted == false()]
    visibility = filters.get("visibility")
    member_status = filters.get("member_status", "accepted")
    if is_admin:
        clauses.append(_admin_visibility_clause(visibility, member_status))
        if visibility == "shared" and "member_status" in filters and project_id:
            member_q = select(ImageMember.image_id).where(
                ImageMember.member_id == project_id)
            if member_status != "all":
                member_q = member_q.where(ImageMember.status == member_status)
            clauses.append(Image.id.in_(member_q))
    else:
        clauses.append(_visible_clause(project_id, visibility, member_status))
    for key in ("name", "id", "status", "disk_format", "container_format"):
        if key in filters:
            clauses.append(_in_or_eq(getattr(Image, key), filters[key]))
    if "owner" in filters:
        clauses.append(Image.owner == filters["owner"])
    for key in ("protected", "os_hidden"):
        if key in filters:
            clauses.append(getattr(Image, key) == (true() if filters[key] else false()))
    # A bound past the column's 64-bit range is not sent to the database (it cannot
    # take it): past the top nothing is that large, below the bottom all is larger.
    if "size_min" in filters:
        low = filters["size_min"]
        clauses.append(false() if low > schema.BIGINT_MAX
                       else Image.size >= max(low, schema.BIGINT_MIN))
    if "size_max" in filters:
        high = filters["size_max"]
        clauses.append(false() if high < schema.BIGINT_MIN
                       else Image.size <= min(high, schema.BIGINT_MAX))
    for key in ("created_at", "updated_at"):
        for op, when in filters.get(key, ()):
            clauses.append(_COMPARATORS[op](getattr(Image, key), when))
    for tag in filters.get("tag", ()):
        clauses.append(Image.id.in_(select(ImageTag.image_id).where(ImageTag.value == tag)))
    for name, value in properties.items():
        clauses.append(Image.id.in_(select(ImageProperty.image_id).where(
            ImageProperty.name == name, _in_or_eq(ImageProperty.value, value))))
    return clauses


def list_images(session, clauses, sort: list[tuple[str, str]], limit: int,
                marker: str | None) -> list[Image] | None:
    """One page of images matching ``clauses``, ordered by ``sort`` (then id).

    None when ``marker`` names no image among those the caller may list.
    """
    if not any(key == "id" for key, _ in sort):
        sort = [*sort, ("id", sort[-1][1] if sort else "desc")]
    exprs = [(_sort_expr(key), direction) for key, direction in sort]
    query = select(Image).options(*_loaded()).where(*clauses)
    if marker is not None:
        values = session.execute(select(*(e for e, _ in exprs)).where(
            Image.id == marker, *clauses)).one_or_none()
        if values is None:
            return None
        after = []
        for i, (expr, direction) in enumerate(exprs):
            equal = [exprs[j][0] == values[j] for j in range(i)]
            beyond = expr > values[i] if direction == "asc" else expr < values[i]
            after.append(and_(*equal, beyond))
        query = query.where(or_(*after))
    order = [e.asc() if d == "asc" else e.desc() for e, d in exprs]
    return list(session.scalars(query.order_by(*order).limit(limit)))


def _now():
    return datetime.datetime.now(datetime.UTC)


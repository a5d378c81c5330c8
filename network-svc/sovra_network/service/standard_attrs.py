"""Standard attributes: revisions (with compare-and-swap) and tags, for every
resource that has them (networks, subnets, ports, security groups and rules,
subnet pools; routers and floating IPs).

The contract:
  * every change to a resource, tags included, goes through :func:`bump` once per
    transaction: ``revision_number`` + 1 and ``updated_at`` now;
  * an update or delete that carries an expected revision (``If-Match:
    revision_number=N``) loads the row locked (``SELECT ... FOR UPDATE`` on
    MariaDB; SQLite has one writer) and calls :func:`check_revision` before
    changing anything, so two clients that read revision N cannot both write.
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.db import schema
from sovra_network import exception as net_exc
from sovra_network.db.api import tag as tag_db

MAX_TAG_LENGTH = 255


def bump(row) -> None:
    row.revision_number = (row.revision_number or 0) + 1
    row.updated_at = schema.utcnow()


def check_revision(row, expected: int | None) -> None:
    """412 (RevisionNumberConstraintFailed) unless ``expected`` is None or the row's
    revision_number."""
    if expected is not None and row.revision_number != expected:
        raise net_exc.RevisionNumberConstraintFailed(expected, row.revision_number)


def check_tag(tag: str) -> None:
    if not isinstance(tag, str) or not tag or len(tag) > MAX_TAG_LENGTH or "," in tag \
            or "/" in tag:
        raise exception.Invalid(f"Invalid tag {tag!r}: tags are 1 to {MAX_TAG_LENGTH} "
                                "characters without ',' or '/'.")


def tags_for(session, resource_type: str, rows) -> dict[str, list[str]]:
    return tag_db.tags_for(session, resource_type, [r.id for r in rows])


def set_tags(session, resource_type: str, row, tags) -> list[str]:
    """Replace every tag of ``row``; the sorted tags it now has."""
    for tag in tags:
        check_tag(tag)
    tag_db.replace_tags(session, resource_type, row.id, tags)
    bump(row)
    return sorted(set(tags))


def add_tag(session, resource_type: str, row, tag: str) -> None:
    check_tag(tag)
    if tag_db.add_tag(session, resource_type, row.id, tag):
        bump(row)


def remove_tag(session, resource_type: str, row, tag: str) -> None:
    if not tag_db.remove_tag(session, resource_type, row.id, tag):
        raise net_exc.TagNotFound(tag=tag, resource=resource_type, id=row.id)
    bump(row)


def clear_tags(session, resource_type: str, row) -> None:
    tag_db.delete_all(session, resource_type, row.id)
    bump(row)


def has_tag(session, resource_type: str, row, tag: str) -> bool:
    return tag_db.has_tag(session, resource_type, row.id, tag)


def forget(session, resource_type: str, resource_id: str) -> None:
    """Drop the tags of a resource being deleted."""
    tag_db.delete_all(session, resource_type, resource_id)


def view(row) -> dict:
    """The standard attributes as the API shows them (tags are added by the caller,
    which loads them in one query for a whole list)."""
    return {"description": row.description or "",
            "created_at": _time(row.created_at), "updated_at": _time(row.updated_at),
            "revision_number": row.revision_number}


def _time(moment) -> str | None:
    if moment is None:
        return None
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")

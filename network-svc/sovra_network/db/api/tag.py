"""Tags of resources with standard attributes (the ``tags`` table)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select

from sovra_network.db.models.base import Tag


def tags_for(session, resource_type: str, resource_ids) -> dict[str, list[str]]:
    """{resource id: sorted tags} for ``resource_ids`` (ids without tags map to [])."""
    ids = list(resource_ids)
    result = defaultdict(list)
    for start in range(0, len(ids), 500):
        rows = session.execute(select(Tag.resource_id, Tag.tag).where(
            Tag.resource_type == resource_type,
            Tag.resource_id.in_(ids[start:start + 500])).order_by(Tag.tag))
        for resource_id, tag in rows:
            result[resource_id].append(tag)
    return {i: result.get(i, []) for i in ids}


def has_tag(session, resource_type: str, resource_id: str, tag: str) -> bool:
    return session.get(Tag, (resource_type, resource_id, tag)) is not None


def add_tag(session, resource_type: str, resource_id: str, tag: str) -> bool:
    """Add ``tag``; False if it was there already."""
    if has_tag(session, resource_type, resource_id, tag):
        return False
    session.add(Tag(resource_type=resource_type, resource_id=resource_id, tag=tag))
    session.flush()
    return True


def remove_tag(session, resource_type: str, resource_id: str, tag: str) -> bool:
    """Remove ``tag``; False if it was not there."""
    result = session.execute(delete(Tag).where(
        Tag.resource_type == resource_type, Tag.resource_id == resource_id,
        Tag.tag == tag))
    return result.rowcount > 0


def replace_tags(session, resource_type: str, resource_id: str, tags) -> None:
    delete_all(session, resource_type, resource_id)
    for tag in sorted(set(tags)):
        session.add(Tag(resource_type=resource_type, resource_id=resource_id, tag=tag))
    session.flush()


def delete_all(session, resource_type: str, resource_id: str) -> None:
    """Drop a resource's tags (when the resource itself goes)."""
    session.execute(delete(Tag).where(Tag.resource_type == resource_type,
                                      Tag.resource_id == resource_id))

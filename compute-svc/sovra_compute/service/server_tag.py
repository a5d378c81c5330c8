"""Server tags: short strings a user puts on a server to find it again. Knows no
HTTP.

A server has at most MAX_TAGS distinct tags. They can be changed while the server is
active, paused, suspended or stopped (upstream's rule: not while it builds, errs or
is deleted).
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.db import Database, retry_on_deadlock
from sovra_compute.db import models
from sovra_compute.service import instance as instance_service

MAX_TAGS = 50
_MODIFIABLE = (instance_service.ACTIVE, instance_service.PAUSED,
               instance_service.SUSPENDED, instance_service.STOPPED)


class TagNotFound(exception.NotFound):
    message = "Server %(uuid)s has no tag '%(tag)s'"


class TooManyTags(exception.Invalid):
    message = "The number of tags exceeded the per-server limit %(limit)d"


def _row(session, instance_uuid, action=None) -> models.Instance:
    row = session.get(models.Instance, instance_uuid)
    if row is None or row.deleted:
        raise instance_service.InstanceNotFound(uuid=instance_uuid)
    if action is not None and row.vm_state not in _MODIFIABLE:
        raise instance_service.InstanceInvalidState(
            action=action, uuid=instance_uuid, attr="vm_state", state=row.vm_state)
    return row


def list_(db: Database, instance_uuid: str) -> list[str]:
    with db.reader() as session:
        return [t.tag for t in _row(session, instance_uuid).tags]


def exists(db: Database, instance_uuid: str, tag: str) -> bool:
    return tag in list_(db, instance_uuid)


@retry_on_deadlock
def add(db: Database, instance_uuid: str, tag: str) -> bool:
    """Put ``tag`` on the server; False if it had it already."""
    with db.writer() as session:
        row = _row(session, instance_uuid, "update tag")
        tags = [t.tag for t in row.tags]
        if tag in tags:
            return False
        if len(tags) >= MAX_TAGS:
            raise TooManyTags(limit=MAX_TAGS)
        row.tags.append(models.InstanceTag(tag=tag))
        return True


@retry_on_deadlock
def replace(db: Database, instance_uuid: str, tags: list[str]) -> list[str]:
    """The server's tags become ``tags`` (duplicates dropped)."""
    wanted = list(dict.fromkeys(tags))
    if len(wanted) > MAX_TAGS:
        raise TooManyTags(limit=MAX_TAGS)
    with db.writer() as session:
        row = _row(session, instance_uuid, "update tags")
        current = {t.tag: t for t in row.tags}
        for tag, item in current.items():
            if tag not in wanted:
                row.tags.remove(item)
        row.tags.extend(models.InstanceTag(tag=t) for t in wanted if t not in current)
        session.flush()
        return sorted(wanted)


@retry_on_deadlock
def delete(db: Database, instance_uuid: str, tag: str) -> None:
    with db.writer() as session:
        row = _row(session, instance_uuid, "delete tag")
        item = next((t for t in row.tags if t.tag == tag), None)
        if item is None:
            raise TagNotFound(uuid=instance_uuid, tag=tag)
        row.tags.remove(item)


@retry_on_deadlock
def delete_all(db: Database, instance_uuid: str) -> None:
    with db.writer() as session:
        row = _row(session, instance_uuid, "delete tags")
        row.tags.clear()


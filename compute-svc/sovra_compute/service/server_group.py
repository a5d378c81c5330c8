"""Server groups: sets of servers with a placement policy. Knows no HTTP.

This module keeps the groups, their members and their quotas. Placing a group's
members by its policy is the scheduler's part (the conductor's): until it reads
``policy_of``, members are scheduled like any other server.
"""

from __future__ import annotations

import uuid as uuidlib

from sqlalchemy import select

from sovra_common import exception
from sovra_common.db import Database, retry_on_deadlock
from sovra_compute.db import models
from sovra_compute.service import quota

POLICIES = ("affinity", "anti-affinity")
SOFT_POLICIES = ("soft-affinity", "soft-anti-affinity")  # from 2.15


class ServerGroupNotFound(exception.NotFound):
    message = "Instance group %(group_uuid)s could not be found."


class ServerGroupQuotaExceeded(exception.OverQuota):
    message = "Quota exceeded, too many server groups."


class MemberQuotaExceeded(exception.OverQuota):
    message = "Quota exceeded, too many servers in group"


def _members(session, row: models.ServerGroup) -> list[str]:
    """The group's servers that are not deleted (a deleted one leaves its group)."""
    uuids = [m.instance_uuid for m in row.members]
    if not uuids:
        return []
    live = set(session.scalars(select(models.Instance.uuid).where(
        models.Instance.uuid.in_(uuids), models.Instance.deleted.is_(False))))
    return [u for u in uuids if u in live]


def _as_dict(session, row: models.ServerGroup) -> dict:
    return {"uuid": row.uuid, "name": row.name, "project_id": row.project_id,
            "user_id": row.user_id, "policy": row.policy, "rules": dict(row.rules or {}),
            "members": _members(session, row), "created_at": row.created_at}


def _row(session, group_uuid: str) -> models.ServerGroup:
    row = session.scalars(select(models.ServerGroup).where(
        models.ServerGroup.uuid == group_uuid)).first()
    if row is None:
        raise ServerGroupNotFound(group_uuid=group_uuid)
    return row


@retry_on_deadlock
def create(db: Database, ctxt, *, name: str, policy: str, rules: dict | None = None,
           max_groups: int) -> dict:
    """A new group of the caller's project; ServerGroupQuotaExceeded past
    ``max_groups`` (-1: no limit). Callers hold the project's quota lock."""
    if 0 <= max_groups <= quota.usage(db, ctxt.project_id)["server_groups"]:
        raise ServerGroupQuotaExceeded()
    with db.writer() as session:
        row = models.ServerGroup(uuid=str(uuidlib.uuid4()), name=name,
                                 project_id=ctxt.project_id, user_id=ctxt.user_id,
                                 policy=policy, rules=rules or {})
        session.add(row)
        session.flush()
        return _as_dict(session, row)


def get(db: Database, group_uuid: str) -> dict:
    with db.reader() as session:
        return _as_dict(session, _row(session, group_uuid))


def list_(db: Database, *, project_id: str | None = None, limit: int | None = None,
          offset: int = 0) -> list[dict]:
    """Groups, oldest first (of ``project_id`` only if given), from ``offset``."""
    with db.reader() as session:
        query = select(models.ServerGroup).order_by(models.ServerGroup.id)
        if project_id is not None:
            query = query.where(models.ServerGroup.project_id == project_id)
        query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [_as_dict(session, r) for r in session.scalars(query)]


@retry_on_deadlock
def delete(db: Database, group_uuid: str) -> None:
    with db.writer() as session:
        session.delete(_row(session, group_uuid))


def check_room(db: Database, group_uuid: str, max_members: int,
               count: int = 1) -> None:
    """MemberQuotaExceeded if ``count`` more servers would take the group past
    ``max_members``."""
    if 0 <= max_members < len(get(db, group_uuid)["members"]) + count:
        raise MemberQuotaExceeded()


@retry_on_deadlock
def add_member(db: Database, group_uuid: str, instance_uuid: str) -> None:
    with db.writer() as session:
        row = _row(session, group_uuid)
        row.members.append(models.ServerGroupMember(instance_uuid=instance_uuid))


def groups_of(db: Database, instance_uuid: str) -> list[str]:
    """UUIDs of the groups the server is in (one at most)."""
    with db.reader() as session:
        return list(session.scalars(
            select(models.ServerGroup.uuid).join(models.ServerGroupMember).where(
                models.ServerGroupMember.instance_uuid == instance_uuid)))


def policy_of(db: Database, instance_uuid: str) -> dict | None:
    """For the scheduler: the server's group (uuid, policy, rules, other members),
    or None."""
    groups = groups_of(db, instance_uuid)
    if not groups:
        return None
    group = get(db, groups[0])
    return {"uuid": group["uuid"], "policy": group["policy"], "rules": group["rules"],
            "members": [m for m in group["members"] if m != instance_uuid]}

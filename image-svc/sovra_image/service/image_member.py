"""Sharing an image with other projects: the owner adds and removes members, each
member accepts or rejects (or leaves pending) the image for itself.

Only ``shared`` images have members. An accepted shared image shows in the member's
default image list; a pending or rejected one only with ``member_status``.
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.db import DuplicateEntry, retry_on_deadlock
from sovra_image.db.api import image_member as member_db
from sovra_image.db.models import ImageMember
from sovra_image.service import image as image_service


class MemberNotFound(exception.NotFound):
    message = "%(member_id)s is not a member of image %(image_id)s"


class DuplicateMember(exception.Conflict):
    message = "%(member_id)s is already a member of image %(image_id)s"


class NotShared(exception.Forbidden):
    message = ("Image %(image_id)s has visibility '%(visibility)s': only shared images "
               "have members.")


def list_members(db, context, image) -> list[ImageMember]:
    """The owner (and an admin) sees every member; a member only itself."""
    with db.reader() as session:
        if context.is_admin or image.owner == context.project_id:
            return member_db.list_members(session, image.id)
        return member_db.list_members(session, image.id, context.project_id)


def get(db, context, image, member_id: str) -> ImageMember:
    with db.reader() as session:
        member = member_db.get(session, image.id, member_id)
    visible = (context.is_admin or image.owner == context.project_id
               or member_id == context.project_id)
    if member is None or not visible:
        raise MemberNotFound(member_id=member_id, image_id=image.id)
    return member


@retry_on_deadlock
def create(db, conf, image, member_id: str) -> ImageMember:
    if image.visibility != "shared":
        raise NotShared(image_id=image.id, visibility=image.visibility)
    now = image_service.now()
    member = ImageMember(image_id=image.id, member_id=member_id, status="pending",
                         created_at=now, updated_at=now)
    try:
        with db.writer() as session:
            if member_db.get(session, image.id, member_id) is not None:
                raise DuplicateMember(member_id=member_id, image_id=image.id)
            limit = conf.image.image_member_quota
            if member_db.count(session, image.id) + 1 > limit:
                raise image_service.ImageQuotaExceeded(what="image members", limit=limit)
            session.add(member)
    except DuplicateEntry:
        raise DuplicateMember(member_id=member_id, image_id=image.id) from None
    return member


@retry_on_deadlock
def update_status(db, image, member_id: str, status: str) -> ImageMember:
    with db.writer() as session:
        member = member_db.get(session, image.id, member_id)
        if member is None:
            raise MemberNotFound(member_id=member_id, image_id=image.id)
        member.status = status
        member.updated_at = image_service.now()
        return member


@retry_on_deadlock
def delete(db, image, member_id: str) -> None:
    with db.writer() as session:
        member = member_db.get(session, image.id, member_id)
        if member is None:
            raise MemberNotFound(member_id=member_id, image_id=image.id)
        session.delete(member)

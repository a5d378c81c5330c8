"""Image member queries."""

from __future__ import annotations

from sqlalchemy import func, select

from sovra_image.db.models import ImageMember


def list_members(session, image_id: str, member_id: str | None = None) -> list[ImageMember]:
    query = select(ImageMember).where(ImageMember.image_id == image_id)
    if member_id is not None:
        query = query.where(ImageMember.member_id == member_id)
    return list(session.scalars(query.order_by(ImageMember.created_at,
                                                ImageMember.member_id)))


def get(session, image_id: str, member_id: str) -> ImageMember | None:
    return session.get(ImageMember, (image_id, member_id))


def count(session, image_id: str) -> int:
    return session.scalar(select(func.count()).select_from(ImageMember).where(
        ImageMember.image_id == image_id))

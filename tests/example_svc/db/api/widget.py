"""Widget queries. Take a session from Database.reader()/writer(); return models."""

import uuid

from sqlalchemy import select

from example_svc.db.models import Widget


def create(session, *, project_id, name, size, description) -> Widget:
    widget = Widget(id=str(uuid.uuid4()), project_id=project_id, name=name, size=size,
                    description=description)
    session.add(widget)
    session.flush()  # the unique constraint speaks here, inside the transaction
    return widget


def get(session, widget_id) -> Widget | None:
    return session.get(Widget, widget_id)


def list_(session, *, project_id=None, name=None, limit=None) -> list[Widget]:
    query = select(Widget).order_by(Widget.created_at, Widget.id)
    if project_id is not None:
        query = query.where(Widget.project_id == project_id)
    if name is not None:
        query = query.where(Widget.name == name)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def delete(session, widget: Widget) -> None:
    session.delete(widget)

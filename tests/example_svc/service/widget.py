"""Widget domain logic: knows no HTTP; raises sovra_common exceptions."""

from example_svc.db.api import widget as widget_db
from sovra_common import exception
from sovra_common.db import Database, DuplicateEntry, retry_on_deadlock


class WidgetNotFound(exception.NotFound):
    message = "Widget %(widget_id)s could not be found."


def _as_dict(widget) -> dict:
    return {"id": widget.id, "project_id": widget.project_id, "name": widget.name,
            "size": widget.size, "description": widget.description}


@retry_on_deadlock
def create(db: Database, project_id, name, size=1, description=None) -> dict:
    try:
        with db.writer() as session:
            return _as_dict(widget_db.create(session, project_id=project_id, name=name,
                                             size=size, description=description))
    except DuplicateEntry:
        raise exception.Conflict(f"A widget named {name!r} already exists.") from None


def get(db: Database, widget_id) -> dict:
    with db.reader() as session:
        widget = widget_db.get(session, widget_id)
        if widget is None:
            raise WidgetNotFound(widget_id=widget_id)
        return _as_dict(widget)


def list_(db: Database, project_id=None, name=None, limit=None) -> list[dict]:
    with db.reader() as session:
        return [_as_dict(w) for w in widget_db.list_(session, project_id=project_id,
                                                     name=name, limit=limit)]


@retry_on_deadlock
def delete(db: Database, widget_id) -> None:
    with db.writer() as session:
        widget = widget_db.get(session, widget_id)
        if widget is None:
            raise WidgetNotFound(widget_id=widget_id)
        widget_db.delete(session, widget)

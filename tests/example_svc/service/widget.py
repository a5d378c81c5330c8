"""Widget domain logic: knows no HTTP; raises sovra_common exceptions."""

import threading
import uuid

from sovra_common import exception


class WidgetNotFound(exception.NotFound):
    message = "Widget %(widget_id)s could not be found."


class WidgetStore:
    """In-memory widgets (the example's db layer is exercised separately)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._widgets: dict[str, dict] = {}

    def create(self, project_id, name, size=1, description=None):
        with self._lock:
            if any(w["name"] == name and w["project_id"] == project_id
                   for w in self._widgets.values()):
                raise exception.Conflict(f"A widget named {name!r} already exists.")
            widget = {"id": str(uuid.uuid4()), "project_id": project_id, "name": name,
                      "size": size, "description": description}
            self._widgets[widget["id"]] = widget
            return dict(widget)

    def get(self, widget_id):
        try:
            return dict(self._widgets[widget_id])
        except KeyError:
            raise WidgetNotFound(widget_id=widget_id) from None

    def list(self, project_id=None, name=None):
        return [dict(w) for w in self._widgets.values()
                if (project_id is None or w["project_id"] == project_id)
                and (name is None or w["name"] == name)]

    def delete(self, widget_id):
        with self._lock:
            if self._widgets.pop(widget_id, None) is None:
                raise WidgetNotFound(widget_id=widget_id)

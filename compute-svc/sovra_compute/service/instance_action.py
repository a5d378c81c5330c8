"""Instance actions (what was asked of a server, by whom) and their events.
Knows no HTTP.

Actions are recorded by the instance service as requests start them; a deleted
server keeps its actions (the API shows them from 2.21). Events are the steps the
conductor and the agents run for an action (``compute_stop_instance``...), written
by the conductor (``record_event``), for the agents too (they report over RPC).
"""

from __future__ import annotations

import datetime

from sqlalchemy import and_, bindparam, case, func, insert, select, update

from sovra_common import exception
from sovra_common.db import Database, retry_on_deadlock, schema
from sovra_compute.db import models
from sovra_compute.service import instance as instance_service

#: the agents' steps of a build and of a delete (upstream's names)
BUILD_STEP = "compute__do_build_and_run_instance"
TERMINATE_STEP = "compute_terminate_instance"


class InstanceActionNotFound(exception.NotFound):
    message = "Action %(request_id)s not found"


class MarkerNotFound(exception.Invalid):
    message = "Marker %(marker)s could not be found."


def owner(db: Database, instance_uuid: str, *, deleted=False) -> str:
    """The project of the instance (InstanceNotFound if it does not exist, or is
    deleted and ``deleted`` is false)."""
    with db.reader() as session:
        row = session.get(models.Instance, instance_uuid)
        if row is None or (row.deleted and not deleted):
            raise instance_service.InstanceNotFound(uuid=instance_uuid)
        return row.project_id


def _as_dict(row: models.InstanceAction) -> dict:
    return {"action": row.action, "instance_uuid": row.instance_uuid,
            "request_id": row.request_id, "user_id": row.user_id,
            "project_id": row.project_id, "message": row.message,
            "start_time": row.start_time,
            "updated_at": row.updated_at or row.start_time}


def _event(row: models.InstanceActionEvent) -> dict:
    return {"event": row.event, "start_time": row.start_time,
            "finish_time": row.finish_time, "result": row.result,
            "traceback": row.traceback, "details": row.details, "host": row.host}


def list_(db: Database, instance_uuid: str, *, limit: int | None = None,
          marker: str | None = None, changes_since: datetime.datetime | None = None,
          changes_before: datetime.datetime | None = None) -> list[dict]:
    """The instance's actions, newest first, updated within the window if given;
    the page after the action whose request id is ``marker``."""
    updated = func.coalesce(models.InstanceAction.updated_at,
                            models.InstanceAction.start_time)
    with db.reader() as session:
        query = select(models.InstanceAction).where(
            models.InstanceAction.instance_uuid == instance_uuid).order_by(
            models.InstanceAction.start_time.desc(), models.InstanceAction.id.desc())
        if changes_since is not None:
            query = query.where(updated >= changes_since)
        if changes_before is not None:
            query = query.where(updated <= changes_before)
        actions = [_as_dict(r) for r in session.scalars(query)]
    if marker is not None:
        index = next((i for i, a in enumerate(actions) if a["request_id"] == marker),
                     None)
        if index is None:
            raise MarkerNotFound(marker=marker)
        actions = actions[index + 1:]
    return actions[:limit] if limit is not None else actions


def get(db: Database, instance_uuid: str, request_id: str) -> dict:
    """The instance's action of ``request_id``, with its ``events`` (oldest first)."""
    with db.reader() as session:
        row = session.scalars(select(models.InstanceAction).where(
            models.InstanceAction.instance_uuid == instance_uuid,
            models.InstanceAction.request_id == request_id).order_by(
            models.InstanceAction.id.desc())).first()
        if row is None:
            raise InstanceActionNotFound(request_id=request_id)
        return {**_as_dict(row), "events": [_event(e) for e in row.events]}


#: an event's ``result``
SUCCESS, ERROR = "Success", "Error"


def _time(value) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(value)


_ACTIONS = models.InstanceAction.__table__
_EVENTS = models.InstanceActionEvent.__table__


def _event_lookup(by_request: bool):
    """The action an event belongs to (of the request id if ``by_request`` and the
    instance has one, else its newest) and that action's newest event of that name
    and host, if any: one statement, one row (None: the instance has no action)."""
    order = [_ACTIONS.c.id.desc(), _EVENTS.c.id.desc()]
    if by_request:
        order.insert(0, case((_ACTIONS.c.request_id == bindparam("request_id"), 1),
                             else_=0).desc())
    return (select(_ACTIONS.c.id.label("action_id"), _EVENTS.c.id.label("event_id"))
            .select_from(_ACTIONS.outerjoin(_EVENTS, and_(
                _EVENTS.c.action_id == _ACTIONS.c.id,
                _EVENTS.c.event == bindparam("event"),
                _EVENTS.c.host.is_not_distinct_from(bindparam("host")))))
            .where(_ACTIONS.c.instance_uuid == bindparam("instance_uuid"))
            .order_by(*order).limit(1))


#: built once (their cache keys too): the conductor records every step of every
#: action, twice (start and finish)
_LOOKUP = {True: _event_lookup(True), False: _event_lookup(False)}
_ADD_EVENT = insert(_EVENTS)
_FINISH_EVENT = (update(_EVENTS).where(_EVENTS.c.id == bindparam("event_id"))
                 .values(finish_time=bindparam("finish_time"),
                         result=bindparam("result"), traceback=bindparam("traceback"),
                         details=bindparam("details")))
_TOUCH_ACTION = (update(_ACTIONS).where(_ACTIONS.c.id == bindparam("action_id"))
                 .values(updated_at=bindparam("updated_at")))


@retry_on_deadlock
def record_event(db: Database, instance_uuid: str, request_id: str | None, event: str,
                 *, host: str | None = None, start_time=None, finish_time=None,
                 result: str | None = None, traceback: str | None = None,
                 details: str | None = None) -> bool:
    """Record that ``event`` started (no ``finish_time``) or finished (with its
    ``result``) for the instance's action of ``request_id`` (its newest action if
    none has that id). Times: datetimes or ISO 8601 strings (default now).

    Idempotent and order-free: a start after the finish of the same event (name
    and host) changes nothing; a finish with no start recorded creates the event.
    Returns False if the instance has no action to attach it to (nothing done).

    SQLAlchemy Core, three statements at most (find, write the event, touch the
    action): no ORM objects, and the action's other events are not read.
    """
    start = _time(start_time) or schema.utcnow()
    finish = _time(finish_time)
    with db.writer() as session:
        connection = session.connection()
        found = connection.execute(_LOOKUP[bool(request_id)], {
            "instance_uuid": instance_uuid, "request_id": request_id,
            "event": event, "host": host}).first()
        if found is None:
            return False
        if found.event_id is None:
            connection.execute(_ADD_EVENT, {
                "action_id": found.action_id, "event": event, "host": host,
                "start_time": start, "finish_time": finish,
                "result": result if finish is not None else None,
                "traceback": traceback if finish is not None else None,
                "details": details if finish is not None else None})
        elif finish is None:
            return True  # a repeated start, or one overtaken by its finish
        else:
            connection.execute(_FINISH_EVENT, {
                "event_id": found.event_id, "finish_time": finish, "result": result,
                "traceback": traceback, "details": details})
        connection.execute(_TOUCH_ACTION, {"action_id": found.action_id,
                                           "updated_at": schema.utcnow()})
        return True

"""Finding one row by id or name, with each resource's own not-found message."""

import uuid

from sovra_common import exception


class ResourceNotFound(exception.NotFound):
    message = "Could not find %(kind)s: %(id)s."


def new_id() -> str:
    return uuid.uuid4().hex


def get(session, model, row_id, kind: str):
    row = session.get(model, row_id) if row_id is not None else None
    if row is None:
        raise ResourceNotFound(kind=kind, id=row_id)
    return row


def exists(session, model, row_id) -> bool:
    return row_id is not None and session.get(model, row_id) is not None

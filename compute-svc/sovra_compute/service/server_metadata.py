"""Server metadata: a server's key/value pairs, set on create and changed later.
Knows no HTTP.

Changes need the server active, paused, suspended or stopped with no task in
progress (upstream's rule), and stay within the project's metadata_items quota.
"""

from __future__ import annotations

from sovra_common import exception
from sovra_common.db import Database, retry_on_deadlock, schema
from sovra_compute.db import models
from sovra_compute.service import instance as instance_service
from sovra_compute.service import quota

_MODIFIABLE = (instance_service.ACTIVE, instance_service.PAUSED,
               instance_service.SUSPENDED, instance_service.STOPPED)


class MetadataNotFound(exception.NotFound):
    message = "Metadata item was not found"


def _row(session, instance_uuid) -> models.Instance:
    row = session.get(models.Instance, instance_uuid)
    if row is None or row.deleted:
        raise instance_service.InstanceNotFound(uuid=instance_uuid)
    return row


def _check_state(row: models.Instance, action: str) -> None:
    if row.vm_state not in _MODIFIABLE:
        raise instance_service.InstanceInvalidState(
            action=action, uuid=row.uuid, attr="vm_state", state=row.vm_state)
    if row.task_state is not None:
        raise instance_service.InstanceInvalidState(
            action=action, uuid=row.uuid, attr="task_state", state=row.task_state)


@retry_on_deadlock
def update(db: Database, instance_uuid: str, items: dict, *, replace: bool,
           max_items: int) -> dict:
    """Merge ``items`` into the server's metadata (or, with ``replace``, make them
    all of it); QuotaExceeded past ``max_items`` (-1: no limit). The new metadata."""
    with db.writer() as session:
        row = _row(session, instance_uuid)
        _check_state(row, "update metadata")
        metadata = dict(items) if replace else {**(row.metadata_ or {}), **items}
        if 0 <= max_items < len(metadata):
            raise quota.QuotaExceeded(names="metadata_items", requested=len(metadata),
                                      used=0, allowed=max_items)
        row.metadata_ = metadata
        row.updated_at = schema.utcnow()
        return dict(metadata)


@retry_on_deadlock
def delete(db: Database, instance_uuid: str, key: str) -> None:
    with db.writer() as session:
        row = _row(session, instance_uuid)
        metadata = dict(row.metadata_ or {})
        if key not in metadata:
            raise MetadataNotFound()
        _check_state(row, "delete metadata")
        del metadata[key]
        row.metadata_ = metadata
        row.updated_at = schema.utcnow()

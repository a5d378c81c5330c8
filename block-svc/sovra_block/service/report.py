"""What the volume agents report, applied to the database (the API process serves
this endpoint on rpc.REPORT_TOPIC; agents hold no database).

Every outcome arrives as a cast; each handler re-reads the row and applies what
still makes sense, so a late or repeated report (an agent retrying after a lost
reply, a report for a volume deleted meanwhile) is harmless.
"""

from __future__ import annotations

import logging

import oslo_messaging
from sqlalchemy import select

from sovra_block.db import models
from sovra_block.service import backup as backup_service
from sovra_block.service import compute_events, quota
from sovra_block.service import snapshot as snapshot_service
from sovra_block.service import volume as volume_service
from sovra_common.db import schema
from sovra_common.rpc import RPCEndpoint

LOG = logging.getLogger(__name__)

#: What an agent may change on a volume.
_VOLUME_FIELDS = ("status", "provider_location", "size", "bootable", "format")
_SNAPSHOT_FIELDS = ("status", "provider_location", "progress")


def _notify(notifier, ctxt, event, payload):
    if notifier is not None:
        try:
            notifier.info(ctxt, event, payload)
        except Exception:  # a notification never fails the change it reports
            LOG.warning("notification %s failed", event, exc_info=True)


class ReportEndpoint(RPCEndpoint):
    """Serves rpc.VolumeReportAPI."""

    target = oslo_messaging.Target(version="1.2")

    def __init__(self, conf, db, agents=None, notifier=None, compute=None):
        """``compute``: a compute_events sender (sovra_compute.external_events;
        None: compute is not told when an attached volume grew)."""
        self._conf, self._db, self._agents, self._notifier = conf, db, agents, notifier
        self._compute = compute

    def report_capacity(self, ctxt, backend, host, availability_zone, capacity,
                        capabilities, started_at=None):
        with self._db.writer() as session:
            row = session.get(models.Backend, backend)
            if row is None:
                row = models.Backend(name=backend, disabled=False)
                session.add(row)
            row.host = host
            row.backend_name = backend.partition("@")[2] or backend
            row.availability_zone = availability_zone
            row.total_gb = float(capacity.get("total_gb", 0))
            row.free_gb = float(capacity.get("free_gb", 0))
            row.provisioned_gb = float(capacity.get("provisioned_gb", 0))
            row.max_over_subscription_ratio = float(
                capacity.get("max_over_subscription_ratio", 1.0))
            row.capabilities = dict(capabilities or {})
            if started_at:
                row.started_at = _parse_time(started_at)
            row.reported_at = schema.utcnow()

    def volume_update(self, ctxt, volume_id, updates, reason=None):
        failed = bool(reason) or str(updates.get("status", "")).startswith("error")
        with self._db.writer() as session:
            row = session.get(models.Volume, volume_id)
            if row is None:
                LOG.info("report for volume %s, which is gone: %s", volume_id, updates)
                return
            was = row.status
            for key in _VOLUME_FIELDS:
                if key in updates and key != "status":
                    setattr(row, key, updates[key])
            if "image_metadata" in updates:
                row.image_metadata = {**(row.image_metadata or {}),
                                      **updates["image_metadata"]}
            status = updates.get("status")
            grown_in = ()
            if was == "extending":
                status = self._end_extend(session, row, failed)
                if status == "in-use":  # the guests are told their disk grew
                    grown_in = [a.instance_uuid for a in row.attachments
                                if a.attach_status == "attached" and a.instance_uuid]
            elif failed and was == "creating":
                status = "error"
            elif status == "available" and any(a.attach_status == "attached"
                                               for a in row.attachments):
                status = "in-use"
            if status:
                row.status = status
            row.error_reason = reason if failed else None
            if status == "available" and was == "creating":
                row.launched_at = schema.utcnow()
            restore = self._restore_waiting(session, row) if was == "creating" else None
            payload = _volume_payload(row)
        if failed:
            LOG.warning("volume %s: %s -> %s: %s", volume_id, was, payload["status"],
                        reason)
        _notify(self._notifier, ctxt, f"volume.{_event_for(was)}.end", payload)
        if grown_in and self._compute is not None:
            self._compute.send_all(compute_events.volume_extended_events(volume_id,
                                                                         grown_in))
        if restore is not None:
            self._agents.restore_backup(ctxt, *restore)

    def _restore_waiting(self, session, row):
        """A volume made for a backup's restore was created (or not): now the
        restore, as (backend, backup, volume) to cast; or None."""
        backup = session.scalars(select(models.Backup).where(
            models.Backup.restore_volume_id == row.id,
            models.Backup.status == "restoring")).first()
        if backup is None:
            return None
        if row.status != "available":
            backup.status = "available"  # the restore never started
            row.status, row.error_reason = "error_restoring", (
                f"The volume for the restore of backup {backup.id} could not be "
                f"created: {row.error_reason or 'no reason given'}")
            return None
        row.status = "restoring-backup"
        return (row.host, backup_service.agent_ref(backup),
                volume_service.agent_ref(row))

    def _end_extend(self, session, row, failed: bool) -> str:
        pending, row.pending_size = row.pending_size, None
        attached = any(a.attach_status == "attached" for a in row.attachments)
        if failed:
            if pending and pending > row.size:
                extra = pending - row.size
                name = volume_service.type_name(row)
                quota.release(session, row.project_id, {
                    "gigabytes": extra, **({f"gigabytes_{name}": extra} if name else {})})
            return "error_extending"
        if pending:
            row.size = pending
        return "in-use" if attached else "available"

    def volume_deleted(self, ctxt, volume_id):
        with self._db.writer() as session:
            row = session.get(models.Volume, volume_id)
            if row is None:
                return
            for snap in session.scalars(select(models.Snapshot).where(
                    models.Snapshot.volume_id == volume_id)):
                quota.release(session, snap.project_id,
                              snapshot_service.deltas(snap, row))
                session.delete(snap)
            quota.release(session, row.project_id, volume_service.deltas(row))
            payload = {"volume_id": row.id, "project_id": row.project_id,
                       "size": row.size}
            session.delete(row)
        _notify(self._notifier, ctxt, "volume.delete.end", payload)

    def snapshot_update(self, ctxt, snapshot_id, updates, reason=None):
        failed = bool(reason) or str(updates.get("status", "")).startswith("error")
        with self._db.writer() as session:
            row = session.get(models.Snapshot, snapshot_id)
            if row is None:
                return
            was = row.status
            for key in _SNAPSHOT_FIELDS:
                if key in updates:
                    setattr(row, key, updates[key])
            if failed:
                row.status = "error_deleting" if was == "deleting" else "error"
                row.error_reason = reason
            elif updates.get("status") == "available":
                row.progress = "100%"
                row.error_reason = None
            payload = {"snapshot_id": row.id, "volume_id": row.volume_id,
                       "status": row.status, "project_id": row.project_id}
        _notify(self._notifier, ctxt, f"snapshot.{_event_for(was)}.end", payload)

    def snapshot_deleted(self, ctxt, snapshot_id):
        with self._db.writer() as session:
            row = session.get(models.Snapshot, snapshot_id)
            if row is None:
                return
            volume = session.get(models.Volume, row.volume_id)
            quota.release(session, row.project_id, snapshot_service.deltas(row, volume))
            payload = {"snapshot_id": row.id, "volume_id": row.volume_id,
                       "project_id": row.project_id}
            session.delete(row)
        _notify(self._notifier, ctxt, "snapshot.delete.end", payload)

    def backup_update(self, ctxt, backup_id, updates, reason=None,
                      volume_status=None):
        """``volume_status`` (since 1.2): the backed-up volume's status to go
        back to (from backing-up), in the same transaction."""
        failed = bool(reason) or str(updates.get("status", "")).startswith("error")
        volume = None
        with self._db.writer() as session:
            row = session.get(models.Backup, backup_id)
            if row is None:
                return
            if volume_status:
                volume = session.get(models.Volume, row.volume_id)
                if volume is not None and volume.status == "backing-up":
                    volume.status = volume_status
                    volume = _volume_payload(volume)
                else:
                    volume = None
            was = row.status
            if "object_count" in updates:
                row.object_count = int(updates["object_count"])
            status = updates.get("status")
            if failed and was == "creating":
                status = "error"
            if status:
                row.status = status
            row.fail_reason = reason if failed else None
            if status == "available" and was == "creating":
                row.data_timestamp = row.created_at
            payload = {"backup_id": row.id, "volume_id": row.volume_id,
                       "status": row.status, "project_id": row.project_id}
        if failed:
            LOG.warning("backup %s: %s -> %s: %s", backup_id, was, payload["status"],
                        reason)
        _notify(self._notifier, ctxt, f"backup.{_event_for(was)}.end", payload)
        if volume is not None:  # as volume_update would have
            _notify(self._notifier, ctxt, "volume.backup.end", volume)

    def backup_deleted(self, ctxt, backup_id):
        with self._db.writer() as session:
            row = session.get(models.Backup, backup_id)
            if row is None:
                return
            quota.release(session, row.project_id, backup_service.deltas(row))
            payload = {"backup_id": row.id, "project_id": row.project_id}
            session.delete(row)
        _notify(self._notifier, ctxt, "backup.delete.end", payload)

    def reconcile(self, ctxt, backend, volume_ids):
        """At an agent's start: operations its previous run left in flight.
        Creates and extends it was doing are failed (an interrupted copy must not
        become ``available``); deletions are handed back to be redone; a volume
        the API thinks ``available`` that the backend no longer holds goes to
        ``error``. Returns the deletions to redo."""
        held = set(volume_ids)
        redo_volumes, redo_snapshots = [], []
        with self._db.writer() as session:
            volumes = list(session.scalars(select(models.Volume).where(
                models.Volume.host == backend).with_for_update()))
            for row in volumes:
                if row.status == "creating":
                    row.status = "error"
                    row.error_reason = ("The volume agent restarted while it created "
                                        "this volume.")
                elif row.status == "extending":
                    row.status = self._end_extend(session, row, failed=True)
                    row.error_reason = ("The volume agent restarted while it "
                                        "extended this volume.")
                elif row.status == "deleting":
                    redo_volumes.append(volume_service.agent_ref(row))
                elif row.status == "restoring-backup":
                    row.status = "error_restoring"
                    row.error_reason = ("The volume agent restarted while it "
                                        "restored a backup into this volume.")
                    for backup in session.scalars(select(models.Backup).where(
                            models.Backup.restore_volume_id == row.id,
                            models.Backup.status == "restoring")):
                        backup.status = "available"
                elif row.status in ("uploading", "backing-up"):
                    row.status = "in-use" if any(a.attach_status == "attached"
                                                 for a in row.attachments) \
                        else "available"
                elif row.status == "available" and row.id not in held:
                    row.status = "error"
                    row.error_reason = "The backend no longer holds this volume."
                for snap in session.scalars(select(models.Snapshot).where(
                        models.Snapshot.volume_id == row.id)):
                    if snap.status == "creating":
                        snap.status = "error"
                        snap.error_reason = ("The volume agent restarted while it "
                                             "took this snapshot.")
                    elif snap.status == "deleting":
                        redo_snapshots.append([snapshot_service.agent_ref(snap),
                                               volume_service.agent_ref(row)])
            for backup in session.scalars(select(models.Backup).where(
                    models.Backup.host == backend,
                    models.Backup.status == "creating")):
                backup.status = "error"
                backup.fail_reason = ("The volume agent restarted while it made this "
                                      "backup.")
        if redo_volumes or redo_snapshots:
            LOG.info("backend %s restarted: redoing %d volume and %d snapshot "
                     "deletion(s)", backend, len(redo_volumes), len(redo_snapshots))
        return {"delete_volumes": redo_volumes, "delete_snapshots": redo_snapshots}


def _volume_payload(row: models.Volume) -> dict:
    """A volume's notification payload (volume.<event>.end)."""
    return {"volume_id": row.id, "status": row.status, "size": row.size,
            "project_id": row.project_id, "host": row.host}


def _event_for(status: str) -> str:
    return {"creating": "create", "extending": "resize", "deleting": "delete",
            "uploading": "upload", "retyping": "retype", "restoring": "restore",
            "restoring-backup": "restore",
            "backing-up": "backup"}.get(status, "update")


def _parse_time(value):
    import datetime
    if isinstance(value, datetime.datetime):
        return value
    try:
        parsed = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)

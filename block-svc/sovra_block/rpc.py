"""RPC between the block service's processes.

- API -> volume agent (``VolumeAgentAPI``, topic ``block-volume``, one server per
  backend: ``block-volume.<host>@<backend>``): driver operations, mostly casts.
- volume agent -> API side (``VolumeReportAPI``, topic ``block-report``, served by
  every API process): outcomes of those operations, capacity reports, and the
  agent's reconciliation at start.

Volumes and snapshots travel as plain dicts: agents hold no database. What the
agent reads of them: a volume's ``id``, ``size`` (GiB), ``format`` (raw | qcow2;
None: the backend's default_volume_format), ``provider_location`` and, for
extend_volume, ``attach_status``; a snapshot's ``id``, ``volume_id``, ``size`` and
``provider_location``.

``backend`` is always the full ``<host>@<backend>`` name (the agent's RPC server,
the volume's ``host`` column, the backends table's ``name``).

Errors of the calls (initialize_connection, terminate_connection) are
``sovra_block.drivers.base.BackendError`` and its subclasses: callers build their
transport with ``allowed_remote_exmods=("sovra_block.drivers.base",)`` to receive
them as themselves. What each cast reports back is listed in
``sovra_block.agent.endpoint``.
"""

from sovra_common.rpc import RPCAPI

AGENT_TOPIC = "block-volume"
REPORT_TOPIC = "block-report"


class VolumeAgentAPI(RPCAPI):
    """Client of the volume agents (server ``<host>@<backend>``).

    Version history:

        1.0 - Initial version: create_volume, delete_volume, extend_volume,
              create_snapshot, delete_snapshot, initialize_connection,
              terminate_connection, copy_volume_to_image.
        1.1 - backup_volume, restore_backup, delete_backup.
    """

    TOPIC = AGENT_TOPIC
    VERSION = "1.1"

    def create_volume(self, ctxt, backend, volume, source=None):
        """Create ``volume``; ``source``: None (blank) or {"type": "snapshot",
        "snapshot": {...}} / {"type": "volume", "volume": {...}} / {"type":
        "image", "image_id": ...}."""
        self.prepare("1.0", server=backend).cast(ctxt, "create_volume", volume=volume,
                                                 source=source)

    def delete_volume(self, ctxt, backend, volume):
        self.prepare("1.0", server=backend).cast(ctxt, "delete_volume", volume=volume)

    def extend_volume(self, ctxt, backend, volume, new_size):
        self.prepare("1.0", server=backend).cast(ctxt, "extend_volume", volume=volume,
                                                 new_size=new_size)

    def create_snapshot(self, ctxt, backend, snapshot, volume):
        self.prepare("1.0", server=backend).cast(ctxt, "create_snapshot",
                                                 snapshot=snapshot, volume=volume)

    def delete_snapshot(self, ctxt, backend, snapshot, volume):
        self.prepare("1.0", server=backend).cast(ctxt, "delete_snapshot",
                                                 snapshot=snapshot, volume=volume)

    def initialize_connection(self, ctxt, backend, volume, connector, timeout=60):
        """The connection info for ``connector`` (a call: the caller waits)."""
        return self.prepare("1.0", server=backend, timeout=timeout).call(
            ctxt, "initialize_connection", volume=volume, connector=connector)

    def terminate_connection(self, ctxt, backend, volume, connector, timeout=60):
        return self.prepare("1.0", server=backend, timeout=timeout).call(
            ctxt, "terminate_connection", volume=volume, connector=connector)

    def copy_volume_to_image(self, ctxt, backend, volume, image_id, disk_format,
                             restore_status):
        """Upload the volume into the (queued) image ``image_id``, then put the
        volume back to ``restore_status``."""
        self.prepare("1.0", server=backend).cast(
            ctxt, "copy_volume_to_image", volume=volume, image_id=image_id,
            disk_format=disk_format, restore_status=restore_status)

    # Backups ([backup] backup_store: a store every agent that may restore or delete
    # a backup reaches). ``backup``: {"id", "volume_id", "size", "container",
    # "parent_id", "is_incremental", "project_id"}.

    def backup_volume(self, ctxt, backend, backup, volume, parent=None):
        """Store the volume's bytes as ``backup`` (only the chunks that changed
        since ``parent``, a backup dict, when given), then report backup_update
        (status available with object_count, or error with a reason) and put the
        volume back to ``volume["restore_status"]`` (volume_update)."""
        self.prepare("1.1", server=backend).cast(ctxt, "backup_volume", backup=backup,
                                                 volume=volume, parent=parent)

    def restore_backup(self, ctxt, backend, backup, volume):
        """Write the backup's bytes into ``volume`` (on this backend), then report
        volume_update (available, or error_restoring with a reason) and
        backup_update (available)."""
        self.prepare("1.1", server=backend).cast(ctxt, "restore_backup", backup=backup,
                                                 volume=volume)

    def delete_backup(self, ctxt, backend, backup):
        """Remove the backup's own objects from the store (never a parent's), then
        report backup_deleted (or backup_update error_deleting with a reason)."""
        self.prepare("1.1", server=backend).cast(ctxt, "delete_backup", backup=backup)


class VolumeReportAPI(RPCAPI):
    """Client of the API side's report endpoint (the volume agents call it).

    Version history:

        1.0 - Initial version: report_capacity, volume_update, volume_deleted,
              snapshot_update, snapshot_deleted, reconcile.
        1.1 - backup_update, backup_deleted.
        1.2 - backup_update takes volume_status.
    """

    TOPIC = REPORT_TOPIC
    VERSION = "1.2"

    def report_capacity(self, ctxt, backend, host, availability_zone, capacity,
                        capabilities, started_at=None):
        """A backend's periodic report: ``capacity`` (total_gb, free_gb,
        provisioned_gb, max_over_subscription_ratio) and driver capabilities."""
        self.prepare("1.0").cast(ctxt, "report_capacity", backend=backend, host=host,
                                 availability_zone=availability_zone,
                                 capacity=capacity, capabilities=capabilities,
                                 started_at=started_at)

    def volume_update(self, ctxt, volume_id, updates, reason=None):
        """An operation on a volume ended: ``updates`` (status, provider_location,
        size, bootable, image_metadata...); ``reason`` if it failed."""
        self.prepare("1.0").cast(ctxt, "volume_update", volume_id=volume_id,
                                 updates=updates, reason=reason)

    def volume_deleted(self, ctxt, volume_id):
        self.prepare("1.0").cast(ctxt, "volume_deleted", volume_id=volume_id)

    def snapshot_update(self, ctxt, snapshot_id, updates, reason=None):
        self.prepare("1.0").cast(ctxt, "snapshot_update", snapshot_id=snapshot_id,
                                 updates=updates, reason=reason)

    def snapshot_deleted(self, ctxt, snapshot_id):
        self.prepare("1.0").cast(ctxt, "snapshot_deleted", snapshot_id=snapshot_id)

    def backup_update(self, ctxt, backup_id, updates, reason=None, volume_status=None):
        """A backup operation ended: ``updates`` (status, object_count...);
        ``reason`` if it failed. ``volume_status`` (since 1.2: the caller checks
        ``can_send_version``): the status the backed-up volume goes back to, in
        the same transaction, so that whoever sees the backup end sees its
        volume free."""
        extra = {} if volume_status is None else {"volume_status": volume_status}
        self.prepare("1.2" if extra else "1.1").cast(
            ctxt, "backup_update", backup_id=backup_id, updates=updates, reason=reason,
            **extra)

    def backup_deleted(self, ctxt, backup_id):
        self.prepare("1.1").cast(ctxt, "backup_deleted", backup_id=backup_id)

    def reconcile(self, ctxt, backend, volume_ids, timeout=60):
        """At agent start: settle what the backend left in flight. ``volume_ids``:
        what the backend holds. Returns {"delete_volumes": [volume dicts],
        "delete_snapshots": [[snapshot dict, volume dict]...]}: deletions to redo."""
        return self.prepare("1.0", timeout=timeout).call(
            ctxt, "reconcile", backend=backend, volume_ids=sorted(volume_ids))

"""The volume agent's RPC endpoint for one backend: runs the backend's driver and
reports every outcome to the API side (``rpc.VolumeReportAPI``); the agent holds
no database.

What each operation reports (``volume_update`` / ``snapshot_update`` carry a
``reason`` whenever the operation failed):

=====================  ==============================================  ==========================
operation              success                                         failure
=====================  ==============================================  ==========================
create_volume          volume_update status=available,                 status=error (anything
                       provider_location, format; from an image also   written is removed first)
                       bootable=True, image_metadata
delete_volume          volume_deleted                                  status=error_deleting
extend_volume          status=available (in-use if attached), size     status=error_extending
                                                                       (size unchanged)
create_snapshot        snapshot_update status=available,               snapshot status=error
                       provider_location, progress=100%
delete_snapshot        snapshot_deleted                                status=error_deleting
copy_volume_to_image   status=restore_status                           status=restore_status (the
                                                                       volume is intact), reason;
                                                                       the queued image deleted
initialize_connection  returns the connection info (an RPC call)       raises BackendError
terminate_connection   returns None (an RPC call)                      raises BackendError
backup_volume          backup_update status=available, object_count,   backup_update status=error,
                       volume_status=restore_status (one report, one   reason (what it stored is
                       transaction; a 1.1 API side: volume_update      removed), volume_status=
                       status=restore_status after it)                 restore_status
restore_backup         volume_update status=available;                 volume_update
                       backup_update status=available                  status=error_restoring,
                                                                       reason (old bytes kept);
                                                                       backup_update available
delete_backup          backup_deleted                                  backup_update
                                                                       status=error_deleting
=====================  ==============================================  ==========================

Operations on one volume run one at a time (a lock per volume id; a clone or a
snapshot also holds its source's, a volume made from a snapshot the snapshot's;
a backup or a restore holds its volume's and the backup's, a delete of a backup the
backup's); operations on different volumes run in parallel, on the RPC server's
threads. Backups are ``agent.backup``'s (chunks, manifests, incrementals).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid

import oslo_messaging

from sovra_block.agent import backup as backup_api
from sovra_block.agent import images as image_api
from sovra_block.drivers import base
from sovra_common import exception, rpc

LOG = logging.getLogger(__name__)


class KeyedLocks:
    """One lock per key (volume or snapshot id), kept while someone holds or waits
    for it; ``hold(*keys)`` takes several in a fixed order (no deadlock)."""

    def __init__(self):
        self._guard = threading.Lock()
        self._locks: dict[str, list] = {}  # key -> [lock, holders and waiters]

    @contextlib.contextmanager
    def hold(self, *keys: str):
        keys = sorted(set(keys))
        with contextlib.ExitStack() as stack:
            for key in keys:
                stack.enter_context(self._one(key))
            yield

    @contextlib.contextmanager
    def _one(self, key):
        with self._guard:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[key]

    def __len__(self):
        with self._guard:
            return len(self._locks)


def reason_of(operation: str, exc: BaseException) -> str:
    """The ``reason`` reported for a failed operation."""
    if isinstance(exc, base.BackendError):
        detail = exc.reason
    else:
        detail = str(exc) or type(exc).__name__
    return f"{operation} failed: {detail}"


class VolumeAgentEndpoint(rpc.RPCEndpoint):
    """Serves ``rpc.VolumeAgentAPI`` for one backend (see the module's doc).

    ``reports``: a ``rpc.VolumeReportAPI``; ``images(context)``: an image client
    acting for the context's user (``images.client_factory``); ``conversion_dir``:
    where downloads and uploads are staged ([block] image_conversion_dir);
    ``default_format``: the format of volumes whose dict names none; ``backups``:
    a ``backup.VolumeBackups`` over this backend's driver (None: backups fail with
    a reason).
    """

    target = oslo_messaging.Target(version="1.1")

    def __init__(self, backend: str, driver: base.VolumeDriver, reports, *,
                 images=None, conversion_dir: str, default_format: str = "raw",
                 backups: backup_api.VolumeBackups | None = None):
        self._backend = backend
        self._backups = backups
        self._driver = driver
        self._reports = reports
        self._images = images
        self._conversion_dir = conversion_dir
        self._default_format = default_format
        self._locks = KeyedLocks()

    # -- helpers -------------------------------------------------------------------

    def _volume_ref(self, volume: dict) -> base.VolumeRef:
        return base.VolumeRef(id=volume["id"], size_gb=int(volume["size"]),
                              provider_location=volume.get("provider_location"),
                              format=volume.get("format") or self._default_format)

    @staticmethod
    def _snapshot_ref(snapshot: dict) -> base.SnapshotRef:
        return base.SnapshotRef(id=snapshot["id"], volume_id=snapshot["volume_id"],
                                size_gb=int(snapshot["size"]),
                                provider_location=snapshot.get("provider_location"))

    def _report(self, method: str, ctxt, *args, **kwargs) -> None:
        """Send a report; a lost report is logged (the API side's sweeps and the
        next agent start settle what it would have said)."""
        try:
            getattr(self._reports, method)(ctxt, *args, **kwargs)
        except Exception:
            LOG.exception("%s: could not report %s%r", self._backend, method, args)

    def _failed(self, operation, exc, what):
        if isinstance(exc, exception.SovraError):  # an outcome, not a bug: no traceback
            LOG.warning("%s: %s of %s failed: %s", self._backend, operation, what,
                        reason_of(operation, exc))
        else:
            LOG.exception("%s: %s of %s failed", self._backend, operation, what)
        return reason_of(operation, exc)

    # -- volumes -------------------------------------------------------------------

    def create_volume(self, ctxt, volume, source=None):
        ref = self._volume_ref(volume)
        source = source or {}
        kind = source.get("type")
        keys = [ref.id]
        if kind == "snapshot":
            keys.append(source["snapshot"]["id"])
        elif kind == "volume":
            keys.append(source["volume"]["id"])
        with self._locks.hold(*keys):
            try:
                updates = self._create(ctxt, ref, kind, source)
            except Exception as exc:
                reason = self._failed("create", exc, f"volume {ref.id}")
                try:  # what a failed create wrote is not the volume asked for
                    self._driver.delete_volume(ref)
                except Exception:
                    LOG.exception("%s: could not remove what the failed create of %s "
                                  "left", self._backend, ref.id)
                self._report("volume_update", ctxt, ref.id, {"status": "error"},
                             reason=reason)
                return
        LOG.info("%s: volume %s created (%s)", self._backend, ref.id, kind or "blank")
        self._report("volume_update", ctxt, ref.id, updates)

    def _create(self, ctxt, ref, kind, source) -> dict:
        extra = {}
        if kind is None:
            update = self._driver.create_volume(ref)
        elif kind == "snapshot":
            update = self._driver.create_volume_from_snapshot(
                ref, self._snapshot_ref(source["snapshot"]))
        elif kind == "volume":
            update = self._driver.create_cloned_volume(
                ref, self._volume_ref(source["volume"]))
        elif kind == "image":
            update, extra = self._create_from_image(ctxt, ref, source["image_id"])
        else:
            raise base.BackendError(f"unknown source type {kind!r}")
        return {"status": "available", "format": ref.format, **update, **extra}

    def _create_from_image(self, ctxt, ref, image_id) -> tuple[dict, dict]:
        if self._images is None:
            raise base.BackendError("this agent has no image service client")
        client = self._images(ctxt)
        image = client.get_image(image_id)
        image_api.check_usable(image, ref.size_gb)
        with image_api.downloaded(client, image, self._conversion_dir) as path:
            update = self._driver.create_volume(ref)
            self._driver.copy_image_to_volume(ref, path, image["disk_format"])
        return update, {"bootable": True,
                        "image_metadata": image_api.image_metadata(image)}

    def delete_volume(self, ctxt, volume):
        ref = self._volume_ref(volume)
        with self._locks.hold(ref.id):
            try:
                self._driver.delete_volume(ref)
            except Exception as exc:
                reason = self._failed("delete", exc, f"volume {ref.id}")
                self._report("volume_update", ctxt, ref.id,
                             {"status": "error_deleting"}, reason=reason)
                return
        LOG.info("%s: volume %s deleted", self._backend, ref.id)
        self._report("volume_deleted", ctxt, ref.id)

    def extend_volume(self, ctxt, volume, new_size):
        ref = self._volume_ref(volume)
        with self._locks.hold(ref.id):
            try:
                self._driver.extend_volume(ref, int(new_size))
            except Exception as exc:
                reason = self._failed("extend", exc, f"volume {ref.id}")
                self._report("volume_update", ctxt, ref.id,
                             {"status": "error_extending"}, reason=reason)
                return
        status = "in-use" if volume.get("attach_status") == "attached" else "available"
        self._report("volume_update", ctxt, ref.id,
                     {"status": status, "size": int(new_size)})

    # -- snapshots -----------------------------------------------------------------

    def create_snapshot(self, ctxt, snapshot, volume):
        snap, ref = self._snapshot_ref(snapshot), self._volume_ref(volume)
        with self._locks.hold(ref.id, snap.id):
            try:
                update = self._driver.create_snapshot(snap, ref)
            except Exception as exc:
                reason = self._failed("snapshot", exc, f"volume {ref.id}")
                self._report("snapshot_update", ctxt, snap.id, {"status": "error"},
                             reason=reason)
                return
        self._report("snapshot_update", ctxt, snap.id,
                     {"status": "available", "progress": "100%", **update})

    def delete_snapshot(self, ctxt, snapshot, volume):
        snap, ref = self._snapshot_ref(snapshot), self._volume_ref(volume)
        with self._locks.hold(snap.id):
            try:
                self._driver.delete_snapshot(snap, ref)
            except Exception as exc:
                reason = self._failed("delete", exc, f"snapshot {snap.id}")
                self._report("snapshot_update", ctxt, snap.id,
                             {"status": "error_deleting"}, reason=reason)
                return
        self._report("snapshot_deleted", ctxt, snap.id)

    # -- attachments (calls: the caller waits for the answer) -----------------------

    def _call(self, operation, volume, func):
        ref = self._volume_ref(volume)
        with self._locks.hold(ref.id):
            try:
                return func(ref)
            except base.BackendError:
                raise
            except Exception as exc:  # the caller gets a domain error, not a bug
                raise base.BackendError(reason_of(operation, exc)) from exc

    @rpc.expected_errors(base.BackendError)
    def initialize_connection(self, ctxt, volume, connector):
        return self._call("initialize_connection", volume,
                          lambda ref: self._driver.initialize_connection(ref, connector))

    @rpc.expected_errors(base.BackendError)
    def terminate_connection(self, ctxt, volume, connector):
        self._call("terminate_connection", volume,
                   lambda ref: self._driver.terminate_connection(ref, connector))

    # -- images --------------------------------------------------------------------

    def copy_volume_to_image(self, ctxt, volume, image_id, disk_format,
                             restore_status):
        ref = self._volume_ref(volume)
        path = os.path.join(self._conversion_dir,
                            f"upload-{image_id}-{uuid.uuid4().hex[:8]}.{disk_format}")
        with self._locks.hold(ref.id):
            try:
                if self._images is None:
                    raise base.BackendError("this agent has no image service client")
                client = self._images(ctxt)
                os.makedirs(self._conversion_dir, exist_ok=True)
                self._driver.copy_volume_to_image(ref, path, disk_format)
                image_api.upload(client, image_id, path, disk_format)
            except Exception as exc:
                reason = self._failed("upload to image", exc, f"volume {ref.id}")
                self._delete_image(ctxt, image_id)
                self._report("volume_update", ctxt, ref.id, {"status": restore_status},
                             reason=reason)
                return
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
        LOG.info("%s: volume %s uploaded to image %s", self._backend, ref.id, image_id)
        self._report("volume_update", ctxt, ref.id, {"status": restore_status})

    def _delete_image(self, ctxt, image_id):
        """A queued image that will never get data is only clutter."""
        if self._images is None:
            return
        try:
            self._images(ctxt).delete_image(image_id)
        except Exception as exc:
            LOG.warning("could not delete image %s of a failed upload: %s", image_id,
                        exc)

    # -- backups -------------------------------------------------------------------

    def _volume_backups(self) -> backup_api.VolumeBackups:
        if self._backups is None:
            raise base.BackendError("this agent has no backup store")
        return self._backups

    def backup_volume(self, ctxt, backup, volume, parent=None):
        ref = self._volume_ref(volume)
        restore_status = volume.get("restore_status") or "available"
        with self._locks.hold(ref.id, backup["id"]):
            try:
                count = self._volume_backups().backup(ref, backup, parent)
            except Exception as exc:
                reason = self._failed("backup", exc, f"volume {ref.id}")
                self._backup_ended(ctxt, backup["id"], {"status": "error"}, ref.id,
                                   restore_status, reason=reason)
                return
        LOG.info("%s: volume %s backed up as %s (%d objects)", self._backend, ref.id,
                 backup["id"], count)
        self._backup_ended(ctxt, backup["id"],
                           {"status": "available", "object_count": count}, ref.id,
                           restore_status)

    def _backup_ended(self, ctxt, backup_id, updates, volume_id, volume_status,
                      reason=None):
        """Report a backup's end and its volume's status, in one report (one
        transaction) where the API side takes it (1.2), else one after the
        other."""
        if self._reports.can_send_version("1.2"):
            self._report("backup_update", ctxt, backup_id, updates, reason=reason,
                         volume_status=volume_status)
            return
        self._report("backup_update", ctxt, backup_id, updates, reason=reason)
        self._report("volume_update", ctxt, volume_id, {"status": volume_status})

    def restore_backup(self, ctxt, backup, volume):
        ref = self._volume_ref(volume)
        with self._locks.hold(ref.id, backup["id"]):
            try:
                self._volume_backups().restore(backup, ref)
            except Exception as exc:
                reason = self._failed("restore", exc, f"backup {backup['id']}")
                self._report("volume_update", ctxt, ref.id,
                             {"status": "error_restoring"}, reason=reason)
                self._report("backup_update", ctxt, backup["id"], {"status": "available"})
                return
        LOG.info("%s: backup %s restored to volume %s", self._backend, backup["id"],
                 ref.id)
        self._report("volume_update", ctxt, ref.id, {"status": "available"})
        self._report("backup_update", ctxt, backup["id"], {"status": "available"})

    def delete_backup(self, ctxt, backup):
        with self._locks.hold(backup["id"]):
            try:
                self._volume_backups().delete(backup)
            except Exception as exc:
                reason = self._failed("delete", exc, f"backup {backup['id']}")
                self._report("backup_update", ctxt, backup["id"],
                             {"status": "error_deleting"}, reason=reason)
                return
        LOG.info("%s: backup %s deleted", self._backend, backup["id"])
        self._report("backup_deleted", ctxt, backup["id"])

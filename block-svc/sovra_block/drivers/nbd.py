"""The NBD backend: the file backend's volumes (same files, same staging, same
snapshots), served to compute nodes over the network by one qemu-storage-daemon
per backend instead of shared storage.

``initialize_connection`` adds an NBD export of the volume (a block node opening
its file in its format, exported raw and writable) and returns
``{"driver_volume_type": "nbd", "data": {"host", "port", "export_name", "format":
"raw"}}``; the export lives while at least one connector (by its ``host``) uses
it. The daemon runs detached (``--daemonize``, pid file and QMP socket in
``[<backend>] nbd_state_dir``) and outlives the agent, so guests keep their disks
across an agent restart; ``do_setup`` finds it again, or starts it and restores
the exports recorded in ``<state dir>/exports/<volume id>.json``.

While a volume is exported it is open in the daemon: it is not deleted, extended
(an NBD client sees a new size only on reconnect, and the export holds the node's
size: ``online_extend_support`` is false) or overwritten by an image copy; those
raise BackendError. A snapshot of an exported volume is taken by the daemon that
has it open (a ``blockdev-backup`` job, sync full, into the snapshot's temporary
file): point-in-time at the job's start even while a guest writes (crash-consistent;
freeze the guest's filesystems for more), and it sees the qcow2 metadata the
daemon has not written out yet, which reading the file could not.

Exports are plain NBD, without authentication or TLS: on anything but 127.0.0.1,
``nbd_listen_address`` must be on a storage network only the compute nodes reach.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time

from sovra_block.drivers import base, file
from sovra_block.drivers.qmp import QMPClient, QMPError

_WILDCARDS = {"0.0.0.0", "::", ""}


class NbdDriver(file.FileDriver):
    """Volumes as files, exported over NBD by qemu-storage-daemon."""

    storage_protocol = "nbd"

    def __init__(self, conf, backend_name: str):
        super().__init__(conf, backend_name)
        opts = self.backend_conf
        self.state_dir = os.path.abspath(opts.nbd_state_dir or
                                         os.path.join(self.volume_dir, ".nbd"))
        self.records_dir = os.path.join(self.state_dir, "exports")
        self.pidfile = os.path.join(self.state_dir, "qsd.pid")
        self.qmp = QMPClient(os.path.join(self.state_dir, "qmp.sock"))
        self.port = opts.nbd_port
        if opts.nbd_advertise_host:
            self.host = opts.nbd_advertise_host
        elif opts.nbd_listen_address in _WILDCARDS:
            self.host = socket.gethostname()
        else:
            self.host = opts.nbd_listen_address

    # -- the daemon ----------------------------------------------------------------

    def _daemon_pid(self) -> int | None:
        """The pid of this backend's running daemon, or None."""
        try:
            with open(self.pidfile) as f:
                pid = int(f.read().strip())
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except (OSError, ValueError):
            return None
        return pid if self.qmp.path.encode() in cmdline else None  # not a reused pid

    def _start_daemon(self) -> None:
        program = shutil.which(self.backend_conf.nbd_daemon_path)
        if program is None:
            raise base.BackendError(f"{self.backend_conf.nbd_daemon_path} is not "
                                    "installed (Debian: qemu-system-common)")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.qmp.path)
        server = (f"addr.type=inet,addr.host={self.backend_conf.nbd_listen_address},"
                  f"addr.port={self.port}")
        if self.backend_conf.nbd_max_connections:
            server += f",max-connections={self.backend_conf.nbd_max_connections}"
        command = [program,
                   "--chardev", f"socket,id=qmp0,path={self.qmp.path},server=on,wait=off",
                   "--monitor", "chardev=qmp0",
                   "--nbd-server", server,
                   "--pidfile", self.pidfile, "--daemonize"]
        try:  # --daemonize returns once the daemon listens (or failed to)
            done = subprocess.run(command, capture_output=True, text=True, timeout=60,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise base.BackendError("qemu-storage-daemon did not start in 60 s") from exc
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip() or f"exit {done.returncode}"
            raise base.BackendError(f"qemu-storage-daemon failed to start: {detail}")

    def stop_daemon(self) -> None:
        """Stop this backend's daemon (every export with it). Not part of the
        driver contract: for operators' tools and tests."""
        pid = self._daemon_pid()
        if pid is None:
            return
        with contextlib.suppress(QMPError, base.BackendError):
            self.qmp.execute("quit")
        for _ in range(100):
            if self._daemon_pid() is None:
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    # -- exports -------------------------------------------------------------------

    @staticmethod
    def _node(volume_id: str) -> str:
        return "v" + volume_id.replace("-", "")[:30]  # QEMU ids: <= 31 characters

    @staticmethod
    def export_name(volume_id: str) -> str:
        return f"volume-{volume_id}"

    def _record_path(self, volume_id: str) -> str:
        return os.path.join(self.records_dir, f"{volume_id}.json")

    def _record(self, volume_id: str) -> dict | None:
        try:
            with open(self._record_path(volume_id)) as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def _save_record(self, record: dict) -> None:
        path = self._record_path(record["volume_id"])
        tmp = f"{path}.tmp"
        with open(tmp, "w") as f:
            json.dump(record, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def _exported(self) -> set[str]:
        return {e["id"] for e in self.qmp.execute("query-block-exports")}

    def _add_export(self, record: dict) -> None:
        node = self._node(record["volume_id"])
        nodes = {n["node-name"] for n in self.qmp.execute("query-named-block-nodes")}
        if node not in nodes:
            self.qmp.execute("blockdev-add", **{
                "driver": record["format"], "node-name": node, "discard": "unmap",
                "file": {"driver": "file", "filename": self._path(record["file"])}})
        try:
            self.qmp.execute("block-export-add", type="nbd", id=node,
                             **{"node-name": node}, name=self.export_name(
                                 record["volume_id"]), writable=True)
        except QMPError:
            with contextlib.suppress(QMPError):
                self.qmp.execute("blockdev-del", **{"node-name": node})
            raise

    def _remove_export(self, volume_id: str) -> None:
        node = self._node(volume_id)
        if node in self._exported():
            self.qmp.execute("block-export-del", id=node, mode="hard")
            for _ in range(200):  # deleted once its clients are gone
                if node not in self._exported():
                    break
                time.sleep(0.05)
            else:
                raise base.BackendError(f"the export of volume {volume_id} would not "
                                        "go away")
        nodes = {n["node-name"] for n in self.qmp.execute("query-named-block-nodes")}
        if node in nodes:
            self.qmp.execute("blockdev-del", **{"node-name": node})

    def _refuse_if_exported(self, volume: base.VolumeRef, what: str) -> None:
        record = self._record(volume.id)
        if record and record["connectors"]:
            raise base.BackendError(
                f"cannot {what} volume {volume.id}: it is exported to "
                f"{', '.join(record['connectors'])}")

    # -- the contract ----------------------------------------------------------------

    def do_setup(self) -> None:
        super().do_setup()
        os.makedirs(self.records_dir, exist_ok=True)
        if self._daemon_pid() is None:
            self._start_daemon()
        exported = self._exported()
        for name in os.listdir(self.records_dir):
            if not name.endswith(".json"):
                continue
            record = self._record(name[:-len(".json")])
            if record is None or self._node(record["volume_id"]) in exported:
                continue
            if not os.path.exists(self._path(record["file"])):  # deleted meanwhile
                os.unlink(self._record_path(record["volume_id"]))
                continue
            self._add_export(record)

    def get_capabilities(self) -> dict:
        caps = super().get_capabilities()
        caps.update(online_extend_support=False, online_extend_formats=[],
                    nbd_host=self.host, nbd_port=self.port)
        return caps

    def delete_volume(self, volume: base.VolumeRef) -> None:
        self._refuse_if_exported(volume, "delete")
        super().delete_volume(volume)

    def extend_volume(self, volume: base.VolumeRef, new_size_gb: int) -> None:
        self._refuse_if_exported(volume, "extend")
        super().extend_volume(volume, new_size_gb)

    def copy_image_to_volume(self, volume: base.VolumeRef, image_path: str,
                             image_format: str) -> None:
        self._refuse_if_exported(volume, "write an image into")
        super().copy_image_to_volume(volume, image_path, image_format)

    def create_snapshot(self, snapshot: base.SnapshotRef,
                        volume: base.VolumeRef) -> dict:
        record = self._record(volume.id)
        if not (record and self._node(volume.id) in self._exported()):
            return super().create_snapshot(snapshot, volume)
        fmt = self._format(volume)
        name = f"snapshot-{snapshot.id}.{fmt}"
        final = self._path(name)
        if not os.path.exists(final):
            size = file.virtual_size(self._existing_volume_path(volume), fmt)
            with self._staging(final) as tmp:
                self._make_empty(tmp, fmt, size)
                self._backup(self._node(volume.id), tmp, fmt, snapshot.id)
        return {"provider_location": name}

    def _backup(self, source_node: str, target_path: str, fmt: str, job: str) -> None:
        """Copy the node ``source_node`` into the (empty, same-size) file
        ``target_path`` with a backup job of the daemon; wait for it to end."""
        target = "s" + job.replace("-", "")[:30]
        job_id = "j" + job.replace("-", "")[:30]
        self.qmp.execute("blockdev-add", **{
            "driver": fmt, "node-name": target,
            "file": {"driver": "file", "filename": target_path}})
        try:
            self.qmp.execute("blockdev-backup", **{
                "job-id": job_id, "device": source_node, "target": target,
                "sync": "full", "auto-dismiss": False})
            try:
                while True:
                    jobs = {j["id"]: j for j in self.qmp.execute("query-jobs")}
                    state = jobs.get(job_id)
                    if state is None:
                        raise base.BackendError(f"backup job {job_id} vanished")
                    if state["status"] == "concluded":
                        if state.get("error"):
                            raise base.BackendError(
                                f"backup of {source_node} failed: {state['error']}")
                        return
                    time.sleep(0.05)
            finally:
                self._end_job(job_id)
        finally:
            self.qmp.execute("blockdev-del", **{"node-name": target})

    def _end_job(self, job_id: str) -> None:
        """Cancel ``job_id`` if it still runs, and dismiss it once concluded."""
        with contextlib.suppress(QMPError):
            self.qmp.execute("job-cancel", id=job_id)
        for _ in range(200):
            jobs = {j["id"]: j["status"] for j in self.qmp.execute("query-jobs")}
            if jobs.get(job_id) in (None, "concluded"):
                break
            time.sleep(0.05)
        with contextlib.suppress(QMPError):
            self.qmp.execute("job-dismiss", id=job_id)

    def initialize_connection(self, volume: base.VolumeRef, connector: dict) -> dict:
        path = self._existing_volume_path(volume)
        record = self._record(volume.id) or {
            "volume_id": volume.id, "file": os.path.basename(path),
            "format": volume.format, "connectors": []}
        if self._node(volume.id) not in self._exported():
            self._add_export(record)
        host = connector.get("host") or connector.get("initiator") or "unknown"
        if host not in record["connectors"]:
            record["connectors"].append(host)
        self._save_record(record)
        return {"driver_volume_type": "nbd",
                "data": {"host": self.host, "port": self.port,
                         "export_name": self.export_name(volume.id), "format": "raw"}}

    def terminate_connection(self, volume: base.VolumeRef, connector: dict) -> None:
        record = self._record(volume.id)
        if record is None:
            return
        host = connector.get("host") or connector.get("initiator") or "unknown"
        if host in record["connectors"]:
            record["connectors"].remove(host)
        if record["connectors"]:
            self._save_record(record)
            return
        self._remove_export(volume.id)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._record_path(volume.id))
